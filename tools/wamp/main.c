/* `wamp`: the libwamp command-line client. A thin main over the library. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wamp/wamp.h>

#include "cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"message", cli_message, "decode and encode WAMP messages in any serializer"},
    {"call", cli_call, "call a procedure and print its result"},
    {"publish", cli_publish, "publish an event to a topic"},
    {"subscribe", cli_subscribe, "subscribe to a topic and print the events"},
    {"register", cli_register, "register a procedure: echo, or run a command per invocation"},
    {"keys", cli_keys, "generate and show Cryptosign, cryptobox and Ethereum keys"},
    {"auth", cli_auth, "WAMP-CRA keys and signatures, TOTP codes, SCRAM credentials"},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wamp <command> [options]\n\n"
            "The libwamp command-line client (libwamp %s).\n\ncommands:\n",
            wamp_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\ncall, publish, subscribe and register take --url, --realm, --serializer, "
               "--authid,\n--authrole, --ticket, --cra-secret, --cryptosign-key and JSON "
               "arguments.\n"
               "\nRun `wamp <command> --help` for a command's options.\n"
               "  --help      this text\n  --version   print the version\n");
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("wamp: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("wamp %s\n", wamp_version());
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    cli_error("unknown command '%s' (see wamp --help)", argv[1]);
    return 2;
}
