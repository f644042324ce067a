# interop.cli_keys: `wamp keys` and `wamp auth` outputs checked against Autobahn|Python's own
# functions (CryptosignKey.from_keyfile, util.write_keyfile, PyNaCl, derive_key, compute_wcs,
# compute_totp, generate_totp_secret, derive_scram_credential).
# Needs /usr/bin/python3 with python3-autobahn, python3-nacl, python3-argon2.
if(WAMP_BUILD_TOOLS)
  add_test(NAME interop.cli_keys
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/cli_keys/cli_keys.py $<TARGET_FILE:wamp>)
  set_tests_properties(interop.cli_keys PROPERTIES LABELS interop TIMEOUT 300)
endif()
