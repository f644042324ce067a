/*
 * bench_message: a full message round trip — JSON bytes -> decode -> parse (validation) ->
 * marshal -> JSON encode — for representative WAMP messages, next to Autobahn|Python doing the
 * same (JsonSerializer.unserialize + serialize, bench/message_ref.py spawned with
 * /usr/bin/python3 and timed with timeit) in the same run. Also shows the rate of the message
 * layer alone (parse + marshal of an already decoded value).
 * usage: bench_message [seconds per message]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wamp/wamp.h>

static const struct {
    const char *name;
    const char *json;
} msgs[] = {
    {"CALL", "[48,7814135,{\"timeout\":1000,\"receive_progress\":true},\"com.myapp.user.new\","
             "[\"johnny\",42,true],{\"firstname\":\"John\",\"surname\":\"Doe\",\"age\":37}]"},
    {"EVENT", "[36,5512315355,4429313566,{\"publisher\":3,\"topic\":\"com.myapp.topic1\"},"
              "[\"Hello, world!\",1.5,null]]"},
    {"PUBLISH", "[16,239714735,{\"acknowledge\":true,\"exclude_me\":false,\"exclude\":[1,2,3],"
                "\"eligible_authrole\":[\"user\"]},\"com.myapp.mytopic1\",[],{\"color\":"
                "\"orange\",\"sizes\":[23,42,7]}]"},
    {"RESULT", "[50,7814135,{\"progress\":true},[30]]"},
    {"HELLO", "[1,\"realm1\",{\"roles\":{\"subscriber\":{\"features\":{\"publisher_"
              "identification\":true,\"pattern_based_subscription\":true}},\"publisher\":{},"
              "\"caller\":{\"features\":{\"call_canceling\":true,\"progressive_call_results\":"
              "true}},\"callee\":{}},\"authmethods\":[\"ticket\"],\"authid\":\"joe\"}]"},
    {"REGISTER", "[64,25349185,{\"match\":\"prefix\",\"invoke\":\"roundrobin\"},\"com.myapp.\"]"},
};
#define NMSG (sizeof msgs / sizeof msgs[0])

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Full round trip: decode -> parse -> marshal -> encode. */
static double run_full(const char *json, double budget)
{
    size_t len = strlen(json);
    wamp_arena *a = wamp_arena_new(4096);
    wamp_buf out = {0};
    long n = 0;
    double t0 = now(), t;
    do {
        for (int k = 0; k < 256; k++) {
            wamp_arena_reset(a);
            out.len = 0;
            wamp_value v;
            wamp_message m;
            int rc = wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)json, len, a, NULL, &v);
            if (!rc) rc = wamp_message_parse(&v, a, &m, NULL);
            if (!rc) rc = wamp_message_marshal(&m, a, &v);
            if (!rc) rc = wamp_value_encode(WAMP_SER_JSON, &v, &out);
            if (rc) {
                fprintf(stderr, "bench_message: %s failed: %s\n", json, wamp_err_name(rc));
                exit(1);
            }
        }
        n += 256;
        t = now() - t0;
    } while (t < budget);
    wamp_buf_free(&out);
    wamp_arena_free(a);
    return (double)n / t;
}

/* The message layer alone: parse + marshal of an already decoded value. */
static double run_layer(const char *json, double budget)
{
    wamp_arena *keep = wamp_arena_new(4096), *a = wamp_arena_new(4096);
    wamp_value v;
    if (wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)json, strlen(json), keep, NULL, &v))
        exit(1);
    long n = 0;
    double t0 = now(), t;
    do {
        for (int k = 0; k < 256; k++) {
            wamp_arena_reset(a);
            wamp_message m;
            wamp_value out;
            if (wamp_message_parse(&v, a, &m, NULL) || wamp_message_marshal(&m, a, &out)) exit(1);
        }
        n += 256;
        t = now() - t0;
    } while (t < budget);
    wamp_arena_free(a);
    wamp_arena_free(keep);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    double budget = argc > 1 ? atof(argv[1]) : 0.5;
    double ours[NMSG], layer[NMSG], ref[NMSG];
    for (size_t i = 0; i < NMSG; i++) {
        ours[i] = run_full(msgs[i].json, budget);
        layer[i] = run_layer(msgs[i].json, budget);
        ref[i] = 0;
    }
    /* The reference, same machine, same run: messages go to the script through a file. */
    char path[] = "/tmp/bench_message_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f) {
        for (size_t i = 0; i < NMSG; i++)
            fprintf(f, "%s %s\n", msgs[i].name, msgs[i].json);
        fclose(f);
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %g < %s 2>/dev/null", WAMP_BENCH_MESSAGE_REF,
                 budget, path);
        FILE *py = popen(cmd, "r");
        char name[64];
        double rate;
        while (py && fscanf(py, "%63s %lf", name, &rate) == 2)
            for (size_t i = 0; i < NMSG; i++)
                if (!strcmp(name, msgs[i].name)) ref[i] = rate;
        if (py) pclose(py);
        remove(path);
    }
    printf("JSON round trip: decode -> parse -> marshal -> encode (messages/s)\n");
    printf("%-10s %12s %12s %8s   %s\n", "message", "libwamp", "Autobahn|Py", "ratio",
           "(libwamp parse+marshal alone)");
    for (size_t i = 0; i < NMSG; i++) {
        if (ref[i] > 0)
            printf("%-10s %12.0f %12.0f %7.1fx   %.0f/s\n", msgs[i].name, ours[i], ref[i],
                   ours[i] / ref[i], layer[i]);
        else
            printf("%-10s %12.0f %12s %8s   %.0f/s\n", msgs[i].name, ours[i], "n/a", "-", layer[i]);
    }
    return 0;
}
