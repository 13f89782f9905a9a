/*
 * `jipc bench` C baseline for `sysv-msg`: two private System V message queues, one per
 * direction, created before the fork and removed at the end, or on any failure or stop signal
 * (bench_on_failure), which also ends the other process's wait with EIDRM. A benchmark message larger than
 * msgmax (8 KiB by default) goes as msgmax pieces of type 1, each copied into and out of a
 * struct msgbuf (io.jipc.bench.SysVMsgMechanism does the same). No descriptors: the
 * JIPC_BLOCKING_MODEL build is the same program.
 */
#include <sys/ipc.h>
#include <sys/msg.h>
#include "bench.h"

static int to_child = -1;
static int to_parent = -1;
static int out_q;
static int in_q;
static long piece;
static struct {
    long mtype;
    char mtext[8192];
} msg;

static void remove_queues(void) {
    if (to_child >= 0) msgctl(to_child, IPC_RMID, NULL);
    if (to_parent >= 0) msgctl(to_parent, IPC_RMID, NULL);
}

static void mech_prepare(const char *arg) {
    (void) arg;
    FILE *f = fopen("/proc/sys/kernel/msgmax", "r");
    piece = 8192;
    if (f != NULL) {
        long v;
        if (fscanf(f, "%ld", &v) == 1 && v < piece) piece = v;
        fclose(f);
    }
    bench_on_failure = remove_queues;
    if ((to_child = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0) die("msgget");
    if ((to_parent = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0) die("msgget");
}

static void mech_open(int role) {
    out_q = role == ROLE_PARENT ? to_child : to_parent;
    in_q = role == ROLE_PARENT ? to_parent : to_child;
}

static void mech_send(const void *buf, size_t n) {
    const char *p = buf;
    for (size_t off = 0; off < n; off += (size_t) piece) {
        size_t k = n - off < (size_t) piece ? n - off : (size_t) piece;
        msg.mtype = 1;
        memcpy(msg.mtext, p + off, k);
        while (msgsnd(out_q, &msg, k, 0) != 0) {
            if (errno != EINTR) die("msgsnd");
        }
    }
}

static void mech_recv(void *buf, size_t n) {
    char *p = buf;
    for (size_t off = 0; off < n; off += (size_t) piece) {
        size_t k = n - off < (size_t) piece ? n - off : (size_t) piece;
        ssize_t r;
        while ((r = msgrcv(in_q, &msg, k, 0, 0)) < 0) {
            if (errno != EINTR) die("msgrcv");
        }
        if ((size_t) r != k) {
            errno = 0;
            die("a queue message of %zd bytes where %zu were due", r, k);
        }
        memcpy(p + off, msg.mtext, k);
    }
}

static void mech_cleanup(void) {
    remove_queues();
}
