/*
 * `jipc bench` C baseline for `mq`: two POSIX message queues, one per direction, of 10 messages
 * of 8 KiB (less where /proc/sys/fs/mqueue allows less), created before the fork and unlinked at
 * once (both processes use the inherited descriptors), so nothing is left in /dev/mqueue whatever
 * happens later. A larger benchmark message goes as 8 KiB pieces; a shorter piece is received
 * through a spare buffer, since mq_receive wants room for the largest message
 * (io.jipc.bench.MqMechanism does the same). With -DJIPC_BLOCKING_MODEL the queue descriptors are
 * O_NONBLOCK and a call that says EAGAIN waits in poll(2), as jipc does.
 */
#include <fcntl.h>
#include <mqueue.h>
#include "bench.h"

static char to_child_name[64];
static char to_parent_name[64];
static mqd_t to_child = (mqd_t) -1;
static mqd_t to_parent = (mqd_t) -1;
static mqd_t out_q;
static mqd_t in_q;
static long piece;
static char *spare;

static long proc_number(const char *file, long fallback) {
    FILE *f = fopen(file, "r");
    long v;
    if (f == NULL) return fallback;
    if (fscanf(f, "%ld", &v) != 1) v = fallback;
    fclose(f);
    return v;
}

/* On a failure: the descriptors go, so a wait for a message that will never come ends (EBADF). */
static void close_queues(void) {
    if (to_child != (mqd_t) -1) close(to_child);
    if (to_parent != (mqd_t) -1) close(to_parent);
}

static void mech_prepare(const char *arg) {
    (void) arg;
    bench_on_failure = close_queues;
    long maxmsg = proc_number("/proc/sys/fs/mqueue/msg_max", 10);
    long msgsize = proc_number("/proc/sys/fs/mqueue/msgsize_max", 8192);
    struct mq_attr attr = {.mq_maxmsg = maxmsg < 10 ? maxmsg : 10, .mq_msgsize = msgsize < 8192 ? msgsize : 8192};
    piece = attr.mq_msgsize;
    snprintf(to_child_name, sizeof to_child_name, "/jipc-bench-c-%d-to-child", (int) getpid());
    snprintf(to_parent_name, sizeof to_parent_name, "/jipc-bench-c-%d-to-parent", (int) getpid());
    to_child = mq_open(to_child_name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    if (to_child == (mqd_t) -1) die("mq_open %s", to_child_name);
    /* The names have done their job once opened; a failure unlinks what was made. */
    mq_unlink(to_child_name);
    to_parent = mq_open(to_parent_name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
    if (to_parent == (mqd_t) -1) die("mq_open %s", to_parent_name);
    mq_unlink(to_parent_name);
    spare = malloc((size_t) piece);
    if (spare == NULL) die("malloc");
}

static void mech_open(int role) {
    /* Both processes inherit both descriptors from before the fork. */
    out_q = role == ROLE_PARENT ? to_child : to_parent;
    in_q = role == ROLE_PARENT ? to_parent : to_child;
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(out_q);
    model_prepare(in_q);
#endif
}

static void send_piece(const char *p, size_t n) {
    while (mq_send(out_q, p, n, 0) != 0) {
        if (errno == EINTR) continue;
#ifdef JIPC_BLOCKING_MODEL
        if (errno == EAGAIN) {
            model_await(out_q, POLLOUT);
            continue;
        }
#endif
        die("mq_send");
    }
}

static void recv_piece(char *p, size_t n) {
    char *into = n == (size_t) piece ? p : spare;
    ssize_t r;
    while ((r = mq_receive(in_q, into, (size_t) piece, NULL)) < 0) {
        if (errno == EINTR) continue;
#ifdef JIPC_BLOCKING_MODEL
        if (errno == EAGAIN) {
            model_await(in_q, POLLIN);
            continue;
        }
#endif
        die("mq_receive");
    }
    if ((size_t) r != n) {
        errno = 0;
        die("a queue message of %zd bytes where %zu were due", r, n);
    }
    if (into != p) memcpy(p, spare, n);
}

static void mech_send(const void *buf, size_t n) {
    const char *p = buf;
    for (size_t off = 0; off < n; off += (size_t) piece) {
        send_piece(p + off, n - off < (size_t) piece ? n - off : (size_t) piece);
    }
}

static void mech_recv(void *buf, size_t n) {
    char *p = buf;
    for (size_t off = 0; off < n; off += (size_t) piece) {
        recv_piece(p + off, n - off < (size_t) piece ? n - off : (size_t) piece);
    }
}

static void mech_cleanup(void) {
    mq_close(to_child);
    mq_close(to_parent);
}
