# interop.install: installs this build tree into a temporary prefix and builds consumers against
# it, both through pkg-config (shared and static) and through find_package(libwamp).
add_test(NAME interop.install
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/interop/install/run.sh
          ${PROJECT_BINARY_DIR} ${CMAKE_C_COMPILER} ${CMAKE_COMMAND} ${WAMP_SANITIZE})
set_tests_properties(interop.install PROPERTIES LABELS interop TIMEOUT 300)
