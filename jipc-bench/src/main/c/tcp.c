/*
 * `jipc bench` C baseline for `tcp`: one TCP connection over loopback. The parent listens on an
 * ephemeral 127.0.0.1 port before fork and accepts; the child connects; TCP_NODELAY on both ends;
 * send/recv looping over short transfers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "bench.h"

static int listener = -1;
static int fd = -1;
static struct sockaddr_in addr;

static void no_delay(int s) {
    int on = 1;
    if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) die("setsockopt TCP_NODELAY");
}

static void mech_prepare(const char *arg) {
    (void) arg;
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0) die("socket");
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (bind(listener, (struct sockaddr *) &addr, sizeof addr) != 0) die("bind 127.0.0.1:0");
    if (listen(listener, 1) != 0) die("listen");
    if (getsockname(listener, (struct sockaddr *) &addr, &len) != 0) die("getsockname");
}

static void mech_open(int role) {
    if (role == ROLE_PARENT) {
        fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) die("accept");
    } else {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) die("socket");
        if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0) die("connect 127.0.0.1:%d", ntohs(addr.sin_port));
    }
    close(listener);
    no_delay(fd);
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
