# interop.message: differential test of message parse/marshal against Autobahn|Python's
# autobahn.wamp.message and its serializers (JSON, MessagePack, CBOR, UBJSON; plain and batched):
# byte-identical output, Autobahn accepts ours as equal, and every mutation Autobahn rejects we
# reject (and vice versa, minus the deviations documented in include/wamp/message.h). Needs
# /usr/bin/python3 with python3-autobahn, python3-msgpack, python3-cbor2, python3-ubjson.
add_executable(message_peer ${CMAKE_CURRENT_LIST_DIR}/message/message_peer.c)
target_link_libraries(message_peer PRIVATE wamp_static)
target_compile_options(message_peer PRIVATE -Wall -Wextra -Werror)
add_test(NAME interop.message
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/python/message_diff.py
          $<TARGET_FILE:message_peer>)
set_tests_properties(interop.message PROPERTIES LABELS interop TIMEOUT 300)
