# bench_auth: Cryptosign, WAMP-CRA and SCRAM signatures/verifications per second next to
# Autobahn|Python (bench/auth_ref.py, /usr/bin/python3 timeit) measured in the same run.
add_executable(bench_auth ${CMAKE_CURRENT_SOURCE_DIR}/auth.c)
target_link_libraries(bench_auth PRIVATE wamp_static)
target_compile_options(bench_auth PRIVATE ${WAMP_WARNINGS})
target_compile_definitions(bench_auth PRIVATE
  WAMP_BENCH_AUTH_REF="${CMAKE_CURRENT_SOURCE_DIR}/auth_ref.py")
