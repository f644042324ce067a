# interop.own_router: a C scenario driver running our client against our router (wampd) over
# WebSocket and RawSocket with every serializer the router serves, plain and batched.
if(TARGET wampd)
  add_executable(own_router_driver ${CMAKE_CURRENT_LIST_DIR}/own_router/driver.c)
  target_link_libraries(own_router_driver PRIVATE wamp_static)
  target_compile_options(own_router_driver PRIVATE -Wall -Wextra -Werror)
  add_test(NAME interop.own_router COMMAND own_router_driver $<TARGET_FILE:wampd>)
  set_tests_properties(interop.own_router PROPERTIES LABELS interop TIMEOUT 300)
endif()
