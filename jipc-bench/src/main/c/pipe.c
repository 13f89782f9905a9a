/* `jipc bench` C baseline for `pipe`: two anonymous pipes (pipe2), one per direction. */
#include <fcntl.h>
#include "bench.h"

static int to_child[2];
static int to_parent[2];
static int out_fd;
static int in_fd;

static void mech_prepare(const char *arg) {
    (void) arg;
    if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(to_parent, O_CLOEXEC) != 0) die("pipe2");
}

static void mech_open(int role) {
    if (role == ROLE_PARENT) {
        close(to_child[0]);
        close(to_parent[1]);
        out_fd = to_child[1];
        in_fd = to_parent[0];
    } else {
        close(to_child[1]);
        close(to_parent[0]);
        out_fd = to_parent[1];
        in_fd = to_child[0];
    }
}

static void mech_send(const void *buf, size_t n) {
    write_fully(out_fd, buf, n);
}

static void mech_recv(void *buf, size_t n) {
    read_fully(in_fd, buf, n);
}

static void mech_cleanup(void) {
    close(out_fd);
    close(in_fd);
}
