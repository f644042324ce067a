/* libFuzzer: the HTTP head parser (request and response), header look-ups, the
 * Sec-WebSocket-Extensions negotiation, and the URL parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wamp/transport.h>

#include "transport/deflate.h"
#include "transport/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t scan = 0;
    size_t end = wamp__http_head_end(data, size, &scan);
    for (int req = 0; req < 2; req++) {
        wamp__http h;
        if (wamp__http_parse(&h, data, end ? end : size, req == 1, 64) == WAMP_OK) {
            const wamp_http_message *m = &h.msg;
            wamp_http_get(m, "Host");
            wamp_http_cookie(m, "cbtid");
            wamp_http_has_token(m, "Connection", "upgrade");
            wamp_deflate_options o = {
                .enabled = true, .server_max_window_bits = 11, .client_max_window_bits = 9};
            wamp__pmd_agreed ag;
            char resp[256];
            wamp__pmd_accept(&o, m, &ag, resp, sizeof resp);
            wamp__pmd_check_response(&o, m, &ag);
            wamp__http_free(&h);
        }
    }
    char *s = malloc(size + 1);
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    wamp_url u;
    if (wamp_url_parse(s, &u) == WAMP_OK) {
        char hh[300];
        wamp_url_host_header(&u, hh, sizeof hh);
        wamp_url_free(&u);
    }
    free(s);
    return 0;
}
