/* POSIX named semaphore peer for jipc's tests.
 *   sem_peer create NAME VALUE MODE     sem_open(O_CREAT|O_EXCL, MODE octal, VALUE), print "created"
 *   sem_peer post NAME COUNT            sem_post COUNT times, print "posted COUNT" (or the errno name)
 *   sem_peer wait NAME [TIMEOUT_MS]     print ready, sem_wait (or sem_clockwait on CLOCK_MONOTONIC),
 *                                       print "acquired" or the errno name
 *   sem_peer trywait NAME               sem_trywait, print "acquired" or the errno name
 *   sem_peer value NAME                 print the value
 *   sem_peer hold NAME                  sem_wait, crash point "holding", sem_post, print "released"
 *   sem_peer unlink NAME                sem_unlink, print "unlinked"
 * A failing sem_open prints its errno name and exits 3.
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <semaphore.h>
#include <time.h>

static sem_t *open_or_die(const char *name) {
    sem_t *s = sem_open(name, 0);
    if (s == SEM_FAILED) { printf("%s\n", strerrorname_np(errno)); exit(3); }
    return s;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage\n"); return 2; }
    const char *cmd = argv[1], *name = argv[2];
    if (!strcmp(cmd, "create")) {
        sem_t *s = sem_open(name, O_CREAT | O_EXCL, (mode_t) strtol(argv[4], NULL, 8), (unsigned) strtoul(argv[3], NULL, 10));
        if (s == SEM_FAILED) { printf("%s\n", strerrorname_np(errno)); return 3; }
        printf("created\n");
    } else if (!strcmp(cmd, "post")) {
        sem_t *s = open_or_die(name);
        long n = atol(argv[3]);
        for (long i = 0; i < n; i++) {
            if (sem_post(s) != 0) { printf("%s\n", strerrorname_np(errno)); return 0; }
        }
        printf("posted %ld\n", n);
    } else if (!strcmp(cmd, "wait")) {
        sem_t *s = open_or_die(name);
        ready();
        int r;
        if (argc > 3) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            long ms = atol(argv[3]);
            t.tv_sec += ms / 1000;
            t.tv_nsec += (ms % 1000) * 1000000L;
            if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
            r = sem_clockwait(s, CLOCK_MONOTONIC, &t);
        } else {
            r = sem_wait(s);
        }
        printf("%s\n", r == 0 ? "acquired" : strerrorname_np(errno));
    } else if (!strcmp(cmd, "trywait")) {
        sem_t *s = open_or_die(name);
        printf("%s\n", sem_trywait(s) == 0 ? "acquired" : strerrorname_np(errno));
    } else if (!strcmp(cmd, "value")) {
        sem_t *s = open_or_die(name);
        int v;
        if (sem_getvalue(s, &v) != 0) die("sem_getvalue");
        printf("%d\n", v);
    } else if (!strcmp(cmd, "hold")) {
        sem_t *s = open_or_die(name);
        if (sem_wait(s) != 0) die("sem_wait");
        crash_point("holding");
        if (sem_post(s) != 0) die("sem_post");
        printf("released\n");
    } else if (!strcmp(cmd, "unlink")) {
        if (sem_unlink(name) != 0) { printf("%s\n", strerrorname_np(errno)); return 3; }
        printf("unlinked\n");
    } else {
        return 2;
    }
    fflush(stdout);
    return 0;
}
