# `wamp` command-line tool end-to-end tests.
if(TARGET wamp)
  add_test(NAME interop.cli_message
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli/message_cli.sh $<TARGET_FILE:wamp>)
  set_tests_properties(interop.cli_message PROPERTIES LABELS interop TIMEOUT 120)
endif()
