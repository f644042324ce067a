# interop.flatbuffers: the FlatBuffers serializer against Autobahn|Python 22.7.1's
# FlatBuffersSerializer (PUBLISH and EVENT, the types it implements): Autobahn serializes ->
# we decode equal; we encode -> Autobahn unserializes equal. Needs /usr/bin/python3 with
# python3-autobahn, python3-flatbuffers, python3-cbor2.
add_executable(fbs_peer ${CMAKE_CURRENT_LIST_DIR}/flatbuffers/fbs_peer.c)
target_link_libraries(fbs_peer PRIVATE wamp_static)
target_compile_options(fbs_peer PRIVATE -Wall -Wextra -Werror)
add_test(NAME interop.flatbuffers
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/flatbuffers/fbs_interop.py
          $<TARGET_FILE:fbs_peer>)
set_tests_properties(interop.flatbuffers PROPERTIES LABELS interop TIMEOUT 120)
