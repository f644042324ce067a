# bench_echo: echo throughput (messages/s, MB/s) and p50/p99 round trip over RawSocket,
# WebSocket and WebSocket + permessage-deflate (with compression ratio), beside a bare TCP echo
# written directly on libuv, measured in the same run on 127.0.0.1.
add_executable(bench_echo ${CMAKE_CURRENT_SOURCE_DIR}/bench_echo.c)
target_link_libraries(bench_echo PRIVATE wamp_static)
target_compile_options(bench_echo PRIVATE ${WAMP_WARNINGS})
