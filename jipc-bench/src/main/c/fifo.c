/*
 * `jipc bench` C baseline for `fifo`: two FIFOs (mkfifo) in the directory given as ARG, one per
 * direction, opened blocking by both processes (each open waits for the other end).
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include "bench.h"

static char to_child_path[PATH_MAX];
static char to_parent_path[PATH_MAX];
static int out_fd;
static int in_fd;

static void mech_prepare(const char *arg) {
    if (arg == NULL) {
        errno = 0;
        die("fifo needs a directory argument");
    }
    snprintf(to_child_path, sizeof to_child_path, "%s/c-to-child", arg);
    snprintf(to_parent_path, sizeof to_parent_path, "%s/c-to-parent", arg);
    if (mkfifo(to_child_path, 0600) != 0) die("mkfifo %s", to_child_path);
    if (mkfifo(to_parent_path, 0600) != 0) die("mkfifo %s", to_parent_path);
}

static void mech_open(int role) {
    /* Both open the to-child FIFO first, so neither waits on an open the other has not reached. */
    if (role == ROLE_PARENT) {
        if ((out_fd = open(to_child_path, O_WRONLY | O_CLOEXEC)) < 0) die("open %s", to_child_path);
        if ((in_fd = open(to_parent_path, O_RDONLY | O_CLOEXEC)) < 0) die("open %s", to_parent_path);
    } else {
        if ((in_fd = open(to_child_path, O_RDONLY | O_CLOEXEC)) < 0) die("open %s", to_child_path);
        if ((out_fd = open(to_parent_path, O_WRONLY | O_CLOEXEC)) < 0) die("open %s", to_parent_path);
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
    unlink(to_child_path);
    unlink(to_parent_path);
}
