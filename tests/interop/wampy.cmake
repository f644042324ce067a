# interop.router.wampy.*: wampd against wampy 8.0.2 (npm) over WebSocket with each of wampy's
# serializers (json, msgpack via msgpackr, cbor via cbor-x) and a static-auth config (ticket,
# wampcra, cryptosign). The wampy limitations met are asserted by name in the script.
find_program(NODE_EXECUTABLE node)
if(TARGET wampd AND NODE_EXECUTABLE AND EXISTS ${PROJECT_SOURCE_DIR}/node_modules/wampy)
  foreach(m json msgpack cbor auth)
    add_test(NAME interop.router.wampy.${m}
      COMMAND ${NODE_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/js/router_wampy.js
              $<TARGET_FILE:wampd> ${PROJECT_SOURCE_DIR}/node_modules ${m})
    set_tests_properties(interop.router.wampy.${m} PROPERTIES LABELS interop TIMEOUT 180)
  endforeach()
endif()
