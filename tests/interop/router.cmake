# interop.router.*: wampd (tools/wampd) against Autobahn|Python 22.7.1 clients (Debian
# python3-autobahn, asyncio) over WebSocket (json, msgpack, cbor, ubjson; plain and batched)
# and RawSocket, on 127.0.0.1 with an ephemeral port.
if(TARGET wampd)
  foreach(t features auth robust config)
    add_test(NAME interop.router.${t}
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/python/router_${t}.py $<TARGET_FILE:wampd>)
    set_tests_properties(interop.router.${t} PROPERTIES LABELS interop TIMEOUT 300
      ENVIRONMENT "PYTHONPATH=${CMAKE_CURRENT_LIST_DIR}/python")
  endforeach()
endif()
