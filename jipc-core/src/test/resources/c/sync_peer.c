/*
 * The C side of jipc's io.jipc.sync tests: glibc's pthread and sem_t objects in a POSIX shared
 * memory object, placed in jipc's slot format (an 8-byte header — uint32 magic, uint32 version —
 * then the object; see io.jipc.sync.Slots).
 *
 *   sync_peer init KIND NAME OFF [VALUE]   claim the slot (CAS magic 0 -> KIND's), initialise, version 1;
 *                                          KIND: mutex (robust, error-checking), cond (monotonic clock),
 *                                          rwlock, sem (VALUE); print "initialised" or "claimed" if taken
 *   sync_peer lock NAME OFF                pthread_mutex_lock: print "locked" or the errno name; after
 *                                          EOWNERDEAD make it consistent; then unlock, print "unlocked"
 *   sync_peer hold NAME OFF                lock, print "locked", crash point "holding", unlock, "unlocked"
 *   sync_peer trylock NAME OFF             pthread_mutex_trylock: "locked" (then unlocks) or the errno name
 *   sync_peer unlock NAME OFF              pthread_mutex_unlock without holding it: "ok" or the errno name
 *   sync_peer count NAME MOFF DOFF N       N times: lock, read the int64 at DOFF, sched_yield, write it +1, unlock
 *   sync_peer produce NAME MOFF COFF DOFF N   mailbox at DOFF (int64 full, int64 value): N values 1..N,
 *   sync_peer consume NAME MOFF COFF DOFF N   each waiting with pthread_cond_wait in a while loop and
 *                                          broadcasting; consume checks the values arrive in order
 *   sync_peer signal NAME COFF             pthread_cond_broadcast
 *   sync_peer sem-wait NAME OFF            sem_wait: print "acquired"
 *   sync_peer sem-post NAME OFF N          sem_post N times: print "posted N"
 *   sync_peer sem-value NAME OFF           sem_getvalue
 *   sync_peer read-hold NAME OFF           pthread_rwlock_rdlock, print "read-locked", crash point "holding", unlock
 *   sync_peer write-hold NAME OFF          pthread_rwlock_wrlock, print "write-locked", crash point "holding", unlock
 *   sync_peer tryread NAME OFF / trywrite NAME OFF   the try forms: "locked" (then unlocks) or the errno name
 *   sync_peer barrier-init NAME OFF PARTIES   a SharedBarrier's slot by its documented layout (see
 *                                          io.jipc.sync.SharedBarrier): "initialised" or "claimed"
 *   sync_peer barrier NAME OFF DOFF PARTY PARTIES ROUNDS   print "ready", then ROUNDS times: store the
 *                                          round in int64 DOFF[PARTY], wait at the barrier by its
 *                                          protocol, check every party's entry reached the round;
 *                                          print "rounds ROUNDS"
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAGIC_MUTEX 0x4A504D58u
#define MAGIC_COND 0x4A504356u
#define MAGIC_RWLOCK 0x4A505257u
#define MAGIC_SEM 0x4A50534Du
#define MAGIC_BARRIER 0x4A504252u

static char *base;

static void map(const char *name) {
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) die("shm_open");
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) die("mmap");
    close(fd);
}

static void *object(const char *off) { return base + atol(off) + 8; }
static uint32_t *header(const char *off) { return (uint32_t *) (base + atol(off)); }

static const char *name_of(int r) { return r == 0 ? "ok" : strerrorname_np(r); }

static void check(int r, const char *what) {
    if (r != 0) { errno = r; die(what); }
}

static int init(char **argv) {
    const char *kind = argv[2];
    uint32_t magic = !strcmp(kind, "mutex") ? MAGIC_MUTEX : !strcmp(kind, "cond") ? MAGIC_COND
            : !strcmp(kind, "rwlock") ? MAGIC_RWLOCK : MAGIC_SEM;
    uint32_t *h = header(argv[4]);
    uint32_t empty = 0;
    if (!__atomic_compare_exchange_n(&h[0], &empty, magic, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        printf("claimed\n");
        return 0;
    }
    void *o = object(argv[4]);
    if (magic == MAGIC_MUTEX) {
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
        pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
        check(pthread_mutex_init(o, &a), "pthread_mutex_init");
    } else if (magic == MAGIC_COND) {
        pthread_condattr_t a;
        pthread_condattr_init(&a);
        pthread_condattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        check(pthread_cond_init(o, &a), "pthread_cond_init");
    } else if (magic == MAGIC_RWLOCK) {
        pthread_rwlockattr_t a;
        pthread_rwlockattr_init(&a);
        pthread_rwlockattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
        check(pthread_rwlock_init(o, &a), "pthread_rwlock_init");
    } else if (sem_init(o, 1, argv[5] ? atoi(argv[5]) : 0) < 0) {
        die("sem_init");
    }
    __atomic_store_n(&h[1], 1, __ATOMIC_RELEASE);
    printf("initialised\n");
    return 0;
}

static int lock(pthread_mutex_t *m) {
    int r = pthread_mutex_lock(m);
    if (r == EOWNERDEAD) {
        printf("EOWNERDEAD\n");
        check(pthread_mutex_consistent(m), "pthread_mutex_consistent");
        return 0;
    }
    printf("%s\n", r == 0 ? "locked" : strerrorname_np(r));
    return r;
}

static void wait_cond(pthread_cond_t *c, pthread_mutex_t *m) {
    int r = pthread_cond_wait(c, m);
    if (r == EOWNERDEAD) {
        check(pthread_mutex_consistent(m), "pthread_mutex_consistent");
    } else {
        check(r, "pthread_cond_wait");
    }
}

static int mailbox(char **argv, int producer) {
    pthread_mutex_t *m = object(argv[3]);
    pthread_cond_t *c = object(argv[4]);
    volatile int64_t *box = (int64_t *) (base + atol(argv[5]));
    long n = atol(argv[6]);
    ready();
    for (long i = 1; i <= n; i++) {
        int r = pthread_mutex_lock(m);
        if (r == EOWNERDEAD) pthread_mutex_consistent(m); else check(r, "pthread_mutex_lock");
        while (box[0] == producer) wait_cond(c, m);
        if (producer) {
            box[1] = i;
            box[0] = 1;
        } else {
            if (box[1] != i) { fprintf(stderr, "expected %ld, got %ld\n", i, (long) box[1]); exit(5); }
            box[0] = 0;
        }
        check(pthread_cond_broadcast(c), "pthread_cond_broadcast");
        check(pthread_mutex_unlock(m), "pthread_mutex_unlock");
    }
    printf("%s %ld\n", producer ? "produced" : "consumed", n);
    return 0;
}

/* A SharedBarrier: header "JPBR" at OFF; a mutex slot at OFF+8, a condition slot at OFF+56 (each
 * with its own header); uint32 parties, waiting, generation at OFF+112, 116, 120. */
static int barrier_init(long off, uint32_t parties) {
    uint32_t *h = (uint32_t *) (base + off), empty = 0;
    if (!__atomic_compare_exchange_n(&h[0], &empty, MAGIC_BARRIER, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        printf("claimed\n");
        return 0;
    }
    uint32_t *mh = (uint32_t *) (base + off + 8), *ch = (uint32_t *) (base + off + 56);
    mh[0] = MAGIC_MUTEX;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    check(pthread_mutex_init((void *) (mh + 2), &ma), "pthread_mutex_init");
    __atomic_store_n(&mh[1], 1, __ATOMIC_RELEASE);
    ch[0] = MAGIC_COND;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    check(pthread_cond_init((void *) (ch + 2), &ca), "pthread_cond_init");
    __atomic_store_n(&ch[1], 1, __ATOMIC_RELEASE);
    uint32_t *k = (uint32_t *) (base + off + 112);
    k[0] = parties;
    k[1] = 0;
    k[2] = 0;
    __atomic_store_n(&h[1], 1, __ATOMIC_RELEASE);
    printf("initialised\n");
    return 0;
}

static void barrier_wait(long off) {
    pthread_mutex_t *m = (void *) (base + off + 16);
    pthread_cond_t *c = (void *) (base + off + 64);
    volatile uint32_t *k = (uint32_t *) (base + off + 112);
    int r = pthread_mutex_lock(m);
    if (r == EOWNERDEAD) pthread_mutex_consistent(m); else check(r, "pthread_mutex_lock");
    uint32_t generation = k[2];
    if (++k[1] == k[0]) {
        k[1] = 0;
        k[2] = generation + 1;
        check(pthread_cond_broadcast(c), "pthread_cond_broadcast");
    } else {
        while (k[2] == generation) wait_cond(c, m);
    }
    check(pthread_mutex_unlock(m), "pthread_mutex_unlock");
}

static int barrier_rounds(char **argv) {
    long off = atol(argv[3]);
    int64_t *entries = (int64_t *) (base + atol(argv[4]));
    int party = atoi(argv[5]), parties = atoi(argv[6]);
    long rounds = atol(argv[7]);
    ready();
    for (long i = 1; i <= rounds; i++) {
        __atomic_store_n(&entries[party], i, __ATOMIC_RELEASE);
        barrier_wait(off);
        for (int p = 0; p < parties; p++) {
            int64_t e = __atomic_load_n(&entries[p], __ATOMIC_ACQUIRE);
            if (e < i) { fprintf(stderr, "round %ld: party %d only at %ld\n", i, p, (long) e); exit(5); }
        }
    }
    printf("rounds %ld\n", rounds);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: see the comment\n"); return 2; }
    const char *cmd = argv[1];
    map(strcmp(cmd, "init") ? argv[2] : argv[3]);
    if (!strcmp(cmd, "init")) {
        return init(argv);
    }
    if (!strcmp(cmd, "barrier-init")) {
        return barrier_init(atol(argv[3]), (uint32_t) atol(argv[4]));
    }
    if (!strcmp(cmd, "barrier")) {
        return barrier_rounds(argv);
    }
    if (!strcmp(cmd, "lock")) {
        pthread_mutex_t *m = object(argv[3]);
        if (lock(m) == 0) {
            check(pthread_mutex_unlock(m), "pthread_mutex_unlock");
            printf("unlocked\n");
        }
        return 0;
    }
    if (!strcmp(cmd, "hold")) {
        pthread_mutex_t *m = object(argv[3]);
        if (lock(m) != 0) return 1;
        fflush(stdout);
        crash_point("holding");
        check(pthread_mutex_unlock(m), "pthread_mutex_unlock");
        printf("unlocked\n");
        return 0;
    }
    if (!strcmp(cmd, "trylock")) {
        pthread_mutex_t *m = object(argv[3]);
        int r = pthread_mutex_trylock(m);
        printf("%s\n", r == 0 ? "locked" : strerrorname_np(r));
        if (r == 0) pthread_mutex_unlock(m);
        return 0;
    }
    if (!strcmp(cmd, "unlock")) {
        printf("%s\n", name_of(pthread_mutex_unlock(object(argv[3]))));
        return 0;
    }
    if (!strcmp(cmd, "count")) {
        pthread_mutex_t *m = object(argv[3]);
        volatile int64_t *counter = (int64_t *) (base + atol(argv[4]));
        long n = atol(argv[5]);
        ready();
        for (long i = 0; i < n; i++) {
            check(pthread_mutex_lock(m), "pthread_mutex_lock");
            int64_t v = *counter;
            if (i % 64 == 0) sched_yield();
            *counter = v + 1;
            check(pthread_mutex_unlock(m), "pthread_mutex_unlock");
        }
        printf("counted %ld\n", n);
        return 0;
    }
    if (!strcmp(cmd, "produce") || !strcmp(cmd, "consume")) {
        return mailbox(argv, !strcmp(cmd, "produce"));
    }
    if (!strcmp(cmd, "signal")) {
        check(pthread_cond_broadcast(object(argv[3])), "pthread_cond_broadcast");
        printf("signalled\n");
        return 0;
    }
    if (!strcmp(cmd, "sem-wait")) {
        ready();
        if (sem_wait(object(argv[3])) < 0) die("sem_wait");
        printf("acquired\n");
        return 0;
    }
    if (!strcmp(cmd, "sem-post")) {
        int n = atoi(argv[4]);
        for (int i = 0; i < n; i++) if (sem_post(object(argv[3])) < 0) die("sem_post");
        printf("posted %d\n", n);
        return 0;
    }
    if (!strcmp(cmd, "sem-value")) {
        int v;
        if (sem_getvalue(object(argv[3]), &v) < 0) die("sem_getvalue");
        printf("%d\n", v);
        return 0;
    }
    if (!strcmp(cmd, "read-hold") || !strcmp(cmd, "write-hold")) {
        pthread_rwlock_t *l = object(argv[3]);
        int write = !strcmp(cmd, "write-hold");
        check(write ? pthread_rwlock_wrlock(l) : pthread_rwlock_rdlock(l), "pthread_rwlock_lock");
        printf("%s\n", write ? "write-locked" : "read-locked");
        fflush(stdout);
        crash_point("holding");
        check(pthread_rwlock_unlock(l), "pthread_rwlock_unlock");
        printf("unlocked\n");
        return 0;
    }
    if (!strcmp(cmd, "tryread") || !strcmp(cmd, "trywrite")) {
        pthread_rwlock_t *l = object(argv[3]);
        int r = !strcmp(cmd, "trywrite") ? pthread_rwlock_trywrlock(l) : pthread_rwlock_tryrdlock(l);
        printf("%s\n", r == 0 ? "locked" : strerrorname_np(r));
        if (r == 0) pthread_rwlock_unlock(l);
        return 0;
    }
    fprintf(stderr, "unknown command %s\n", cmd);
    return 2;
}
