/*
 * `jipc bench` C baseline for `sem`: a post in one process wakes a wait in the other, through
 * POSIX named semaphores — per direction, an items and a spaces semaphore around a ring of 256
 * slots of 64 bytes in shared memory (the bounded buffer; io.jipc.bench.HandoffRing describes it).
 * A send waits for a space, copies the message's first 64 bytes into the slot and posts the item;
 * a receive waits for the item, copies the slot out and posts the space (io.jipc.bench.SemMechanism
 * does the same). The semaphores are created before the fork and unlinked at once: both processes
 * use the inherited mappings, so nothing is left in /dev/shm whatever happens later. On a failure
 * or a stop signal (bench_on_failure) every semaphore is posted, so a wait that would never end
 * returns and finds the run broken. No descriptors: the JIPC_BLOCKING_MODEL build is the same
 * program.
 */
#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include "bench.h"

#define SLOTS 256
#define SLOT 64

/* [0]: parent to child, [1]: child to parent. */
static sem_t *items[2];
static sem_t *spaces[2];
static char *ring;
static int out_dir;
static int in_dir;
static unsigned long sent;
static unsigned long received;
static volatile sig_atomic_t broken;

/* Async-signal-safe: sem_post is. */
static void break_handoff(void) {
    broken = 1;
    for (int d = 0; d < 2; d++) {
        if (items[d] != NULL) sem_post(items[d]);
        if (spaces[d] != NULL) sem_post(spaces[d]);
    }
}

static sem_t *create(const char *what, int dir, unsigned value) {
    char name[96];
    snprintf(name, sizeof name, "/jipc-bench-c-%d-%s-%d", (int) getpid(), what, dir);
    sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, value);
    if (s == SEM_FAILED) die("sem_open %s", name);
    sem_unlink(name);
    return s;
}

static void mech_prepare(const char *arg) {
    (void) arg;
    bench_on_failure = break_handoff;
    for (int d = 0; d < 2; d++) {
        items[d] = create("items", d, 0);
        spaces[d] = create("spaces", d, SLOTS);
    }
    ring = mmap(NULL, 2 * SLOTS * SLOT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ring == MAP_FAILED) die("mmap");
}

static void mech_open(int role) {
    out_dir = role == ROLE_PARENT ? 0 : 1;
    in_dir = 1 - out_dir;
}

static void wait_for(sem_t *s) {
    while (sem_wait(s) != 0) {
        if (errno != EINTR) die("sem_wait");
    }
    if (broken) {
        errno = 0;
        die("the other process failed");
    }
}

static void mech_send(const void *buf, size_t n) {
    wait_for(spaces[out_dir]);
    memcpy(ring + ((size_t) out_dir * SLOTS + sent++ % SLOTS) * SLOT, buf, n < SLOT ? n : SLOT);
    if (sem_post(items[out_dir]) != 0) die("sem_post");
}

static void mech_recv(void *buf, size_t n) {
    wait_for(items[in_dir]);
    memcpy(buf, ring + ((size_t) in_dir * SLOTS + received++ % SLOTS) * SLOT, n < SLOT ? n : SLOT);
    if (sem_post(spaces[in_dir]) != 0) die("sem_post");
}

static void mech_cleanup(void) {
    for (int d = 0; d < 2; d++) {
        sem_close(items[d]);
        sem_close(spaces[d]);
    }
    munmap(ring, 2 * SLOTS * SLOT);
}
