# bench_ubjson: UBJSON decode/encode throughput with libwamp's MessagePack codec as the
# reference, measured in the same run on the same values.
add_executable(bench_ubjson ${CMAKE_CURRENT_SOURCE_DIR}/bench_ubjson.c)
target_link_libraries(bench_ubjson PRIVATE wamp_static)
target_compile_options(bench_ubjson PRIVATE ${WAMP_WARNINGS})
