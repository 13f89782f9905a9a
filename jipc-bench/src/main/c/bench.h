/*
 * The C side of `jipc bench`: the same exchange as io.jipc.bench.Exchange, between two real
 * processes (this one and a fork of it), so every jipc figure has a C figure beside it.
 *
 * A mechanism is one C file that includes this header and defines five static functions:
 *
 *   mech_prepare(arg)       before fork: create the objects (pipes, FIFOs, queues...)
 *   mech_open(role)         after fork, in each process: ROLE_PARENT or ROLE_CHILD
 *   mech_send(buf, n)       send n bytes (one message) to the other process
 *   mech_recv(buf, n)       receive exactly n bytes (one message) from the other process
 *   mech_cleanup()          in the parent once the child has exited: unlink what was created
 *
 * and errors go through die(). For handoff mechanisms (semaphores, mutexes, signals) n is
 * ignored: a message is one handoff. Descriptor mechanisms send and receive with write_fully()
 * and read_fully() (pipes, FIFOs), send_fully() and recv_fully() (stream sockets), send_message()
 * and recv_message() (datagram and seqpacket sockets), which a build with -DJIPC_BLOCKING_MODEL
 * switches to jipc's blocking model.
 *
 *   PROGRAM [-a CPU] [-b CPU] [-t] SIZE PING_WARMUP PING_COUNT STREAM_WARMUP STREAM_COUNT [ARG]
 *
 * Ping-pong: the parent sends SIZE bytes, the child sends them back; PING_WARMUP round trips
 * untimed, then PING_COUNT timed one by one. Streaming: the parent sends STREAM_WARMUP messages,
 * the child acknowledges with one message, then the parent sends STREAM_COUNT messages timed
 * until the child's acknowledgement arrives. Each message carries its sequence number in its
 * first bytes (little-endian, up to 4), and the receiver checks it; from 8 bytes on, bytes 4..7
 * carry the CPU the sender ran on, so each side can tell a message that crossed CPUs.
 *
 * -a and -b pin the parent's and the child's thread to one CPU each (sched_setaffinity on the
 * calling thread; the same CPU for both, or two); without them the scheduler places them. -t
 * starts one idle thread in each process first (not pinned), which makes them multi-threaded
 * processes like a JVM. Each process measures its own CPU time (CLOCK_PROCESS_CPUTIME_ID) over
 * the timed ping-pong and the timed stream; the child sends its figures to the parent on a pipe.
 * The parent prints on stdout:
 *
 *   ping PING_COUNT
 *   <round-trip ns>            (PING_COUNT lines)
 *   stream STREAM_COUNT <elapsed ns>
 *   cpu <parent ping ns> <child ping ns> <parent stream ns> <child stream ns>
 *   cross <timed round trips that crossed CPUs> <timed streamed messages that did>   (-1: under 8 B)
 */
#ifndef JIPC_BENCH_H
#define JIPC_BENCH_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROLE_PARENT 0
#define ROLE_CHILD 1

static void mech_prepare(const char *arg);
static void mech_open(int role);
static void mech_send(const void *buf, size_t n);
static void mech_recv(void *buf, size_t n);
static void mech_cleanup(void);

static int bench_role = ROLE_PARENT;

/*
 * Set (in mech_prepare) by a mechanism whose objects have no end-of-file and may outlive both
 * processes (message queues). It breaks them, so that a process waiting on them fails instead of
 * waiting forever, and removes what would otherwise stay behind. It is called by die() in either
 * process, on SIGINT, SIGTERM or SIGHUP (Ctrl-C on `jipc bench`) in either process, and in the
 * parent when the child has failed (exited other than 0, or killed). It must be
 * async-signal-safe.
 */
static void (*bench_on_failure)(void);

static void bench_on_stop(int sig) {
    bench_on_failure();
    signal(sig, SIG_DFL);
    raise(sig);
}

static pid_t bench_child;
static volatile sig_atomic_t bench_child_reaped;
static int bench_child_status;

/*
 * SIGCHLD in the parent: reaps the child; if it failed, breaks the mechanism's objects. A child
 * that exits 0 has sent everything, so whatever the parent still waits for is already queued.
 */
static void bench_on_sigchld(int sig) {
    (void) sig;
    int saved = errno;
    int status;
    if (waitpid(bench_child, &status, WNOHANG) == bench_child) {
        bench_child_status = status;
        bench_child_reaped = 1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) bench_on_failure();
    }
    errno = saved;
}

__attribute__((noreturn, format(printf, 1, 2)))
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", bench_role == ROLE_PARENT ? "parent" : "child");
    vfprintf(stderr, fmt, ap);
    if (errno != 0) {
        fprintf(stderr, ": %s", strerror(errno));
    }
    fputc('\n', stderr);
    va_end(ap);
    if (bench_on_failure != NULL) bench_on_failure();
    _exit(3);
}

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#ifdef JIPC_BLOCKING_MODEL
/*
 * Diagnostic build (`jipc bench --c-model`, impl "c-model"): the same program with the poll model
 * instead of blocking descriptors, to show what that model costs. Like io.jipc.Fd.await, which jipc
 * uses for timed calls (untimed ones sleep inside the call, as here without the model):
 * descriptors are O_NONBLOCK; a call that says EAGAIN waits in poll(2) on the descriptor plus two
 * eventfds (jipc's close and interrupt wake-ups), then is tried again.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>

static int model_close_ev = -1;
static int model_thread_ev = -1;
static unsigned char model_nonblocking[4096];

static void model_prepare(int fd) {
    if (fd < 0 || fd >= (int) sizeof model_nonblocking) die("descriptor %d out of the model's range", fd);
    if (model_nonblocking[fd]) return;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) die("fcntl O_NONBLOCK");
    model_nonblocking[fd] = 1;
    if (model_close_ev < 0) {
        model_close_ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        model_thread_ev = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (model_close_ev < 0 || model_thread_ev < 0) die("eventfd");
    }
}

static void model_await(int fd, short events) {
    struct pollfd p[3] = {{fd, events, 0}, {model_close_ev, POLLIN, 0}, {model_thread_ev, POLLIN, 0}};
    if (poll(p, 3, -1) < 0 && errno != EINTR) die("poll");
}
#endif

/* Writes n bytes fully, retrying short writes and EINTR (helper for stream mechanisms). */
static inline void write_fully(int fd, const void *buf, size_t n) {
    const char *p = buf;
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(fd);
#endif
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
#ifdef JIPC_BLOCKING_MODEL
            if (errno == EAGAIN) {
                model_await(fd, POLLOUT);
                continue;
            }
#endif
            die("write");
        }
        p += w;
        n -= (size_t) w;
    }
}

/* Reads exactly n bytes, retrying short reads and EINTR; EOF is an error. */
static inline void read_fully(int fd, void *buf, size_t n) {
    char *p = buf;
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(fd);
#endif
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
#ifdef JIPC_BLOCKING_MODEL
            if (errno == EAGAIN) {
                model_await(fd, POLLIN);
                continue;
            }
#endif
            die("read");
        }
        if (r == 0) {
            errno = 0;
            die("read: unexpected end of file");
        }
        p += r;
        n -= (size_t) r;
    }
}

/*
 * After a call on fd failed with errno set: returns to let the caller try again (EINTR; in the
 * blocking-model build also EAGAIN, after waiting for `events` as jipc does), else dies.
 */
static inline void retry_or_die(int fd, short events, const char *call) {
    if (errno == EINTR) return;
#ifdef JIPC_BLOCKING_MODEL
    if (errno == EAGAIN) {
        model_await(fd, events);
        return;
    }
#else
    (void) fd;
    (void) events;
#endif
    die("%s", call);
}

/* Sends n bytes on a stream socket fully: send(2) with MSG_NOSIGNAL, as jipc's UnixSocket does. */
static inline void send_fully(int fd, const void *buf, size_t n) {
    const char *p = buf;
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(fd);
#endif
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            retry_or_die(fd, POLLOUT, "send");
            continue;
        }
        p += w;
        n -= (size_t) w;
    }
}

/* Receives exactly n bytes from a stream socket with recv(2); end of stream is an error. */
static inline void recv_fully(int fd, void *buf, size_t n) {
    char *p = buf;
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(fd);
#endif
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0) {
            retry_or_die(fd, POLLIN, "recv");
            continue;
        }
        if (r == 0) {
            errno = 0;
            die("recv: unexpected end of stream");
        }
        p += r;
        n -= (size_t) r;
    }
}

/* Sends one datagram or record of n bytes: send(2) with MSG_NOSIGNAL. */
static inline void send_message(int fd, const void *buf, size_t n) {
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(fd);
#endif
    while (1) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);
        if (w >= 0) {
            if ((size_t) w != n) {
                errno = 0;
                die("send: %zd of a %zu-byte message", w, n);
            }
            return;
        }
        retry_or_die(fd, POLLOUT, "send");
    }
}

/* Receives one datagram or record, which must be n bytes long: recv(2) with MSG_TRUNC (its real length), as jipc does. */
static inline void recv_message(int fd, void *buf, size_t n) {
#ifdef JIPC_BLOCKING_MODEL
    model_prepare(fd);
#endif
    while (1) {
        ssize_t r = recv(fd, buf, n, MSG_TRUNC);
        if (r >= 0) {
            if ((size_t) r != n) {
                errno = 0;
                die("recv: a %zd-byte message where %zu bytes were sent", r, n);
            }
            return;
        }
        retry_or_die(fd, POLLIN, "recv");
    }
}

/*
 * Where each message was handled: a message of 8 bytes or more carries, after its sequence number,
 * the CPU its sender ran on (little-endian, bytes 4..7); the receiver compares it with its own CPU.
 * sched_getcpu() reads the kernel's rseq area (glibc >= 2.35): a load, no system call, which is
 * what io.jipc.bench.CpuClock does in Java too.
 */
#define CPU_TAG_MIN_SIZE 8

static inline void stamp(char *buf, size_t size, uint32_t seq) {
    size_t k = size < 4 ? size : 4;
    for (size_t i = 0; i < k; i++) buf[i] = (char) (seq >> (8 * i));
}

static inline void stamp_cpu(char *buf, size_t size, int cpu) {
    if (size < CPU_TAG_MIN_SIZE) return;
    for (size_t i = 0; i < 4; i++) buf[4 + i] = (char) ((uint32_t) cpu >> (8 * i));
}

static inline int cpu_of(const char *buf) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) v |= (uint32_t) (unsigned char) buf[4 + i] << (8 * i);
    return (int) v;
}

static inline void check(const char *buf, size_t size, uint32_t seq) {
    size_t k = size < 4 ? size : 4;
    for (size_t i = 0; i < k; i++) {
        if (buf[i] != (char) (seq >> (8 * i))) {
            errno = 0;
            die("message %u arrived out of order or corrupted", seq);
        }
    }
}

/* CPU time of the whole process (every thread), as the Java side measures its JVM. */
static inline int64_t process_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long parse_count(const char *s, const char *what, long min) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min) {
        errno = 0;
        die("bad %s: %s", what, s);
    }
    return v;
}

/* Pins the calling thread (not its process: in -t mode the idle thread stays free) to cpu; -1 leaves it free. */
static void pin_to(int cpu) {
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity to CPU %d", cpu);
}

static void *idle_thread(void *arg) {
    for (;;) pause();
    return arg;
}

/*
 * -t: one more thread that does nothing, all signals blocked (the program's handlers stay on the
 * main thread). A multi-threaded process pays for it on every call: file and memory references
 * become atomic (fdget takes a reference when the descriptor table is shared).
 */
static void start_idle_thread(void) {
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t t;
    int e = pthread_create(&t, NULL, idle_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        errno = e;
        die("pthread_create");
    }
}

/* What the child tells the parent once its exchange is over. */
struct child_report {
    int64_t ping_cpu_ns;    /* CPU time of the timed ping-pong */
    int64_t stream_cpu_ns;  /* CPU time of the timed stream */
    int64_t stream_cross;   /* timed streamed messages sent from another CPU, or -1 (messages < 8 B) */
};

/* Receives count streamed messages; returns how many came from another CPU than this one. */
static long sink(char *buf, size_t size, long count) {
    int tagged = size >= CPU_TAG_MIN_SIZE;
    long cross = 0;
    for (long i = 0; i < count; i++) {
        mech_recv(buf, size);
        check(buf, size, (uint32_t) i);
        if (tagged && cpu_of(buf) != sched_getcpu()) cross++;
    }
    return cross;
}

/* Sends count streamed messages, each stamped with its number and this side's CPU. */
static void pour(char *buf, size_t size, long count) {
    for (long i = 0; i < count; i++) {
        stamp(buf, size, (uint32_t) i);
        stamp_cpu(buf, size, sched_getcpu());
        mech_send(buf, size);
    }
}

static void run_child(char *buf, size_t size, long ping_warmup, long ping_count, long stream_warmup,
        long stream_count, struct child_report *report) {
    long ping_total = ping_warmup + ping_count;
    int64_t c0 = process_cpu_ns();
    for (long i = 0; i < ping_total; i++) {
        if (i == ping_warmup) c0 = process_cpu_ns();
        mech_recv(buf, size);
        check(buf, size, (uint32_t) i);
        stamp_cpu(buf, size, sched_getcpu());
        mech_send(buf, size);
    }
    report->ping_cpu_ns = process_cpu_ns() - c0;
    sink(buf, size, stream_warmup);
    mech_send(buf, size);
    c0 = process_cpu_ns();
    long cross = sink(buf, size, stream_count);
    report->stream_cpu_ns = process_cpu_ns() - c0;
    report->stream_cross = size >= CPU_TAG_MIN_SIZE ? cross : -1;
    mech_send(buf, size);
}

static void usage(const char *program) {
    fprintf(stderr, "usage: %s [-a CPU] [-b CPU] [-t] SIZE PING_WARMUP PING_COUNT STREAM_WARMUP STREAM_COUNT [ARG]\n",
            program);
    exit(2);
}

int main(int argc, char **argv) {
    int parent_cpu = -1;
    int child_cpu = -1;
    int threaded = 0;
    int opt;
    while ((opt = getopt(argc, argv, "+a:b:t")) != -1) {
        switch (opt) {
        case 'a': parent_cpu = (int) parse_count(optarg, "parent CPU", 0); break;
        case 'b': child_cpu = (int) parse_count(optarg, "child CPU", 0); break;
        case 't': threaded = 1; break;
        default: usage(argv[0]);
        }
    }
    argc -= optind - 1;
    argv += optind - 1;
    if (argc < 6 || argc > 7) usage(argv[0]);
    size_t size = (size_t) parse_count(argv[1], "size", 1);
    long ping_warmup = parse_count(argv[2], "ping warm-up", 0);
    long ping_count = parse_count(argv[3], "ping count", 1);
    long stream_warmup = parse_count(argv[4], "stream warm-up", 0);
    long stream_count = parse_count(argv[5], "stream count", 1);
    const char *arg = argc > 6 ? argv[6] : NULL;

    char *buf = malloc(size);
    int64_t *samples = malloc((size_t) ping_count * sizeof *samples);
    if (buf == NULL || samples == NULL) die("malloc");
    memset(buf, 'x', size);

    int report_pipe[2];
    if (pipe2(report_pipe, O_CLOEXEC) != 0) die("pipe2");
    mech_prepare(arg);
    if (bench_on_failure != NULL) {
        struct sigaction stop;
        memset(&stop, 0, sizeof stop);
        stop.sa_handler = bench_on_stop;
        sigemptyset(&stop.sa_mask);
        if (sigaction(SIGINT, &stop, NULL) != 0 || sigaction(SIGTERM, &stop, NULL) != 0
                || sigaction(SIGHUP, &stop, NULL) != 0) {
            die("sigaction");
        }
    }
    fflush(stdout);
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        bench_role = ROLE_CHILD;
        /* Never outlive the parent (killed by a timeout, say) blocked in an open or a read. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(3);
        close(report_pipe[0]);
        if (threaded) start_idle_thread();
        pin_to(child_cpu);
        mech_open(ROLE_CHILD);
        struct child_report report;
        run_child(buf, size, ping_warmup, ping_count, stream_warmup, stream_count, &report);
        if (write(report_pipe[1], &report, sizeof report) != (ssize_t) sizeof report) die("write report");
        _exit(0);
    }
    bench_child = child;
    close(report_pipe[1]);
    if (bench_on_failure != NULL) {
        struct sigaction chld;
        memset(&chld, 0, sizeof chld);
        chld.sa_handler = bench_on_sigchld;
        sigemptyset(&chld.sa_mask);
        if (sigaction(SIGCHLD, &chld, NULL) != 0) die("sigaction SIGCHLD");
        /* The child may have failed before the handler was there. */
        raise(SIGCHLD);
    }
    if (threaded) start_idle_thread();
    pin_to(parent_cpu);
    mech_open(ROLE_PARENT);

    int tagged = size >= CPU_TAG_MIN_SIZE;
    long ping_total = ping_warmup + ping_count;
    long ping_cross = 0;
    int64_t c0 = process_cpu_ns();
    for (long i = 0; i < ping_total; i++) {
        if (i == ping_warmup) c0 = process_cpu_ns();
        int from = sched_getcpu();
        stamp(buf, size, (uint32_t) i);
        stamp_cpu(buf, size, from);
        int64_t t0 = now_ns();
        mech_send(buf, size);
        mech_recv(buf, size);
        int64_t t1 = now_ns();
        check(buf, size, (uint32_t) i);
        if (i >= ping_warmup) {
            samples[i - ping_warmup] = t1 - t0;
            /* Crossed: the child echoed it on another CPU than this side sent it from or got it back on. */
            if (tagged) {
                int there = cpu_of(buf);
                ping_cross += there != from || sched_getcpu() != there;
            }
        }
    }
    int64_t ping_cpu = process_cpu_ns() - c0;

    pour(buf, size, stream_warmup);
    mech_recv(buf, size);
    c0 = process_cpu_ns();
    int64_t s0 = now_ns();
    pour(buf, size, stream_count);
    mech_recv(buf, size);
    int64_t s1 = now_ns();
    int64_t stream_cpu = process_cpu_ns() - c0;

    struct child_report report;
    ssize_t got;
    while ((got = read(report_pipe[0], &report, sizeof report)) < 0 && errno == EINTR) {
    }
    if (got != (ssize_t) sizeof report) {
        errno = 0;
        die("the child ended without its report");
    }

    sigset_t chld_only;
    sigemptyset(&chld_only);
    sigaddset(&chld_only, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld_only, NULL);
    int status = bench_child_status;
    if (!bench_child_reaped) {
        while (waitpid(child, &status, 0) < 0) {
            if (errno != EINTR) die("waitpid");
        }
    }
    mech_cleanup();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        errno = 0;
        die("child failed (status 0x%x)", status);
    }

    printf("ping %ld\n", ping_count);
    for (long i = 0; i < ping_count; i++) printf("%lld\n", (long long) samples[i]);
    printf("stream %ld %lld\n", stream_count, (long long) (s1 - s0));
    printf("cpu %lld %lld %lld %lld\n", (long long) ping_cpu, (long long) report.ping_cpu_ns, (long long) stream_cpu,
            (long long) report.stream_cpu_ns);
    printf("cross %ld %lld\n", tagged ? ping_cross : -1L, (long long) report.stream_cross);
    fflush(stdout);
    free(samples);
    free(buf);
    return 0;
}

#endif
