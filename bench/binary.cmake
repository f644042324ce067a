# bench_binary: MessagePack and CBOR decode/encode of representative WAMP messages, libwamp vs
# msgpack-c (msgpack_unpack / msgpack_pack_object) and libcbor (cbor_load / cbor_serialize),
# measured in the same run. Needs libmsgpack-dev and libcbor-dev.
pkg_check_modules(BENCH_MSGPACKC IMPORTED_TARGET msgpack)
pkg_check_modules(BENCH_LIBCBOR IMPORTED_TARGET libcbor)
if(BENCH_MSGPACKC_FOUND AND BENCH_LIBCBOR_FOUND)
  add_executable(bench_binary ${CMAKE_CURRENT_SOURCE_DIR}/bench_binary.c)
  target_link_libraries(bench_binary PRIVATE wamp_static PkgConfig::BENCH_MSGPACKC
    PkgConfig::BENCH_LIBCBOR)
  target_compile_options(bench_binary PRIVATE ${WAMP_WARNINGS})
else()
  message(STATUS "msgpack-c or libcbor not found (libmsgpack-dev, libcbor-dev): bench_binary is not built")
endif()
