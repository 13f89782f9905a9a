/* A C process on the other end of jipc's signal tests.
 *   signal_peer wait COUNT SIG...     blocks the signals, prints "ready PID", then takes COUNT
 *                                     signals with sigwaitinfo, one line each:
 *                                     "SIGNO CODE PID UID VALUE"
 *   signal_peer queue PID SIG VALUE [N]   sigqueue N times (default 1), values VALUE, VALUE+1...
 *   signal_peer kill PID SIG [N]      kill N times (default 1)
 *   signal_peer echo COUNT SIG        blocks SIG, prints "ready PID", then answers each SIG it
 *                                     takes with sigqueue(sender, SIG, value + 1)
 */
#include "jipc_test.h"
#include <signal.h>
#include <unistd.h>

static void block(int argc, char **argv, int from, sigset_t *set) {
    sigemptyset(set);
    for (int i = from; i < argc; i++) sigaddset(set, atoi(argv[i]));
    if (sigprocmask(SIG_BLOCK, set, NULL) != 0) die("sigprocmask");
}

int main(int argc, char **argv) {
    if (argc >= 4 && !strcmp(argv[1], "wait")) {
        sigset_t set;
        block(argc, argv, 3, &set);
        printf("ready %d\n", (int) getpid());
        fflush(stdout);
        for (long n = atol(argv[2]); n > 0; n--) {
            siginfo_t si;
            int s = sigwaitinfo(&set, &si);
            if (s < 0) {
                if (errno == EINTR) { n++; continue; }
                die("sigwaitinfo");
            }
            printf("%d %d %d %d %d\n", si.si_signo, si.si_code, (int) si.si_pid, (int) si.si_uid, si.si_value.sival_int);
            fflush(stdout);
        }
        return 0;
    }
    if (argc >= 5 && !strcmp(argv[1], "queue")) {
        int n = argc > 5 ? atoi(argv[5]) : 1;
        for (int i = 0; i < n; i++) {
            union sigval v = {.sival_int = atoi(argv[4]) + i};
            if (sigqueue(atoi(argv[2]), atoi(argv[3]), v) != 0) die("sigqueue");
        }
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "kill")) {
        int n = argc > 4 ? atoi(argv[4]) : 1;
        for (int i = 0; i < n; i++) {
            if (kill(atoi(argv[2]), atoi(argv[3])) != 0) die("kill");
        }
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "echo")) {
        sigset_t set;
        block(argc, argv, 3, &set);
        printf("ready %d\n", (int) getpid());
        fflush(stdout);
        for (long n = atol(argv[2]); n > 0; n--) {
            siginfo_t si;
            if (sigwaitinfo(&set, &si) < 0) {
                if (errno == EINTR) { n++; continue; }
                die("sigwaitinfo");
            }
            union sigval v = {.sival_int = si.si_value.sival_int + 1};
            if (sigqueue(si.si_pid, si.si_signo, v) != 0) die("sigqueue");
        }
        return 0;
    }
    fprintf(stderr, "signal_peer: bad arguments\n");
    return 2;
}
