# bench_transcode: wamp_value_transcode() of a ~1 KiB kwargs dict between serializers (the
# router's relay cost) against decode + encode of the same bytes, measured in the same run.
# No reference library needed.
add_executable(bench_transcode ${CMAKE_CURRENT_SOURCE_DIR}/bench_transcode.c)
target_link_libraries(bench_transcode PRIVATE wamp_static)
target_compile_options(bench_transcode PRIVATE ${WAMP_WARNINGS})
