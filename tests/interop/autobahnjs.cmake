# interop.router.autobahnjs.*: wampd (tools/wampd) against AutobahnJS 22.11.1 clients (npm, in
# node_modules at the repository root) on 127.0.0.1 with an ephemeral port: WebSocket with json,
# msgpack and cbor, RawSocket with json, each running every pub/sub and RPC scenario and the
# meta API; "auth" runs wampd with a generated config (ticket, wampcra plain and salted,
# cryptosign, anonymous role, authorization denials).
find_program(NODE_EXECUTABLE node)
if(TARGET wampd AND NODE_EXECUTABLE AND EXISTS ${PROJECT_SOURCE_DIR}/node_modules/autobahn)
  foreach(m ws-json ws-msgpack ws-cbor rs-json auth)
    string(REPLACE "-" "_" t ${m})
    add_test(NAME interop.router.autobahnjs.${t}
      COMMAND ${NODE_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/js/router_autobahnjs.js
              $<TARGET_FILE:wampd> ${PROJECT_SOURCE_DIR}/node_modules ${m})
    set_tests_properties(interop.router.autobahnjs.${t} PROPERTIES LABELS interop TIMEOUT 180)
  endforeach()
endif()
