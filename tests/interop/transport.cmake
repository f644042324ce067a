# interop.transport.*: libwamp's runtime (src/net) with the RawSocket/WebSocket framers against
# real peers on 127.0.0.1: python3-websockets, Autobahn|Python (asyncio WebSocket and RawSocket),
# Python's ssl module (TLS + tls-unique channel binding) and headless Chromium.
# Needs /usr/bin/python3 with python3-websockets and python3-autobahn; chromium for the browser
# test (skipped, not failed, when /usr/bin/chromium is missing).
add_executable(wsecho ${CMAKE_CURRENT_LIST_DIR}/transport/wsecho.c)
target_link_libraries(wsecho PRIVATE wamp_test_support)
target_compile_options(wsecho PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter)

add_test(NAME interop.transport.self
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/transport/self.py $<TARGET_FILE:wsecho>)
foreach(peer py_websockets py_deflate_params autobahn_ws autobahn_rawsocket tls)
  add_test(NAME interop.transport.${peer}
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/transport/${peer}.py $<TARGET_FILE:wsecho>)
endforeach()
add_test(NAME interop.transport.chromium
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/transport/chromium.py $<TARGET_FILE:wsecho>)
set_tests_properties(interop.transport.chromium PROPERTIES SKIP_RETURN_CODE 77)
foreach(t self py_websockets py_deflate_params autobahn_ws autobahn_rawsocket tls chromium)
  set_tests_properties(interop.transport.${t} PROPERTIES LABELS interop TIMEOUT 300)
endforeach()

# examples/rawsocket_poll.c (poll() loop, no libuv) against wampd.
if(WAMP_BUILD_EXAMPLES AND TARGET wampd)
  add_test(NAME interop.transport.example_poll
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/transport/example_poll.py
            $<TARGET_FILE:example_rawsocket_poll> $<TARGET_FILE:wampd>)
  set_tests_properties(interop.transport.example_poll PROPERTIES LABELS interop TIMEOUT 120)
endif()
