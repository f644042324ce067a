# Client session over the client runtime against the fox-wamp router with an Autobahn|Python
# peer (node_modules at the repository root: npm ci --ignore-scripts).
if(TARGET wamp)
  add_test(NAME interop.session_fox
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/session/session_fox.sh $<TARGET_FILE:wamp>
            ${PROJECT_SOURCE_DIR}/node_modules)
  set_tests_properties(interop.session_fox PROPERTIES LABELS interop SKIP_RETURN_CODE 77
                       TIMEOUT 120)
endif()
