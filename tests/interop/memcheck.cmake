# memcheck.*: the session unit tests (test_session over the scripted router and the in-memory
# transport, test_client over real sockets, test_client_thread posting from another thread,
# test_component reconnecting through the in-process router) and the router core (test_router)
# under valgrind memcheck: any invalid access or
# leak fails (--error-exitcode=1 --leak-check=full). Not in sanitizer builds (ASan and
# valgrind exclude each other); without valgrind the tests report themselves skipped.
if(NOT WAMP_SANITIZE)
  find_program(WAMP_VALGRIND valgrind)
  foreach(t test_session test_client test_client_thread test_component test_router)
    if(TARGET ${t})
      if(WAMP_VALGRIND)
        add_test(NAME memcheck.${t}
          COMMAND ${WAMP_VALGRIND} -q --error-exitcode=1 --leak-check=full
                  --errors-for-leak-kinds=definite,indirect,possible $<TARGET_FILE:${t}>)
      else()
        add_test(NAME memcheck.${t}
          COMMAND sh -c "echo 'SKIP: valgrind not installed'; exit 77")
      endif()
      set_tests_properties(memcheck.${t} PROPERTIES LABELS memcheck TIMEOUT 300
                           SKIP_RETURN_CODE 77)
    endif()
  endforeach()
endif()
