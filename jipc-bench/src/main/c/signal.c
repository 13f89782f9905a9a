/*
 * `jipc bench` C baseline for `signal`: a message is one real-time signal, SIGRTMIN+1, sent with
 * sigqueue (value: the sequence number) and taken with sigwaitinfo as soon as it arrives; in
 * ping-pong the answer is a signal back. Each receiver acknowledges every 32nd message with
 * SIGRTMIN+2 (value: its count), and a sender keeps at most 64 unacknowledged, so a stream never
 * fills the user's RLIMIT_SIGPENDING, which every process of the user shares
 * (io.jipc.bench.SignalMechanism does the same). Both signals are blocked before the fork, so
 * both processes have them blocked from the start and sigwaitinfo takes them. On a failure or a
 * stop signal (bench_on_failure) the process signals itself with the value -2, which ends its own
 * wait; the child also dies with the parent (PR_SET_PDEATHSIG). No descriptors: the
 * JIPC_BLOCKING_MODEL build is the same program.
 */
#include <sched.h>
#include "bench.h"

#define WINDOW 64
#define ACK_EVERY 32
#define BROKEN (-2)

static sigset_t both;
static int data_sig;
static int ack_sig;
static pid_t peer;
static long sent;
static long acked;
static long received;
static volatile sig_atomic_t broken;

/* Async-signal-safe: sigqueue is. */
static void break_handoff(void) {
    broken = 1;
    union sigval v = {.sival_int = BROKEN};
    sigqueue(getpid(), data_sig, v);
}

static void mech_prepare(const char *arg) {
    (void) arg;
    data_sig = SIGRTMIN + 1;
    ack_sig = SIGRTMIN + 2;
    bench_on_failure = break_handoff;
    sigemptyset(&both);
    sigaddset(&both, data_sig);
    sigaddset(&both, ack_sig);
    if (sigprocmask(SIG_BLOCK, &both, NULL) != 0) die("sigprocmask");
}

static void mech_open(int role) {
    peer = role == ROLE_PARENT ? bench_child : getppid();
}

static void take(siginfo_t *si) {
    while (sigwaitinfo(&both, si) < 0) {
        if (errno != EINTR) die("sigwaitinfo");
    }
    if (broken) {
        errno = 0;
        die("the other process failed");
    }
}

static void queue(int sig, int value) {
    union sigval v = {.sival_int = value};
    while (sigqueue(peer, sig, v) != 0) {
        if (errno != EAGAIN) die("sigqueue");
        sched_yield();
    }
}

static void mech_send(const void *buf, size_t n) {
    while (sent - acked >= WINDOW) {
        siginfo_t si;
        take(&si);
        if (si.si_signo != ack_sig) {
            errno = 0;
            die("a message while waiting to be acknowledged");
        }
        acked = si.si_value.sival_int;
    }
    uint32_t seq = 0;
    memcpy(&seq, buf, n < 4 ? n : 4);
    queue(data_sig, (int) seq);
    sent++;
}

static void mech_recv(void *buf, size_t n) {
    for (;;) {
        siginfo_t si;
        take(&si);
        if (si.si_signo == ack_sig) {
            acked = si.si_value.sival_int;
            continue;
        }
        uint32_t seq = (uint32_t) si.si_value.sival_int;
        memcpy(buf, &seq, n < 4 ? n : 4);
        if (++received % ACK_EVERY == 0) queue(ack_sig, (int) received);
        return;
    }
}

static void mech_cleanup(void) {
}
