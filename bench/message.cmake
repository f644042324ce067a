# bench_message: JSON message round trips (decode, parse, marshal, encode) per second next to
# Autobahn|Python's JsonSerializer (bench/message_ref.py, /usr/bin/python3 timeit) in the same run.
add_executable(bench_message ${CMAKE_CURRENT_SOURCE_DIR}/message.c)
target_link_libraries(bench_message PRIVATE wamp_static)
target_compile_options(bench_message PRIVATE ${WAMP_WARNINGS})
target_compile_definitions(bench_message PRIVATE
  WAMP_BENCH_MESSAGE_REF="${CMAKE_CURRENT_SOURCE_DIR}/message_ref.py")
