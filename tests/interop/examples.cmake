# interop.examples: the programs of examples/ run against wampd, their output checked.
if(WAMP_BUILD_EXAMPLES AND TARGET wamp AND TARGET wampd)
  add_test(NAME interop.examples
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/examples/run_examples.py
            $<TARGET_FILE:wamp> $<TARGET_FILE:wampd> $<TARGET_FILE_DIR:example_caller>)
  set_tests_properties(interop.examples PROPERTIES LABELS interop TIMEOUT 120)
endif()
