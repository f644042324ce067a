// Autobahn|C++ (Debian autobahn-cpp-dev, 17.5.1) peer of interop.router.autobahn_cpp: talks to
// wampd over RawSocket with msgpack (the only transport/serializer Autobahn|C++ has). Driven by
// tests/interop/python/router_cpp.py, which plays the other side with Autobahn|Python.
//
//   cpp_peer PORT peer
//       joins realm1; registers com.cpp.add (a+b), com.cpp.prog (progress 0..n-1 when asked,
//       then "done"), com.cpp.fail (error com.cpp.error.failed); subscribes com.cpp.topic and
//       com.cpp.pfx (prefix); calls com.py.mul(6, 7) and a missing procedure; publishes
//       com.py.topic [1, "x"] {"k": "v"} (acknowledged); prints READY and one line per event;
//       leaves and exits 0 on an event on com.cpp.stop.
//   cpp_peer PORT ticket|wampcra AUTHID SECRET
//       joins with that method: prints "JOINED <authid-less session id>" (exit 0) or
//       "ABORT <reason>" (exit 1).
//   cpp_peer PORT restricted AUTHID SECRET
//       joins with ticket as a principal of a restricted role, then tries what the role may and
//       may not do, one line each: "ALLOWED call <result>" for com.py.mul(6, 7), "DENIED call|
//       register|subscribe <error>" (or "GRANTED ..." when the router let it through) for
//       com.py.secret, com.cpp.denied and com.py.denied; publishes (unacknowledged: Autobahn|C++
//       17.5.1 has no acknowledged publish) to com.py.topic (denied) and then com.py.open
//       (allowed); prints DONE, leaves and exits 0.
// Output lines are parsed by the Python side; every failure prints "FAIL ..." and exits 1.
#include <autobahn/autobahn.hpp>
#include <autobahn/wamp_auth_utils.hpp>
#include <boost/asio.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>

namespace {

std::mutex out_mutex;

void say(const std::string& line)
{
    std::lock_guard<std::mutex> lock(out_mutex);
    std::cout << line << std::endl;
}

[[noreturn]] void fail(const std::string& what)
{
    say("FAIL " + what);
    std::_Exit(1);
}

class auth_session : public autobahn::wamp_session {
public:
    auth_session(boost::asio::io_service& io, std::string secret)
        : autobahn::wamp_session(io, false), m_secret(std::move(secret))
    {
    }

    boost::future<autobahn::wamp_authenticate> on_challenge(
        const autobahn::wamp_challenge& challenge) override
    {
        boost::promise<autobahn::wamp_authenticate> p;
        if (challenge.authmethod() == "wampcra")
            p.set_value(autobahn::wamp_authenticate(
                ::compute_wcs(m_secret, challenge.challenge())));
        else
            p.set_value(autobahn::wamp_authenticate(m_secret));
        return p.get_future();
    }

private:
    std::string m_secret;
};

}  // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::cerr << "usage: cpp_peer PORT peer | cpp_peer PORT ticket|wampcra AUTHID SECRET\n";
        return 2;
    }
    const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
    const std::string mode = argv[2];
    boost::asio::io_service io;
    boost::asio::io_service::work work(io);
    std::thread loop([&io] { io.run(); });
    boost::asio::ip::tcp::endpoint ep(boost::asio::ip::address::from_string("127.0.0.1"), port);
    auto transport = std::make_shared<autobahn::wamp_tcp_transport>(io, ep, false);
    std::shared_ptr<autobahn::wamp_session> session;
    if (mode == "peer")
        session = std::make_shared<autobahn::wamp_session>(io, false);
    else if (argc == 5)
        session = std::make_shared<auth_session>(io, argv[4]);  // ticket, wampcra, restricted
    else
        fail("bad arguments");
    transport->attach(std::static_pointer_cast<autobahn::wamp_transport_handler>(session));
    try {
        transport->connect().get();
        session->start().get();
    } catch (const std::exception& e) {
        fail(std::string("connect: ") + e.what());
    }

    if (mode == "restricted") {
        try {
            session->join("realm1", {"ticket"}, argv[3]).get();
            auto r = session->call("com.py.mul", std::make_tuple(6, 7)).get();
            say("ALLOWED call " + std::to_string(r.argument<int64_t>(0)));
            try {
                session->call("com.py.secret").get();
                say("GRANTED call");
            } catch (const std::exception& e) {
                say(std::string("DENIED call ") + e.what());
            }
            try {
                session->provide("com.cpp.denied", [](autobahn::wamp_invocation inv) {
                    inv->result(std::make_tuple(0));
                }).get();
                say("GRANTED register");
            } catch (const std::exception& e) {
                say(std::string("DENIED register ") + e.what());
            }
            try {
                session->subscribe("com.py.denied", [](const autobahn::wamp_event&) {}).get();
                say("GRANTED subscribe");
            } catch (const std::exception& e) {
                say(std::string("DENIED subscribe ") + e.what());
            }
            session->publish("com.py.topic", std::make_tuple(std::string("denied"))).get();
            session->publish("com.py.open", std::make_tuple(std::string("allowed"))).get();
            say("DONE");
            session->leave().get();
            session->stop().get();
        } catch (const std::exception& e) {
            fail(std::string("restricted: ") + e.what());
        }
        io.stop();
        loop.join();
        return 0;
    }

    if (mode != "peer") {
        try {
            uint64_t id = session->join("realm1", {mode}, argv[3]).get();
            say("JOINED " + std::to_string(id));
            session->leave().get();
            session->stop().get();
        } catch (const std::exception& e) {
            say(std::string("ABORT ") + e.what());
            io.stop();
            loop.join();
            return 1;
        }
        io.stop();
        loop.join();
        return 0;
    }

    boost::promise<void> stop;
    try {
        uint64_t id = session->join("realm1").get();
        say("SESSION " + std::to_string(id));
        session
            ->provide("com.cpp.add",
                      [](autobahn::wamp_invocation inv) {
                          auto a = inv->argument<int64_t>(0);
                          auto b = inv->argument<int64_t>(1);
                          inv->result(std::make_tuple(a + b));
                      })
            .get();
        session
            ->provide("com.cpp.prog",
                      [](autobahn::wamp_invocation inv) {
                          auto n = inv->argument<int64_t>(0);
                          say(std::string("PROG receive_progress=") +
                              (inv->progressive_results_expected() ? "true" : "false"));
                          for (int64_t i = 0; i < n; i++)
                              inv->progress(std::make_tuple(i));  // dropped unless asked
                          inv->result(std::make_tuple(std::string("done")));
                      })
            .get();
        // a shared registration: the Python peer registers the same procedure with the same
        // policy, and wampd alternates between the two callees
        autobahn::provide_options rr;
        msgpack::zone rrzone;
        rr["invoke"] = msgpack::object(std::string("roundrobin"), rrzone);
        session
            ->provide(
                "com.cpp.shared",
                [](autobahn::wamp_invocation inv) { inv->result(std::make_tuple(std::string("cpp"))); },
                rr)
            .get();
        session
            ->provide("com.cpp.fail",
                      [](autobahn::wamp_invocation inv) {
                          inv->error("com.cpp.error.failed");
                      })
            .get();
        session
            ->subscribe("com.cpp.topic",
                        [](const autobahn::wamp_event& ev) {
                            auto s = ev.argument<std::string>(0);
                            auto n = ev.kw_argument<int64_t>("n");
                            say("EVENT com.cpp.topic " + s + " " + std::to_string(n));
                        })
            .get();
        autobahn::wamp_subscribe_options prefix;
        prefix.set_match("prefix");
        session
            ->subscribe("com.cpp.pfx",
                        [](const autobahn::wamp_event& ev) {
                            say("EVENT com.cpp.pfx " + ev.argument<std::string>(0));
                        },
                        prefix)
            .get();
        session
            ->subscribe("com.cpp.stop",
                        [&stop](const autobahn::wamp_event&) {
                            try {
                                stop.set_value();
                            } catch (...) {
                            }
                        })
            .get();
        auto r = session->call("com.py.mul", std::make_tuple(6, 7)).get();
        say("CALL com.py.mul " + std::to_string(r.argument<int64_t>(0)));
        // the meta API
        auto count = session->call("wamp.session.count").get();
        say("META wamp.session.count " + std::to_string(count.argument<int64_t>(0)));
        auto list = session->call("wamp.session.list").get();
        say("META wamp.session.list " +
            std::to_string(list.argument<std::vector<uint64_t>>(0).size()));
        try {
            session->call("com.nothing.here").get();
            say("CALL com.nothing.here succeeded");
        } catch (const std::exception& e) {
            say(std::string("CALLERROR ") + e.what());
        }
        autobahn::wamp_call_options timeout;
        timeout.set_timeout(std::chrono::milliseconds(300));
        try {
            session->call("com.py.hang", std::make_tuple(1), timeout).get();
            say("CALL com.py.hang succeeded");
        } catch (const std::exception& e) {
            say(std::string("TIMEOUT ") + e.what());
        }
        autobahn::wamp_kw_arguments kw;
        msgpack::zone zone;
        kw["k"] = msgpack::object(std::string("v"), zone);
        session->publish("com.py.topic", std::make_tuple(1, std::string("x")), kw).get();
        say("READY");
        stop.get_future().get();
        session->leave().get();
        session->stop().get();
    } catch (const std::exception& e) {
        fail(std::string("peer: ") + e.what());
    }
    io.stop();
    loop.join();
    say("BYE");
    return 0;
}
