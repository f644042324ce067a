# UBJSON byte compatibility with Autobahn|Python's UBJSON serializer (py-ubjson backend).
# Needs /usr/bin/python3 with python3-autobahn and python3-ubjson (Debian packages).
add_executable(ubjson_peer ${CMAKE_CURRENT_LIST_DIR}/ubjson/ubjson_peer.c)
target_link_libraries(ubjson_peer PRIVATE wamp_static)
target_compile_options(ubjson_peer PRIVATE -Wall -Wextra -Werror)
add_test(NAME interop.ubjson
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/ubjson/interop.py
          $<TARGET_FILE:ubjson_peer> ${PROJECT_SOURCE_DIR})
set_tests_properties(interop.ubjson PROPERTIES LABELS interop TIMEOUT 120)
