# bench_json: JSON decode and encode of representative WAMP messages, libwamp vs jansson
# (json_loadb / json_dumpb with JSON_COMPACT), measured in the same run. Needs libjansson-dev.
pkg_check_modules(JANSSON IMPORTED_TARGET jansson)
if(JANSSON_FOUND)
  add_executable(bench_json ${CMAKE_CURRENT_SOURCE_DIR}/bench_json.c)
  target_link_libraries(bench_json PRIVATE wamp_static PkgConfig::JANSSON)
  target_compile_options(bench_json PRIVATE ${WAMP_WARNINGS})
else()
  message(STATUS "jansson not found (libjansson-dev): bench_json is not built")
endif()
