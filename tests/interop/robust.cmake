# Robustness of wampd under load and abuse:
#   interop.router.stress: 1,000 concurrent sessions, a slow subscriber under a publish flood
#     (disconnected per the overflow policy while two others get every event), abrupt TCP
#     closes mid-call, mid-progressive-result and with pending subscriptions (meta API checks).
#   interop.router.valgrind_churn: wampd under valgrind (leak-check=full, error-exitcode=1)
#     after 10,000 connect/join/leave/disconnect cycles of the C client robust/churn.c; skipped
#     without valgrind.
if(TARGET wampd)
  add_executable(wamp_churn ${CMAKE_CURRENT_LIST_DIR}/robust/churn.c)
  target_compile_definitions(wamp_churn PRIVATE _POSIX_C_SOURCE=200809L)
  add_test(NAME interop.router.stress
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/python/router_stress.py $<TARGET_FILE:wampd>)
  set_tests_properties(interop.router.stress PROPERTIES LABELS interop TIMEOUT 300
    ENVIRONMENT "PYTHONPATH=${CMAKE_CURRENT_LIST_DIR}/python")
  # valgrind cannot run a sanitizer build (ASan's shadow memory): release builds only
  if(NOT WAMP_SANITIZE)
  add_test(NAME interop.router.valgrind_churn
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/python/router_valgrind.py
            $<TARGET_FILE:wampd> $<TARGET_FILE:wamp_churn> 10000)
  set_tests_properties(interop.router.valgrind_churn PROPERTIES LABELS interop TIMEOUT 600
    SKIP_RETURN_CODE 77 ENVIRONMENT "PYTHONPATH=${CMAKE_CURRENT_LIST_DIR}/python")
  endif()
endif()
