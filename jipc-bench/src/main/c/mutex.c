/*
 * `jipc bench` C baseline for `mutex`: a lock handoff through process-shared robust,
 * error-checking pthread mutexes in shared memory, the protocol and the layout of
 * io.jipc.bench.MutexMechanism (jipc's slots: an 8-byte header, then the pthread_mutex_t; six
 * 48-byte slots, the parent's three then the child's, then the two sequence stamps 64 bytes
 * apart). A sender holds its mutexes k and k+1 (mod 3), the receiver the sender's k-1: sending
 * message k unlocks mutex k (the receiver is blocked on it in pthread_mutex_lock) and locks k+2,
 * which the receiver unlocks once it has k. The first four bytes of each message travel in the
 * segment, written before the unlock and read after the lock.
 *
 * The segment is an anonymous shared mapping made before the fork; the parent takes its starting
 * mutexes (0, 1 and the child's 5) before the fork, the child its own (3, 4 and the parent's 2)
 * after it, and the parent waits until it has. A process that dies releases its mutexes (robust):
 * the other side's lock then says EOWNERDEAD, and it fails instead of waiting.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include "bench.h"

#define SLOT 48
#define PARENT_STAMP 320
#define CHILD_STAMP 384
#define SIZE 388
#define MAGIC_MUTEX 0x4A504D58u

static char *seg;
static int out_base, in_base;
static long out_stamp, in_stamp;
static int send_at, receive_at;

static pthread_mutex_t *mutex(int i) {
    return (pthread_mutex_t *) (seg + i * SLOT + 8);
}

static void lock(int i) {
    int r = pthread_mutex_lock(mutex(i));
    if (r != 0) {
        errno = r;
        die("pthread_mutex_lock %d (the other process died?)", i);
    }
}

static void unlock(int i) {
    int r = pthread_mutex_unlock(mutex(i));
    if (r != 0) {
        errno = r;
        die("pthread_mutex_unlock %d", i);
    }
}

static void mech_prepare(const char *arg) {
    (void) arg;
    seg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (seg == MAP_FAILED) die("mmap");
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    for (int i = 0; i < 6; i++) {
        uint32_t *header = (uint32_t *) (seg + i * SLOT);
        header[0] = MAGIC_MUTEX;
        int r = pthread_mutex_init(mutex(i), &a);
        if (r != 0) {
            errno = r;
            die("pthread_mutex_init");
        }
        __atomic_store_n(&header[1], 1, __ATOMIC_RELEASE);
    }
    pthread_mutexattr_destroy(&a);
    lock(0);
    lock(1);
    lock(5);
}

static int held(int i) {
    return __atomic_load_n((int *) mutex(i), __ATOMIC_ACQUIRE) != 0;
}

static void mech_open(int role) {
    out_base = role == ROLE_PARENT ? 0 : 3;
    in_base = role == ROLE_PARENT ? 3 : 0;
    out_stamp = role == ROLE_PARENT ? PARENT_STAMP : CHILD_STAMP;
    in_stamp = role == ROLE_PARENT ? CHILD_STAMP : PARENT_STAMP;
    if (role == ROLE_CHILD) {
        lock(3);
        lock(4);
        lock(2);
    } else {
        while (!held(2) || !held(3) || !held(4)) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
}

static void mech_send(const void *buf, size_t n) {
    memcpy(seg + out_stamp, buf, n < 4 ? n : 4);
    unlock(out_base + send_at);
    lock(out_base + (send_at + 2) % 3);
    send_at = (send_at + 1) % 3;
}

static void mech_recv(void *buf, size_t n) {
    lock(in_base + receive_at);
    /* Read before the unlock below lets the sender return and write its next message. */
    memcpy(buf, seg + in_stamp, n < 4 ? n : 4);
    unlock(in_base + (receive_at + 2) % 3);
    receive_at = (receive_at + 1) % 3;
}

static void mech_cleanup(void) {
    munmap(seg, 4096);
}
