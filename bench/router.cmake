# bench_router: the router benchmark (wampd vs the fox-wamp router vs a bare libuv TCP relay, one
# load generator, one run) and the client benchmark (libwamp C client vs AutobahnJS on the same
# wampd). Needs wampd (WAMP_BUILD_TOOLS) and, for the references, node with node_modules.
if(TARGET wampd)
  add_executable(bench_router ${CMAKE_CURRENT_SOURCE_DIR}/bench_router.c)
  target_link_libraries(bench_router PRIVATE wamp_static)
  target_compile_options(bench_router PRIVATE ${WAMP_WARNINGS})
  target_compile_definitions(bench_router PRIVATE WAMPD_PATH="$<TARGET_FILE:wampd>"
                                                  WAMP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(bench_router wampd)
endif()
