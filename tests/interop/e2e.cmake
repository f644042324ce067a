# interop.e2e: WAMP-cryptobox end-to-end encryption between libwamp's client session (payload
# codec = cryptobox key ring) and Autobahn|Python 22.7.1 through wampd: encrypted call/result
# and event in both directions. Needs /usr/bin/python3 with python3-autobahn, -nacl, -trie.
if(TARGET wampd AND TARGET wamp_static)
  add_executable(e2e_peer ${CMAKE_CURRENT_LIST_DIR}/e2e/e2e_peer.c)
  target_link_libraries(e2e_peer PRIVATE wamp_static)
  target_compile_options(e2e_peer PRIVATE -Wall -Wextra -Werror)
  add_test(NAME interop.e2e
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/e2e/e2e.py $<TARGET_FILE:wampd>
            $<TARGET_FILE:e2e_peer>)
  set_tests_properties(interop.e2e PROPERTIES LABELS interop TIMEOUT 120 SKIP_RETURN_CODE 77
    ENVIRONMENT "PYTHONPATH=${CMAKE_CURRENT_LIST_DIR}/python")
endif()
