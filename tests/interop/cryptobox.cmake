# interop.cryptobox: differential test of WAMP-cryptobox against Autobahn|Python's KeyRing —
# payloads encrypted by libwamp decrypt in Autobahn and vice versa, in both directions
# (originator→responder and back), with binary, unicode and nested arguments, wrong keys and
# URI mismatches. Needs /usr/bin/python3 with python3-autobahn, python3-nacl, python3-trie (pytrie: Autobahn needs it for HAS_CRYPTOBOX).
add_executable(cryptobox_peer ${CMAKE_CURRENT_LIST_DIR}/cryptobox/cryptobox_peer.c)
target_link_libraries(cryptobox_peer PRIVATE wamp_static)
target_compile_options(cryptobox_peer PRIVATE -Wall -Wextra -Werror)
add_test(NAME interop.cryptobox
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cryptobox/differential.py
          $<TARGET_FILE:cryptobox_peer>)
set_tests_properties(interop.cryptobox PROPERTIES LABELS interop TIMEOUT 300)
