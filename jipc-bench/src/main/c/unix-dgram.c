/*
 * `jipc bench` C baseline for `unix-dgram`: a connected pair of UNIX-domain dgram sockets
 * (socketpair before fork), one send/recv(MSG_TRUNC) per datagram as jipc does.
 */
#include "bench.h"

static int pair[2];
static int fd;

static void mech_prepare(const char *arg) {
    (void) arg;
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) die("socketpair");
}

static void mech_open(int role) {
    close(pair[role == ROLE_PARENT ? 1 : 0]);
    fd = pair[role == ROLE_PARENT ? 0 : 1];
}

static void mech_send(const void *buf, size_t n) {
    send_message(fd, buf, n);
}

static void mech_recv(void *buf, size_t n) {
    recv_message(fd, buf, n);
}

static void mech_cleanup(void) {
    close(fd);
}
