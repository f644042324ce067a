# interop.router.autobahn_cpp: wampd against Autobahn|C++ 17.5.1 (Debian autobahn-cpp-dev:
# header-only, Boost.Asio/Thread, msgpack-c; RawSocket with msgpack) with an Autobahn|Python
# peer. Built only when the headers, Boost and a C++ compiler are found (scripts/deps.sh
# installs them); Debian's msgpack-c 4 needs MSGPACK_DEFAULT_API_VERSION=1 for Autobahn|C++.
# The peer is compiled without optimisation to keep the Boost.Asio build short, and without
# sanitizers (it is third-party code; a WAMP_SANITIZE build still sanitizes wampd).
include(CheckLanguage)
check_language(CXX)
find_path(AUTOBAHN_CPP_INCLUDE_DIR autobahn/autobahn.hpp)
find_path(MSGPACK_CPP_INCLUDE_DIR msgpack.hpp)
if(TARGET wampd AND CMAKE_CXX_COMPILER AND AUTOBAHN_CPP_INCLUDE_DIR AND MSGPACK_CPP_INCLUDE_DIR)
  enable_language(CXX)
  find_package(Boost QUIET COMPONENTS thread system)
endif()
if(TARGET wampd AND AUTOBAHN_CPP_INCLUDE_DIR AND MSGPACK_CPP_INCLUDE_DIR AND Boost_FOUND)
  add_executable(wamp_autobahn_cpp_peer ${CMAKE_CURRENT_LIST_DIR}/cpp/cpp_peer.cpp)
  set_target_properties(wamp_autobahn_cpp_peer PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON)
  target_compile_definitions(wamp_autobahn_cpp_peer PRIVATE MSGPACK_DEFAULT_API_VERSION=1)
  target_compile_options(wamp_autobahn_cpp_peer PRIVATE -O0 -g0 -Wall -Wextra)
  # a third-party peer, not our code: never sanitized (msgpack-c's v1 headers bind a reference
  # to a null zone, which UBSan in WAMP_SANITIZE builds would abort on)
  target_compile_options(wamp_autobahn_cpp_peer PRIVATE -fno-sanitize=all)
  target_link_options(wamp_autobahn_cpp_peer PRIVATE -fno-sanitize=all)
  target_include_directories(wamp_autobahn_cpp_peer SYSTEM PRIVATE ${AUTOBAHN_CPP_INCLUDE_DIR}
                             ${MSGPACK_CPP_INCLUDE_DIR})
  target_link_libraries(wamp_autobahn_cpp_peer PRIVATE Boost::thread Boost::system
                        OpenSSL::Crypto Threads::Threads)
  add_test(NAME interop.router.autobahn_cpp
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/python/router_cpp.py $<TARGET_FILE:wampd>
            $<TARGET_FILE:wamp_autobahn_cpp_peer>)
  set_tests_properties(interop.router.autobahn_cpp PROPERTIES LABELS interop TIMEOUT 180
    ENVIRONMENT "PYTHONPATH=${CMAKE_CURRENT_LIST_DIR}/python")
else()
  message(STATUS "Autobahn|C++ interop test disabled (autobahn-cpp-dev, libboost-thread-dev or a C++ compiler missing)")
endif()
