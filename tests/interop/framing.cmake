# interop.framing: the sans-I/O WebSocket framer (client and server, with and without
# permessage-deflate) driven over plain sockets by framing_peer, against python3-websockets and
# Autobahn|Python's WebSocket implementation, on 127.0.0.1. Needs /usr/bin/python3 with
# python3-websockets and python3-autobahn.
add_executable(framing_peer ${CMAKE_CURRENT_LIST_DIR}/framing/framing_peer.c)
target_link_libraries(framing_peer PRIVATE wamp_static)
target_compile_options(framing_peer PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter)
add_test(NAME interop.framing
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/framing/run.py $<TARGET_FILE:framing_peer>)
set_tests_properties(interop.framing PROPERTIES LABELS interop TIMEOUT 300)
