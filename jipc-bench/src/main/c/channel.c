/*
 * `jipc bench` C baseline for `channel`: per direction, one ring of docs/channel-layout.md (a
 * 512-byte header and 1 MiB of records) in a MAP_SHARED anonymous mapping made before the fork —
 * the same memory, framing, ordering and futex protocol as io.jipc.channel. A message is one
 * record: mech_send claims room, copies the message in and publishes the tail, then wakes the
 * reader only if its futex word says it sleeps; mech_recv copies one record out and publishes the
 * head likewise. Publications are release stores and a side about to sleep barriers the other
 * with membarrier (sleep-barrier.h: the layout's feature 1, jipc's default where the kernel has
 * it), else sequentially consistent stores. Waiting is the channel's default: 100 spins, 10
 * yields, then FUTEX_WAIT on the side's word in 100 ms slices (bench_on_failure sets `broken`,
 * which a sleeper looks at between slices). No descriptors: the JIPC_BLOCKING_MODEL build is the
 * same program.
 */
#include <limits.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "bench.h"
#include "sleep-barrier.h"

#define HEADER_SIZE 512
#define CAPACITY (1ULL << 20)
#define OFF_TAIL 128
#define OFF_HEAD 256
#define OFF_READER_SLEEPING 384
#define OFF_WRITER_SLEEPING 388
#define PADDING (-1)
#define SPINS 100
#define YIELDS 10

struct ring {
    unsigned char *base;
    unsigned char *data;
    uint64_t position; /* the tail for the writer, the head for the reader */
};

static unsigned char *mapping;
static struct ring out_ring;
static struct ring in_ring;
static volatile sig_atomic_t broken;

#define U64(r, off) ((uint64_t *) ((r)->base + (off)))
#define I32(r, off) ((int32_t *) ((r)->base + (off)))

static void break_channel(void) {
    broken = 1;
}

static uint32_t framed(uint32_t len) {
    return (8 + len + 7) & ~7u;
}

static void init_ring(unsigned char *base) {
    *(int32_t *) (base + 8) = 1;
    *(int32_t *) (base + 12) = HEADER_SIZE;
    *(uint64_t *) (base + 16) = CAPACITY;
    *(int32_t *) (base + 24) = (int32_t) (CAPACITY / 2);
    *(int32_t *) (base + OFF_FEATURES) = barrier_features();
    __atomic_store_n((uint64_t *) base, 0x314E48434350494AULL, __ATOMIC_RELEASE);
}

static void mech_prepare(const char *arg) {
    (void) arg;
    bench_on_failure = break_channel;
    size_t one = HEADER_SIZE + CAPACITY;
    mapping = mmap(NULL, 2 * one, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) die("mmap");
    init_ring(mapping);
    init_ring(mapping + one);
}

static void mech_open(int role) {
    size_t one = HEADER_SIZE + CAPACITY;
    unsigned char *to_child = mapping;
    unsigned char *to_parent = mapping + one;
    out_ring.base = role == ROLE_PARENT ? to_child : to_parent;
    in_ring.base = role == ROLE_PARENT ? to_parent : to_child;
    out_ring.data = out_ring.base + HEADER_SIZE;
    in_ring.data = in_ring.base + HEADER_SIZE;
    barrier_register();
}

static void wake_if_sleeping(int32_t *word) {
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != 0 && __atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST) != 0) {
        syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

/* Whether the reader has records (its tail moved) or the writer room for need bytes. */
static int ready_for(struct ring *r, int writer, uint64_t need) {
    if (writer) return r->position + need - __atomic_load_n(U64(r, OFF_HEAD), __ATOMIC_SEQ_CST) <= CAPACITY;
    return __atomic_load_n(U64(r, OFF_TAIL), __ATOMIC_ACQUIRE) != r->position;
}

/* Waits until ready_for: spin, yield, then the futex sleep of "Waiting". */
static void await(struct ring *r, int writer, uint64_t need) {
    for (int i = 0; i < SPINS; i++) {
        if (ready_for(r, writer, need)) return;
#if defined(__x86_64__)
        __builtin_ia32_pause(); /* what Thread.onSpinWait() emits */
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    }
    for (int i = 0; i < YIELDS; i++) {
        if (ready_for(r, writer, need)) return;
        sched_yield();
    }
    int32_t *word = I32(r, writer ? OFF_WRITER_SLEEPING : OFF_READER_SLEEPING);
    struct timespec slice = {0, 100 * 1000 * 1000};
    for (;;) {
        if (!announce(word, 0)) continue;
        if (ready_for(r, writer, need)) {
            __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
            return;
        }
        if (broken) {
            errno = 0;
            die("the other process failed");
        }
        syscall(SYS_futex, word, FUTEX_WAIT, 1, &slice, NULL, 0);
        __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
    }
}

static void mech_send(const void *buf, size_t n) {
    struct ring *r = &out_ring;
    if (n > CAPACITY / 2 - 8) {
        errno = 0;
        die("a %zu-byte message is more than a %llu-byte channel takes", n, (unsigned long long) CAPACITY);
    }
    uint32_t f = framed((uint32_t) n);
    uint64_t o = r->position & (CAPACITY - 1);
    uint64_t pad = f > CAPACITY - o ? CAPACITY - o : 0;
    if (!ready_for(r, 1, pad + f)) await(r, 1, pad + f);
    if (pad) {
        *(int32_t *) (r->data + o) = (int32_t) (pad - 8);
        *(int32_t *) (r->data + o + 4) = PADDING;
        o = 0;
    }
    memcpy(r->data + o + 8, buf, n);
    *(int32_t *) (r->data + o) = (int32_t) n;
    *(int32_t *) (r->data + o + 4) = 0;
    r->position += pad + f;
    publish(U64(r, OFF_TAIL), r->position);
    wake_if_sleeping(I32(r, OFF_READER_SLEEPING));
}

static void mech_recv(void *buf, size_t n) {
    struct ring *r = &in_ring;
    for (;;) {
        if (!ready_for(r, 0, 0)) await(r, 0, 0);
        uint64_t o = r->position & (CAPACITY - 1);
        int32_t len = *(int32_t *) (r->data + o);
        int32_t type = *(int32_t *) (r->data + o + 4);
        if (type == PADDING) {
            r->position += CAPACITY - o;
            continue;
        }
        if ((size_t) len != n) {
            errno = 0;
            die("a %d-byte record where %zu bytes were sent", len, n);
        }
        memcpy(buf, r->data + o + 8, n);
        r->position += framed((uint32_t) len);
        publish(U64(r, OFF_HEAD), r->position);
        wake_if_sleeping(I32(r, OFF_WRITER_SLEEPING));
        return;
    }
}

static void mech_cleanup(void) {
}
