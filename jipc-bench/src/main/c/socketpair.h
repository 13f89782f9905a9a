/*
 * The socketpair mechanisms' C baseline: a connected pair of UNIX-domain sockets made before
 * fork, one end per process. The including file defines SOCKETPAIR_TYPE (SOCK_STREAM, ...) and
 * SOCKETPAIR_SEND / SOCKETPAIR_RECV (bench.h's send_fully/recv_fully for a stream,
 * send_message/recv_message for one message per call).
 */
#ifndef JIPC_SOCKETPAIR_H
#define JIPC_SOCKETPAIR_H
#include "bench.h"

static int pair[2];
static int fd;

static void mech_prepare(const char *arg) {
    (void) arg;
    if (socketpair(AF_UNIX, SOCKETPAIR_TYPE | SOCK_CLOEXEC, 0, pair) != 0) die("socketpair");
}

static void mech_open(int role) {
    close(pair[role == ROLE_PARENT ? 1 : 0]);
    fd = pair[role == ROLE_PARENT ? 0 : 1];
}

static void mech_send(const void *buf, size_t n) {
    SOCKETPAIR_SEND(fd, buf, n);
}

static void mech_recv(void *buf, size_t n) {
    SOCKETPAIR_RECV(fd, buf, n);
}

static void mech_cleanup(void) {
    close(fd);
}
#endif
