# bench_framing: the sans-I/O framers alone (no sockets): WebSocket receive beside
# python3-websockets' sans-I/O parser (bench/framing_ref.py) and memcpy, RawSocket receive beside
# memcpy, permessage-deflate send beside zlib alone — measured in the same run.
add_executable(bench_framing ${CMAKE_CURRENT_SOURCE_DIR}/framing.c)
target_link_libraries(bench_framing PRIVATE wamp_static)
target_compile_options(bench_framing PRIVATE ${WAMP_WARNINGS})
target_compile_definitions(bench_framing PRIVATE
  WAMP_BENCH_FRAMING_REF="${CMAKE_CURRENT_SOURCE_DIR}/framing_ref.py")
