/* `wamp call|publish|subscribe|register`: a WAMP client session from the command line, over
 * the client runtime (client.h). Arguments are JSON values, results and events are printed as
 * JSON, one line each. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <wamp/wamp.h>

#include "cli.h"

enum action { A_CALL, A_PUBLISH, A_SUBSCRIBE, A_REGISTER };

typedef struct run {
    enum action action;
    const char *name; /* command name for messages */
    const char *url, *realm, *uri;
    const char *authid, *authrole, *ticket, *cra_secret, *cryptosign_key, *serializer;
    char **cmd; /* register: the command run per invocation (after "--") */
    int ncmd;
    wamp_arena *arena;
    wamp_value args, kwargs;
    bool has_kwargs;
    long count; /* subscribe/register: stop after this many (0: forever) */
    long seen;
    int64_t timeout_ms;
    bool acknowledge, exclude_me_false, progress;
    wamp_match match;
    wamp_loop *loop;
    wamp_client *client;
    wamp_authenticator *auth;
    int status;
    bool left;
} run;

static void usage(FILE *f, const char *cmd)
{
    fprintf(
        f,
        "usage: wamp %s [options] URI [JSON-ARG...]\n"
        "       wamp register [options] URI -- CMD [ARG...]\n"
        "\n"
        "call       calls procedure URI with the arguments; prints the result's args (and\n"
        "           kwargs when present) as JSON lines, progressive results included.\n"
        "publish    publishes to topic URI.\n"
        "subscribe  subscribes to topic URI; prints each event's args (and kwargs) as JSON.\n"
        "register   registers procedure URI; prints each invocation's args and returns\n"
        "           them as the result (an echo procedure). With `-- CMD [ARG...]` it runs\n"
        "           CMD per invocation instead (one word: run by /bin/sh -c; more: executed\n"
        "           directly), one process per invocation, several may run at once. CMD reads\n"
        "           {\"procedure\": P, \"args\": [...], \"kwargs\": {...}} on stdin and finds the\n"
        "           same in the environment as WAMP_PROCEDURE, WAMP_ARGS (JSON array) and\n"
        "           WAMP_KWARGS (JSON object). Its stdout, parsed as JSON (else taken as a\n"
        "           string, trailing newline dropped; empty: no result), is the one positional\n"
        "           result; a non-zero exit answers ERROR wamp.error.runtime_error with the\n"
        "           output and kwargs {\"exit_status\": N}. A canceled call (INTERRUPT) sends\n"
        "           CMD SIGTERM.\n"
        "\n"
        "options:\n"
        "  --url URL        router transport URL [ws://127.0.0.1:8080/ws]\n"
        "  --realm REALM    realm to join [realm1]\n"
        "  --serializer S   json, msgpack, cbor, ubjson, flatbuffers, a .batched variant\n"
        "                   (WebSocket only), a WebSocket subprotocol (wamp.2.cbor) or a\n"
        "                   RawSocket serializer id (1 json, 2 msgpack, 3 cbor, 4 ubjson,\n"
        "                   5 flatbuffers) [the transport's default]\n"
        "  --authid ID      authid to announce (required with --cra-secret)\n"
        "  --authrole ROLE  authrole to announce\n"
        "  --ticket SECRET  authenticate with WAMP-Ticket\n"
        "  --cra-secret S   authenticate with WAMP-CRA (salted when the challenge says so)\n"
        "  --cryptosign-key FILE  authenticate with WAMP-Cryptosign; FILE is an Autobahn key\n"
        "                   file, an OpenSSH Ed25519 key or 32 raw seed bytes\n"
        "  --kwargs JSON    keyword arguments (a JSON object)\n"
        "  --timeout MS     call: give up (CANCEL) after MS milliseconds\n"
        "  --progress       call: ask for progressive results\n"
        "  --acknowledge    publish: wait for the router's acknowledgement\n"
        "  --no-exclude-me  publish: also deliver to this session's subscriptions\n"
        "  --match M        subscribe/register: exact, prefix or wildcard\n"
        "  --count N        subscribe/register: exit after N events/invocations\n"
        "  --help           this text\n"
        "\n"
        "Exit status: 0 success, 1 failure (error printed on stderr), 2 usage error.\n",
        cmd);
}

static void print_json(const wamp_value *v)
{
    wamp_buf b = {0};
    if (wamp_value_encode(WAMP_SER_JSON, v, &b) == WAMP_OK) {
        fwrite(b.data, 1, b.len, stdout);
        fputc('\n', stdout);
    }
    fflush(stdout);
    wamp_buf_free(&b);
}

static void print_payload(const wamp_value *args, const wamp_value *kwargs)
{
    wamp_value empty = wamp_value_list();
    print_json(wamp_value_is_null(args) ? &empty : args);
    if (!wamp_value_is_null(kwargs) && wamp_value_count(kwargs) > 0) print_json(kwargs);
}

static void print_error(run *r, const wamp_error *e)
{
    wamp_buf b = {0};
    if (!wamp_value_is_null(&e->args)) wamp_value_encode(WAMP_SER_JSON, &e->args, &b);
    if (!wamp_value_is_null(&e->kwargs)) {
        wamp_buf_append_byte(&b, ' ');
        wamp_value_encode(WAMP_SER_JSON, &e->kwargs, &b);
    }
    wamp_buf_append_byte(&b, 0);
    cli_error("%s: %.*s %s%s%.*s", r->name, (int)e->uri.len, e->uri.ptr ? e->uri.ptr : "",
              (char *)b.data, e->message.ptr ? " " : "", (int)e->message.len,
              e->message.ptr ? e->message.ptr : "");
    wamp_buf_free(&b);
}

static void finish(run *r, wamp_session *s, int status)
{
    if (r->left) return;
    r->left = true;
    r->status = status;
    if (wamp_session_leave(s, NULL, NULL) != WAMP_OK) wamp_client_disconnect(r->client);
}

static void on_result(void *user, wamp_session *s, wamp_id req, const wamp_call_result *res,
                      const wamp_error *err)
{
    (void)req;
    run *r = user;
    if (err) {
        print_error(r, err);
        finish(r, s, 1);
        return;
    }
    print_payload(&res->args, &res->kwargs);
    if (!res->progress) finish(r, s, 0);
}

static void on_published(void *user, wamp_session *s, wamp_id req, wamp_id pub,
                         const wamp_error *err)
{
    (void)req;
    (void)pub;
    run *r = user;
    if (err) print_error(r, err);
    finish(r, s, err ? 1 : 0);
}

static void on_done(void *user, wamp_session *s, wamp_id handle, wamp_id id, const wamp_error *err)
{
    (void)handle;
    (void)id;
    run *r = user;
    if (err) {
        print_error(r, err);
        finish(r, s, 1);
        return;
    }
    /* ready: tell a waiting script (stderr keeps stdout for data) */
    fprintf(stderr, "wamp: %s %s ready\n", r->name, r->uri);
}

static void on_event(void *user, wamp_session *s, const wamp_event *ev)
{
    run *r = user;
    print_payload(&ev->args, &ev->kwargs);
    if (r->count > 0 && ++r->seen >= r->count) finish(r, s, 0);
}

/* ---------------------------------------------------------------- register -- CMD
 * Each invocation runs the command as a child process watched by the loop (its stdin and
 * stdout pipes through the loop hooks, its exit polled by a timer), so the session keeps
 * serving (pings, other invocations, INTERRUPTs) while commands run. */

enum { MAX_OUTPUT = 16 * 1024 * 1024 };

typedef struct job {
    struct job *next;
    run *r;
    wamp_session *s;
    wamp_id request;
    pid_t pid;
    int in_fd, out_fd;
    void *in_watch, *out_watch;
    wamp_timer *reap;
    wamp_buf input, out;
    size_t off;
    bool too_big, interrupted;
    char proc[512];
} job;

static job *g_jobs;
static wamp_loop_hooks g_hooks;

static void job_close_fd(int *fd, void **watch)
{
    if (*watch) g_hooks.io_stop(g_hooks.ctx, *watch);
    *watch = NULL;
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

static void job_free(job *j)
{
    for (job **pp = &g_jobs; *pp; pp = &(*pp)->next) {
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    }
    job_close_fd(&j->in_fd, &j->in_watch);
    job_close_fd(&j->out_fd, &j->out_watch);
    wamp_timer_free(j->reap);
    wamp_buf_free(&j->input);
    wamp_buf_free(&j->out);
    free(j);
}

/* The command ended with status (128 + signal when killed): answer the invocation. */
static void job_answer(job *j, int status)
{
    run *r = j->r;
    wamp_session *s = j->s;
    wamp_arena *a = wamp_arena_new(0);
    size_t len = j->out.len;
    while (len && (j->out.data[len - 1] == '\n' || j->out.data[len - 1] == '\r' ||
                   j->out.data[len - 1] == ' ' || j->out.data[len - 1] == '\t'))
        len--;
    wamp_value value;
    bool have = len > 0 && !j->too_big;
    if (have && wamp_value_decode(WAMP_SER_JSON, j->out.data, len, a,
                                  &(wamp_decode_opts){.copy_strings = true}, &value) != WAMP_OK)
        value = wamp_value_string(a, (const char *)j->out.data, len);
    wamp_value res = wamp_value_list();
    int rc;
    if (j->interrupted) {
        rc = WAMP_OK; /* the session answered the INTERRUPT already */
    } else if (status == 0 && !j->too_big) {
        if (have) wamp_value_list_push(a, &res, value);
        rc = wamp_session_yield(s, j->request, have ? &res : NULL, NULL, false);
    } else {
        char text[80];
        if (j->too_big)
            snprintf(text, sizeof text, "command output over %d bytes", MAX_OUTPUT);
        else
            snprintf(text, sizeof text, "command exited with status %d", status);
        wamp_value_list_push(a, &res, have ? value : wamp_value_cstring(a, text));
        wamp_value kw = wamp_value_dict();
        wamp_value_dict_setc(a, &kw, "exit_status", wamp_value_int(status));
        wamp_error e = {.uri = wamp_str_c("wamp.error.runtime_error"), .args = res, .kwargs = kw};
        rc = wamp_session_error(s, j->request, &e);
        cli_error("register: %s: %s", j->proc, text);
    }
    if (rc && rc != WAMP_ENOTFOUND && rc != WAMP_ENOTREADY)
        cli_error("register: answering: %s", wamp_strerror(rc));
    wamp_arena_free(a);
    job_free(j);
    if (r->count > 0 && ++r->seen >= r->count) finish(r, s, 0);
}

static void job_reap(wamp_timer *t, void *user)
{
    (void)t;
    job *j = user;
    int st = 0;
    pid_t w = waitpid(j->pid, &st, WNOHANG);
    if (w == 0) return; /* still running: the timer repeats */
    int status = w < 0 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    job_answer(j, status);
}

static void job_readable(int fd, unsigned events, void *user)
{
    (void)events;
    job *j = user;
    uint8_t buf[65536];
    for (;;) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k > 0) {
            if (j->out.len + (size_t)k > MAX_OUTPUT) {
                j->too_big = true;
                kill(j->pid, SIGKILL);
            } else {
                wamp_buf_append(&j->out, buf, (size_t)k);
            }
            continue;
        }
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == EAGAIN) return;
        break; /* EOF or error: the command is done with its stdout */
    }
    job_close_fd(&j->out_fd, &j->out_watch);
    job_close_fd(&j->in_fd, &j->in_watch);
    wamp_timer_start(j->reap, 0, 5);
}

static void job_writable(int fd, unsigned events, void *user)
{
    (void)events;
    job *j = user;
    while (j->off < j->input.len) {
        ssize_t w = write(fd, j->input.data + j->off, j->input.len - j->off);
        if (w > 0) {
            j->off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) return;
        break; /* EPIPE: the command does not read its input */
    }
    job_close_fd(&j->in_fd, &j->in_watch);
}

static void set_env_json(const char *name, const wamp_value *v)
{
    wamp_buf tmp = {0};
    if (wamp_value_encode(WAMP_SER_JSON, v, &tmp) != WAMP_OK) wamp_buf_clear(&tmp);
    wamp_buf_append_byte(&tmp, 0);
    setenv(name, (const char *)tmp.data, 1);
    wamp_buf_free(&tmp);
}

static void job_refuse(run *r, wamp_session *s, const wamp_invocation *inv, const char *why)
{
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = wamp_value_list();
    wamp_value_list_push(a, &args, wamp_value_cstring(a, why));
    wamp_error e = {.uri = wamp_str_c("wamp.error.runtime_error"), .args = args};
    wamp_session_error(s, inv->request, &e);
    wamp_arena_free(a);
    cli_error("register: %s", why);
    if (r->count > 0 && ++r->seen >= r->count) finish(r, s, 0);
}

/* register -- CMD: starts the command for one invocation. */
static void run_invocation(run *r, wamp_session *s, const wamp_invocation *inv)
{
    job *j = calloc(1, sizeof *j);
    int in[2] = {-1, -1}, outp[2] = {-1, -1};
    if (!j || wamp_timer_new(r->loop, job_reap, j, &j->reap) || pipe(in) || pipe(outp)) {
        if (in[0] >= 0) {
            close(in[0]);
            close(in[1]);
        }
        if (j) wamp_timer_free(j->reap);
        free(j);
        job_refuse(r, s, inv, "cannot start the command");
        return;
    }
    j->r = r;
    j->s = s;
    j->request = inv->request;
    j->in_fd = in[1];
    j->out_fd = outp[0];
    snprintf(j->proc, sizeof j->proc, "%.*s", (int)inv->procedure.len,
             inv->procedure.ptr ? inv->procedure.ptr : "");
    if (!j->proc[0]) snprintf(j->proc, sizeof j->proc, "%s", r->uri);
    wamp_arena *a = wamp_arena_new(0);
    wamp_value args = wamp_value_is_null(&inv->args) ? wamp_value_list() : inv->args;
    wamp_value kwargs = wamp_value_is_null(&inv->kwargs) ? wamp_value_dict() : inv->kwargs;
    wamp_value doc = wamp_value_dict();
    wamp_value_dict_setc(a, &doc, "procedure", wamp_value_cstring(a, j->proc));
    wamp_value_dict_setc(a, &doc, "args", args);
    wamp_value_dict_setc(a, &doc, "kwargs", kwargs);
    wamp_value_encode(WAMP_SER_JSON, &doc, &j->input);
    wamp_buf_append_byte(&j->input, '\n');
    /* the environment is set in the parent around fork(): the child inherits it */
    setenv("WAMP_PROCEDURE", j->proc, 1);
    set_env_json("WAMP_ARGS", &args);
    set_env_json("WAMP_KWARGS", &kwargs);
    wamp_arena_free(a);
    fflush(stdout);
    fflush(stderr);
    j->pid = fork();
    if (j->pid == 0) {
        dup2(in[0], 0);
        dup2(outp[1], 1);
        close(in[0]);
        close(in[1]);
        close(outp[0]);
        close(outp[1]);
        signal(SIGPIPE, SIG_DFL);
        if (r->ncmd == 1)
            execl("/bin/sh", "sh", "-c", r->cmd[0], (char *)NULL);
        else
            execvp(r->cmd[0], r->cmd);
        fprintf(stderr, "wamp: register: cannot run %s: %s\n", r->cmd[0], strerror(errno));
        _exit(127);
    }
    unsetenv("WAMP_PROCEDURE");
    unsetenv("WAMP_ARGS");
    unsetenv("WAMP_KWARGS");
    close(in[0]);
    close(outp[1]);
    j->next = g_jobs;
    g_jobs = j;
    if (j->pid < 0) {
        job_free(j);
        job_refuse(r, s, inv, "cannot fork");
        return;
    }
    fcntl(j->in_fd, F_SETFD, FD_CLOEXEC);
    fcntl(j->out_fd, F_SETFD, FD_CLOEXEC);
    fcntl(j->in_fd, F_SETFL, fcntl(j->in_fd, F_GETFL) | O_NONBLOCK);
    fcntl(j->out_fd, F_SETFL, fcntl(j->out_fd, F_GETFL) | O_NONBLOCK);
    if (g_hooks.io_start(g_hooks.ctx, j->out_fd, WAMP_IO_READ, job_readable, j, &j->out_watch) ||
        g_hooks.io_start(g_hooks.ctx, j->in_fd, WAMP_IO_WRITE, job_writable, j, &j->in_watch)) {
        kill(j->pid, SIGKILL);
        job_close_fd(&j->in_fd, &j->in_watch);
        job_close_fd(&j->out_fd, &j->out_watch);
        wamp_timer_start(j->reap, 0, 5);
    }
}

/* The caller canceled (kill / killnowait): stop the command; the session answers. */
static void on_interrupt(void *user, wamp_session *s, wamp_id request, wamp_cancel_mode mode)
{
    (void)user;
    (void)s;
    (void)mode;
    for (job *j = g_jobs; j; j = j->next) {
        if (j->request == request && !j->interrupted) {
            j->interrupted = true;
            kill(j->pid, SIGTERM);
        }
    }
}

/* At exit: stop the commands still running. */
static void jobs_kill_all(void)
{
    while (g_jobs) {
        job *j = g_jobs;
        kill(j->pid, SIGKILL);
        waitpid(j->pid, NULL, 0);
        job_free(j);
    }
}

static void on_invocation(void *user, wamp_session *s, const wamp_invocation *inv)
{
    run *r = user;
    print_payload(&inv->args, &inv->kwargs);
    if (r->cmd) {
        run_invocation(r, s, inv); /* counted when answered */
        return;
    }
    wamp_session_yield(s, inv->request, &inv->args, &inv->kwargs, false);
    if (r->count > 0 && ++r->seen >= r->count) finish(r, s, 0);
}

static void on_connect(void *user, wamp_session *s)
{
    run *r = user;
    wamp_join_opts o = {.realm = r->realm, .auth = r->auth};
    if (!r->auth) {
        o.authid = r->authid;
        o.authrole = r->authrole;
    }
    int rc = wamp_session_join(s, &o);
    if (rc) {
        cli_error("%s: join: %s", r->name, wamp_strerror(rc));
        r->status = 1;
        wamp_client_disconnect(r->client);
    }
}

static void on_join(void *user, wamp_session *s, const wamp_session_details *d)
{
    (void)d;
    run *r = user;
    int rc = WAMP_OK;
    const wamp_value *kw = r->has_kwargs ? &r->kwargs : NULL;
    switch (r->action) {
    case A_CALL: {
        wamp_call_opts o = {0};
        if (r->timeout_ms > 0) o.cancel_after_ms = (uint64_t)r->timeout_ms;
        if (r->progress) o.on_progress = on_result;
        rc = wamp_session_call(s, r->uri, &r->args, kw, &o, on_result, r, NULL);
        break;
    }
    case A_PUBLISH: {
        wamp_publish_opts o = {.acknowledge = r->acknowledge};
        if (r->exclude_me_false) o.exclude_me = WAMP_OPT_FALSE;
        rc = wamp_session_publish(s, r->uri, &r->args, kw, &o, on_published, r, NULL);
        if (!rc && !r->acknowledge) finish(r, s, 0);
        break;
    }
    case A_SUBSCRIBE: {
        wamp_subscribe_opts o = {.match = r->match};
        rc = wamp_session_subscribe(s, r->uri, &o, on_event, r, on_done, r, NULL);
        break;
    }
    case A_REGISTER: {
        wamp_register_opts o = {.match = r->match, .on_interrupt = r->cmd ? on_interrupt : NULL};
        rc = wamp_session_register(s, r->uri, &o, on_invocation, r, on_done, r, NULL);
        break;
    }
    }
    if (rc) {
        cli_error("%s: %s", r->name, wamp_strerror(rc));
        finish(r, s, 1);
    }
}

static void on_leave(void *user, wamp_session *s, const wamp_close_details *d)
{
    (void)s;
    run *r = user;
    if (!r->left) {
        cli_error("%s: session ended: %.*s %.*s", r->name, (int)d->reason.len, d->reason.ptr,
                  (int)d->message.len, d->message.ptr ? d->message.ptr : "");
        r->status = 1;
    }
    r->left = true;
    wamp_client_disconnect(r->client);
}

static void on_disconnect(void *user, wamp_session *s, bool clean)
{
    (void)s;
    (void)clean;
    run *r = user;
    if (!r->left) {
        int err = wamp_client_last_error(r->client);
        cli_error("%s: connection to %s failed or lost: %s", r->name, r->url,
                  err ? wamp_strerror(err) : "closed");
        r->status = 1;
    }
    wamp_loop_stop(r->loop);
}

static bool parse_json(run *r, const char *text, wamp_value *out)
{
    int rc = wamp_value_decode(WAMP_SER_JSON, (const uint8_t *)text, strlen(text), r->arena,
                               &(wamp_decode_opts){.copy_strings = true}, out);
    if (rc) cli_error("%s: not JSON (%s): %s", r->name, wamp_strerror(rc), text);
    return rc == 0;
}

static int run_cmd(enum action action, const char *name, int argc, char **argv)
{
    run r = {.action = action, .name = name, .url = "ws://127.0.0.1:8080/ws", .realm = "realm1"};
    r.arena = wamp_arena_new(0);
    r.args = wamp_value_list();
    int status = 2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0) {
            usage(stdout, name);
            status = 0;
            goto out;
        } else if (strcmp(a, "--progress") == 0) {
            r.progress = true;
        } else if (strcmp(a, "--acknowledge") == 0) {
            r.acknowledge = true;
        } else if (strcmp(a, "--no-exclude-me") == 0) {
            r.exclude_me_false = true;
        } else if (strcmp(a, "--") == 0) {
            if (action != A_REGISTER || i + 1 >= argc) {
                cli_error("%s: -- CMD is for register only, and needs a command", name);
                goto out;
            }
            r.cmd = argv + i + 1;
            r.ncmd = argc - i - 1;
            break;
        } else if (a[0] == '-' && a[1] == '-') {
            if (!next) {
                cli_error("%s: %s needs a value", name, a);
                goto out;
            }
            i++;
            if (strcmp(a, "--url") == 0)
                r.url = next;
            else if (strcmp(a, "--realm") == 0)
                r.realm = next;
            else if (strcmp(a, "--authid") == 0)
                r.authid = next;
            else if (strcmp(a, "--authrole") == 0)
                r.authrole = next;
            else if (strcmp(a, "--ticket") == 0)
                r.ticket = next;
            else if (strcmp(a, "--cra-secret") == 0)
                r.cra_secret = next;
            else if (strcmp(a, "--cryptosign-key") == 0)
                r.cryptosign_key = next;
            else if (strcmp(a, "--serializer") == 0)
                r.serializer = next;
            else if (strcmp(a, "--timeout") == 0)
                r.timeout_ms = strtoll(next, NULL, 10);
            else if (strcmp(a, "--count") == 0)
                r.count = strtol(next, NULL, 10);
            else if (strcmp(a, "--kwargs") == 0) {
                if (!parse_json(&r, next, &r.kwargs)) goto out;
                if (wamp_value_type_of(&r.kwargs) != WAMP_VALUE_DICT) {
                    cli_error("%s: --kwargs must be a JSON object", name);
                    goto out;
                }
                r.has_kwargs = true;
            } else if (strcmp(a, "--match") == 0) {
                if (strcmp(next, "exact") == 0)
                    r.match = WAMP_MATCH_EXACT;
                else if (strcmp(next, "prefix") == 0)
                    r.match = WAMP_MATCH_PREFIX;
                else if (strcmp(next, "wildcard") == 0)
                    r.match = WAMP_MATCH_WILDCARD;
                else {
                    cli_error("%s: unknown match policy %s", name, next);
                    goto out;
                }
            } else {
                cli_error("%s: unknown option %s", name, a);
                goto out;
            }
        } else if (!r.uri) {
            r.uri = a;
        } else {
            wamp_value v;
            if (!parse_json(&r, a, &v)) goto out;
            wamp_value_list_push(r.arena, &r.args, v);
        }
    }
    if (!r.uri) {
        usage(stderr, name);
        goto out;
    }
    if (!!r.ticket + !!r.cra_secret + !!r.cryptosign_key > 1) {
        cli_error("%s: give one of --ticket, --cra-secret, --cryptosign-key", name);
        goto out;
    }
    if (r.ticket || r.cra_secret) {
        const char *method = r.ticket ? "ticket" : "wampcra";
        if (r.cra_secret && !r.authid) {
            cli_error("%s: --cra-secret needs --authid", name);
            goto out;
        }
        wamp_auth_config cfg = {.authid = r.authid,
                                .authrole = r.authrole,
                                .secret = r.ticket ? r.ticket : r.cra_secret};
        int rc = wamp_authenticator_new(method, &cfg, &r.auth);
        if (rc) {
            cli_error("%s: %s: %s", name, method, wamp_strerror(rc));
            goto out;
        }
    }
    if (r.cryptosign_key) {
        wamp_cryptosign_key *key = NULL;
        int rc = wamp_cryptosign_key_from_keyfile(r.cryptosign_key, &key);
        if (rc) rc = wamp_cryptosign_key_from_ssh_file(r.cryptosign_key, &key);
        if (rc) rc = wamp_cryptosign_key_from_file(r.cryptosign_key, NULL, &key);
        if (rc || !wamp_cryptosign_key_can_sign(key)) {
            cli_error("%s: %s: not a private key file (Autobahn key file, OpenSSH Ed25519 or 32 "
                      "raw bytes)",
                      name, r.cryptosign_key);
            wamp_cryptosign_key_free(key);
            goto out;
        }
        wamp_auth_config cfg = {.authid = r.authid, .authrole = r.authrole, .key = key};
        rc = wamp_authenticator_new("cryptosign", &cfg, &r.auth);
        wamp_cryptosign_key_free(key);
        if (rc) {
            cli_error("%s: cryptosign: %s", name, wamp_strerror(rc));
            goto out;
        }
    }
    wamp_transport_options topts = {0};
    const char *proto[1];
    if (r.serializer) {
        const wamp_serializer_info *info = wamp_serializer_by_name(r.serializer);
        if (!info) info = wamp_serializer_by_subprotocol(r.serializer);
        if (!info) {
            char *end;
            long id = strtol(r.serializer, &end, 10);
            if (*r.serializer && !*end && id > 0 && id < 16)
                info = wamp_serializer_by_id((wamp_serializer_id)id, false);
        }
        wamp_url u;
        if (wamp_url_parse(r.url, &u) != WAMP_OK) {
            cli_error("%s: %s: not a transport URL", name, r.url);
            goto out;
        }
        bool ws = u.is_websocket;
        wamp_url_free(&u);
        if (!info || (!ws && info->batched)) {
            cli_error("%s: unknown serializer %s%s", name, r.serializer,
                      info ? " (batched serializers need WebSocket)" : "");
            goto out;
        }
        if (ws) {
            proto[0] = info->subprotocol;
            topts.websocket.protocols = proto;
            topts.websocket.protocol_count = 1;
        } else {
            topts.rawsocket.serializer = info->id;
        }
    }
    status = 1;
    wamp_session_callbacks cb = {.on_connect = on_connect,
                                 .on_join = on_join,
                                 .on_leave = on_leave,
                                 .on_disconnect = on_disconnect};
    int rc = wamp_loop_new(&r.loop);
    if (!rc) wamp_loop_hooks_default(r.loop, &g_hooks);
    if (!rc) rc = wamp_client_new(r.loop, &cb, &r, &r.client);
    if (!rc) rc = wamp_client_connect(r.client, r.url, r.serializer ? &topts : NULL);
    if (rc) {
        cli_error("%s: %s: %s", name, r.url, wamp_strerror(rc));
    } else {
        wamp_loop_run(r.loop, WAMP_RUN_DEFAULT);
        status = r.status;
    }
    jobs_kill_all();
    wamp_client_free(r.client);
    if (r.loop) {
        /* let the runtime release what the closed transport still holds */
        wamp_loop_run(r.loop, WAMP_RUN_NOWAIT);
        wamp_loop_free(r.loop);
    }
out:
    wamp_authenticator_free(r.auth);
    wamp_arena_free(r.arena);
    return status;
}

int cli_call(int argc, char **argv)
{
    return run_cmd(A_CALL, "call", argc, argv);
}

int cli_publish(int argc, char **argv)
{
    return run_cmd(A_PUBLISH, "publish", argc, argv);
}

int cli_subscribe(int argc, char **argv)
{
    return run_cmd(A_SUBSCRIBE, "subscribe", argc, argv);
}

int cli_register(int argc, char **argv)
{
    return run_cmd(A_REGISTER, "register", argc, argv);
}
