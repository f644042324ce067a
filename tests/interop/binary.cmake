# interop.binary: MessagePack and CBOR byte compatibility with Autobahn|Python's serializers
# (msgpack-python packb(use_bin_type=True), cbor2.dumps). Needs /usr/bin/python3 with
# python3-autobahn, python3-msgpack and python3-cbor2.
add_executable(check_binary_vectors ${CMAKE_CURRENT_SOURCE_DIR}/interop/binary/check_vectors.c)
target_link_libraries(check_binary_vectors PRIVATE wamp_static)
target_compile_options(check_binary_vectors PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter)
add_test(NAME interop.binary
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/interop/binary/autobahn_vectors.py
          $<TARGET_FILE:check_binary_vectors>)
set_tests_properties(interop.binary PROPERTIES LABELS interop TIMEOUT 120)
