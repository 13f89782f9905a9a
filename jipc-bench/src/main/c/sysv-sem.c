/*
 * `jipc bench` C baseline for `sysv-sem`: a semop in one process wakes a semop in the other,
 * through one private System V set of four semaphores — per direction, items and spaces around a
 * ring of 256 slots of 64 bytes in shared memory (io.jipc.bench.HandoffRing describes it). Each
 * handoff is one semop per side: a send copies the message's first 64 bytes into the slot whose
 * space it holds, then posts the item and takes the space for its next send in one semop (spaces
 * start at SLOTS - 1); a receive takes the item and gives back the slot it read the time before in
 * one semop, then copies the slot out (io.jipc.bench.SysVSemMechanism does the same). The set is
 * created before the fork and removed at the end, or on any failure or stop signal
 * (bench_on_failure), which also ends the other process's wait with EIDRM. No descriptors: the
 * JIPC_BLOCKING_MODEL build is the same program.
 */
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include "bench.h"

#define SLOTS 256
#define SLOT 64
#define ITEMS(dir) (2 * (dir))
#define SPACES(dir) (2 * (dir) + 1)

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static int semid = -1;
static char *ring;
static int out_dir;
static int in_dir;
static unsigned long sent;
static unsigned long received;

static void remove_set(void) {
    if (semid >= 0) semctl(semid, 0, IPC_RMID);
}

static void mech_prepare(const char *arg) {
    (void) arg;
    bench_on_failure = remove_set;
    if ((semid = semget(IPC_PRIVATE, 4, IPC_CREAT | 0600)) < 0) die("semget");
    unsigned short values[4] = {0, SLOTS - 1, 0, SLOTS - 1};
    union semun arg4 = {.array = values};
    if (semctl(semid, 0, SETALL, arg4) != 0) die("semctl SETALL");
    ring = mmap(NULL, 2 * SLOTS * SLOT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (ring == MAP_FAILED) die("mmap");
}

static void mech_open(int role) {
    out_dir = role == ROLE_PARENT ? 0 : 1;
    in_dir = 1 - out_dir;
}

static void semop_fully(struct sembuf *ops, size_t n) {
    while (semop(semid, ops, n) != 0) {
        if (errno != EINTR) die("semop");
    }
}

static void mech_send(const void *buf, size_t n) {
    memcpy(ring + ((size_t) out_dir * SLOTS + sent++ % SLOTS) * SLOT, buf, n < SLOT ? n : SLOT);
    struct sembuf ops[2] = {{ITEMS(out_dir), +1, 0}, {SPACES(out_dir), -1, 0}};
    semop_fully(ops, 2);
}

static void mech_recv(void *buf, size_t n) {
    struct sembuf ops[2] = {{ITEMS(in_dir), -1, 0}, {SPACES(in_dir), +1, 0}};
    semop_fully(ops, received == 0 ? 1 : 2);
    memcpy(buf, ring + ((size_t) in_dir * SLOTS + received++ % SLOTS) * SLOT, n < SLOT ? n : SLOT);
}

static void mech_cleanup(void) {
    remove_set();
    munmap(ring, 2 * SLOTS * SLOT);
}
