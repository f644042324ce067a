# interop.json: JSON byte compatibility with Autobahn|Python's JSON serializer (json.dumps with
# separators (',', ':') and ensure_ascii=False, bytes as "\u0000" + base64). Needs
# /usr/bin/python3 with python3-autobahn.
add_executable(json_peer ${CMAKE_CURRENT_LIST_DIR}/json/json_peer.c)
target_link_libraries(json_peer PRIVATE wamp_static)
target_compile_options(json_peer PRIVATE -Wall -Wextra -Werror)
add_test(NAME interop.json
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/json/interop.py $<TARGET_FILE:json_peer>)
set_tests_properties(interop.json PROPERTIES LABELS interop TIMEOUT 120)
