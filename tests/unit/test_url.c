/* Transport URL parsing: what Autobahn's parse_url() accepts and refuses (values checked
 * against autobahn.websocket.util.parse_url and autobahn.rawsocket.util.parse_url 22.7.1). */
#include <stdlib.h>
#include <string.h>

#include "support.h"

typedef struct want {
    const char *url;
    wamp_url_scheme scheme;
    const char *host;
    unsigned port;
    const char *unix_path; /* NULL for TCP */
    const char *path, *query, *resource;
    const char *host_header;
} want;

static void check_ok(const want *w)
{
    wamp_url u;
    int rc = wamp_url_parse(w->url, &u);
    if (rc) fprintf(stderr, "url %s: %d\n", w->url, rc);
    assert_int_equal(rc, WAMP_OK);
    assert_int_equal(u.scheme, w->scheme);
    assert_int_equal(u.is_secure, w->scheme == WAMP_URL_WSS || w->scheme == WAMP_URL_RSS);
    assert_int_equal(u.is_websocket, w->scheme == WAMP_URL_WS || w->scheme == WAMP_URL_WSS);
    assert_string_equal(u.host, w->host);
    assert_int_equal(u.port, w->port);
    assert_int_equal(u.is_unix, w->unix_path != NULL);
    if (w->unix_path)
        assert_string_equal(u.unix_path, w->unix_path);
    else
        assert_null(u.unix_path);
    assert_string_equal(u.path, w->path);
    assert_string_equal(u.query, w->query);
    assert_string_equal(u.resource, w->resource);
    char hh[300];
    assert_int_equal(wamp_url_host_header(&u, hh, sizeof hh), WAMP_OK);
    assert_string_equal(hh, w->host_header);
    wamp_url_free(&u);
    wamp_url_free(&u); /* safe twice */
}

static void accepted(void **st)
{
    const want cases[] = {
        {"ws://localhost", WAMP_URL_WS, "localhost", 80, NULL, "/", "", "/", "localhost"},
        {"wss://Example.COM:9000/ws?a=1&b=2", WAMP_URL_WSS, "example.com", 9000, NULL, "/ws",
         "a=1&b=2", "/ws?a=1&b=2", "example.com:9000"},
        {"ws://[::1]:8080/ws", WAMP_URL_WS, "::1", 8080, NULL, "/ws", "", "/ws", "[::1]:8080"},
        {"wss://[::1]", WAMP_URL_WSS, "::1", 443, NULL, "/", "", "/", "[::1]"},
        {"ws://[fe80::1:2]:80/", WAMP_URL_WS, "fe80::1:2", 80, NULL, "/", "", "/", "[fe80::1:2]"},
        {"ws://127.0.0.1:8080/ws", WAMP_URL_WS, "127.0.0.1", 8080, NULL, "/ws", "", "/ws",
         "127.0.0.1:8080"},
        {"ws://h:", WAMP_URL_WS, "h", 80, NULL, "/", "", "/", "h"},
        {"ws://h?x=1", WAMP_URL_WS, "h", 80, NULL, "/", "x=1", "/?x=1", "h"},
        {"ws://h/a%20b", WAMP_URL_WS, "h", 80, NULL, "/a%20b", "", "/a%20b", "h"},
        {"WS://h", WAMP_URL_WS, "h", 80, NULL, "/", "", "/", "h"},
        {"wss://h:443/x", WAMP_URL_WSS, "h", 443, NULL, "/x", "", "/x", "h"},
        {"ws://unix:/tmp/f.sock", WAMP_URL_WS, "unix", 0, "/tmp/f.sock", "/", "", "/", "localhost"},
        {"ws://unix:/tmp/f.sock?foo=bar", WAMP_URL_WS, "unix", 0, "/tmp/f.sock", "/", "foo=bar",
         "/?foo=bar", "localhost"},
        {"wss://unix:/run/w.sock", WAMP_URL_WSS, "unix", 0, "/run/w.sock", "/", "", "/",
         "localhost"},
        {"rs://localhost", WAMP_URL_RS, "localhost", 80, NULL, "", "", "", "localhost"},
        {"rs://localhost:9000", WAMP_URL_RS, "localhost", 9000, NULL, "", "", "", "localhost:9000"},
        {"rss://h", WAMP_URL_RSS, "h", 443, NULL, "", "", "", "h"},
        {"rs://[::1]:90", WAMP_URL_RS, "::1", 90, NULL, "", "", "", "[::1]:90"},
        {"rs://unix:/tmp/x.sock", WAMP_URL_RS, "unix", 0, "/tmp/x.sock", "", "", "/", "localhost"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_ok(&cases[i]);
}

static void refused(void **st)
{
    const char *bad[] = {
        "http://h",      "tcp://h:80",  "ws:/h",          "ws://",
        "ws://:80",      "ws://h:0",    "ws://h:65536",   "ws://h:8o",
        "ws://h:123456", "ws://h#frag", "ws://h/#",       "rs://h/",
        "rs://h/path",   "rs://h?x",    "rs://unix:/p?x", "ws://user@h/",
        "ws://h h",      "ws://h\t",    "ws://[::1",      "ws://[zz]:80",
        "ws://[::1]x",   "ws://[]:80",  "ws://[1.2.3.4]", "ws://unix:",
        "ws://unix:x",   "ws://h/\x01", "wsx://h",        "",
        "ws://h:-1",     "ws://h!/",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wamp_url u;
        int rc = wamp_url_parse(bad[i], &u);
        if (rc != WAMP_EURL) fprintf(stderr, "accepted: %s\n", bad[i]);
        assert_int_equal(rc, WAMP_EURL);
        assert_null(u.host);
        wamp_url_free(&u);
    }
    wamp_url u;
    assert_int_equal(wamp_url_parse(NULL, &u), WAMP_EURL);
    assert_int_equal(wamp_url_parse("ws://h", NULL), WAMP_EINVAL);
    /* host header truncation */
    assert_int_equal(wamp_url_parse("ws://averylonghostname:8080", &u), WAMP_OK);
    char small[8];
    assert_int_equal(wamp_url_host_header(&u, small, sizeof small), WAMP_ERANGE);
    wamp_url_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted),
        cmocka_unit_test(refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
