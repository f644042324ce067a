/*
 * churn: connect/join/leave/disconnect cycles against a WAMP router over RawSocket (JSON), with
 * plain POSIX sockets (no libwamp), for the valgrind leak test of wampd.
 *
 *   churn PORT CYCLES
 *
 * Each cycle: TCP connect, RawSocket handshake, HELLO -> WELCOME, SUBSCRIBE -> SUBSCRIBED,
 * every third cycle also REGISTER -> REGISTERED and a CALL to it left pending; then GOODBYE ->
 * GOODBYE and close, except every fifth cycle, which closes the TCP connection abruptly (no
 * GOODBYE). Exit 0 when every cycle got its replies, 1 otherwise (the failing step is printed).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k <= 0) return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t k = read(fd, c, n);
        if (k <= 0) return -1;
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static int send_msg(int fd, const char *json)
{
    size_t n = strlen(json);
    unsigned char h[4] = {0, (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
    return write_all(fd, h, 4) || write_all(fd, json, n) ? -1 : 0;
}

/* Reads one WAMP message frame (answering PINGs); returns its type code or -1. */
static int recv_type(int fd)
{
    static char buf[1 << 16];
    for (;;) {
        unsigned char h[4];
        if (read_all(fd, h, 4)) return -1;
        size_t n = ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
        if (n >= sizeof buf || read_all(fd, buf, n)) return -1;
        buf[n] = 0;
        if (h[0] == 1) { /* PING -> PONG */
            h[0] = 2;
            if (write_all(fd, h, 4) || write_all(fd, buf, n)) return -1;
            continue;
        }
        if (h[0] != 0) return -1;
        if (buf[0] != '[') return -1;
        return atoi(buf + 1);
    }
}

static int cycle(int port, int i)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const char *step = "connect";
    unsigned char hs[4] = {0x7F, 0xF1, 0, 0};
    char m[256];
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) goto fail;
    step = "handshake";
    if (write_all(fd, hs, 4) || read_all(fd, hs, 4) || hs[0] != 0x7F || (hs[1] & 0x0F) != 1)
        goto fail;
    step = "HELLO/WELCOME";
    if (send_msg(fd,
                 "[1,\"realm1\",{\"roles\":{\"caller\":{},\"callee\":{},\"subscriber\":{}}}]") ||
        recv_type(fd) != 2)
        goto fail;
    step = "SUBSCRIBE";
    snprintf(m, sizeof m, "[32,1,{},\"com.churn.t%d\"]", i % 50);
    if (send_msg(fd, m) || recv_type(fd) != 33) goto fail;
    if (i % 3 == 0) {
        step = "REGISTER";
        snprintf(m, sizeof m, "[64,2,{},\"com.churn.p%d\"]", i);
        if (send_msg(fd, m) || recv_type(fd) != 65) goto fail;
        /* a call to ourselves, left pending: INVOCATION comes, never answered */
        step = "CALL";
        snprintf(m, sizeof m, "[48,3,{},\"com.churn.p%d\",[%d]]", i, i);
        if (send_msg(fd, m) || recv_type(fd) != 68) goto fail;
    }
    if (i % 5 == 4) { /* abrupt close */
        struct linger l = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close(fd);
        return 0;
    }
    step = "GOODBYE";
    if (send_msg(fd, "[6,{},\"wamp.close.close_realm\"]")) goto fail;
    for (;;) {
        int t = recv_type(fd);
        if (t == 6) break;
        if (t < 0) goto fail;
    }
    close(fd);
    return 0;
fail:
    fprintf(stderr, "churn: cycle %d: %s failed\n", i, step);
    close(fd);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: churn PORT CYCLES\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]);
    for (int i = 0; i < n; i++)
        if (cycle(port, i)) return 1;
    printf("churn: %d cycles done\n", n);
    return 0;
}
