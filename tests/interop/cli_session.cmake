# interop.cli_session: the `wamp` CLI's call/publish/subscribe/register against wampd, every
# serializer, register -- CMD, ticket / WAMP-CRA (plain, salted) / cryptosign logins.
if(TARGET wamp AND TARGET wampd)
  add_test(NAME interop.cli_session
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cli/session_cli.py
            $<TARGET_FILE:wamp> $<TARGET_FILE:wampd>)
  set_tests_properties(interop.cli_session PROPERTIES LABELS interop TIMEOUT 300)
endif()
