/*
 * `jipc bench` C baseline for `unix-stream`: a connected pair of UNIX-domain stream sockets
 * (socketpair before fork), send/recv looping over short transfers as jipc's UnixSocket does.
 */
#include "bench.h"

static int pair[2];
static int fd;

static void mech_prepare(const char *arg) {
    (void) arg;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) die("socketpair");
}

static void mech_open(int role) {
    close(pair[role == ROLE_PARENT ? 1 : 0]);
    fd = pair[role == ROLE_PARENT ? 0 : 1];
}

static void mech_send(const void *buf, size_t n) {
    send_fully(fd, buf, n);
}

static void mech_recv(void *buf, size_t n) {
    recv_fully(fd, buf, n);
}

static void mech_cleanup(void) {
    close(fd);
}
