/* The `wamp` command-line tool: one entry point per subcommand (cmd_<name>.c). */
#ifndef WAMP_CLI_H
#define WAMP_CLI_H

#include <stdio.h>

/* Each returns the process exit status: 0 success, 1 bad input or failure, 2 usage error. */
int cli_message(int argc, char **argv);
int cli_call(int argc, char **argv);      /* cmd_session.c */
int cli_publish(int argc, char **argv);   /* cmd_session.c */
int cli_subscribe(int argc, char **argv); /* cmd_session.c */
int cli_register(int argc, char **argv);  /* cmd_session.c */
int cli_keys(int argc, char **argv);
int cli_auth(int argc, char **argv);

/* Prints "wamp: " + formatted message + newline to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
