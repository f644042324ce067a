/* A tiny program built against an installed libwamp: uses the public headers only, and calls
 * code that pulls in a private dependency (libsodium's SipHash in dict_check_unique). */
#include <stdio.h>
#include <string.h>

#include <wamp/wamp.h>

int main(void)
{
    if (strcmp(wamp_version(), WAMP_VERSION_STRING) != 0) {
        fprintf(stderr, "version mismatch: %s vs %s\n", wamp_version(), WAMP_VERSION_STRING);
        return 1;
    }
    wamp_arena *a = wamp_arena_new(0);
    if (!a) return 1;
    wamp_value d = wamp_value_dict();
    char key[16];
    for (int i = 0; i < 100; i++) { /* large enough for the hashed uniqueness check */
        snprintf(key, sizeof key, "k%d", i);
        if (wamp_value_dict_setc(a, &d, key, wamp_value_int(i))) return 1;
    }
    if (wamp_value_dict_check_unique(&d) != WAMP_OK) return 1;
    wamp_value l = wamp_value_list();
    wamp_value_list_push(a, &l, wamp_value_cstring(a, "hi"));
    wamp_value_list_push(a, &l, *wamp_value_dict_getc(&d, "k42"));
    wamp_buf b = {0};
    if (wamp_value_dump(&b, &l) || wamp_buf_append_byte(&b, 0)) return 1;
    printf("%s %s %s\n", wamp_version(), (char *)b.data, wamp_err_name(WAMP_EDUPKEY));
    wamp_buf_free(&b);
    wamp_arena_free(a);
    return 0;
}
