# bench_value: arena-built value trees vs a malloc-per-node reference, and duplicate-key checks
# vs a sort-based reference, measured in the same run.
add_executable(bench_value ${CMAKE_CURRENT_SOURCE_DIR}/value.c)
target_link_libraries(bench_value PRIVATE wamp_static)
target_compile_options(bench_value PRIVATE ${WAMP_WARNINGS})
