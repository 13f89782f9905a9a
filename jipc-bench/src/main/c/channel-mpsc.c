/*
 * `jipc bench` C baseline for `channel-mpsc`: per direction, one many-producer ring of
 * docs/channel-layout.md (layout version 2: a 512-byte header, 8 producer slots of 64 bytes, 1 MiB
 * of records) in a MAP_SHARED anonymous mapping made before the fork — the same memory, framing,
 * ordering and futex protocol as io.jipc.channel's many-producer channel. Each direction has one
 * producer (this exchange is between two processes), which still claims the way many do: its slot's
 * claim, a CAS of the tail, the record's header "in progress", the payload, then the commit in the
 * header (a release store with the sleep barrier of sleep-barrier.h, as jipc's default; else
 * sequentially consistent) and a FUTEX_WAKE only if the reader says it sleeps. The reader
 * copies one record out, zeroes it, and publishes head likewise. Waiting is channel.c's: 100 spins,
 * 10 yields, then FUTEX_WAIT in 100 ms slices.
 */
#include <limits.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include "bench.h"
#include "sleep-barrier.h"

#define SLOTS 8
#define HEADER_SIZE (512 + 64 * SLOTS)
#define CAPACITY (1ULL << 20)
#define OFF_TAIL 128
#define OFF_HEAD 256
#define OFF_READER_SLEEPING 384
#define OFF_WRITER_SLEEPING 388
#define OFF_SLOT0_CLAIM (512 + 8)
#define NO_CLAIM UINT64_MAX
#define PADDING (-1)
#define SPINS 100
#define YIELDS 10

struct ring {
    unsigned char *base;
    unsigned char *data;
    uint64_t head; /* the reader's */
};

static unsigned char *mapping;
static struct ring out_ring;
static struct ring in_ring;
static volatile sig_atomic_t broken;
static int32_t pid;

#define U64(r, off) ((uint64_t *) ((r)->base + (off)))
#define I32(r, off) ((int32_t *) ((r)->base + (off)))
#define HDR(r, pos) ((uint64_t *) ((r)->data + ((pos) & (CAPACITY - 1))))

static void break_channel(void) {
    broken = 1;
}

static uint64_t framed(uint64_t len) {
    return (8 + len + 7) & ~7ULL;
}

static uint64_t header(int32_t size, int32_t type) {
    return (uint64_t) (uint32_t) size | (uint64_t) (uint32_t) type << 32;
}

static void init_ring(unsigned char *base) {
    *(int32_t *) (base + 8) = 2;
    *(int32_t *) (base + 12) = HEADER_SIZE;
    *(uint64_t *) (base + 16) = CAPACITY;
    *(int32_t *) (base + 24) = (int32_t) (CAPACITY / 2);
    *(int32_t *) (base + 28) = SLOTS;
    for (int i = 0; i < SLOTS; i++) *(uint64_t *) (base + 512 + 64 * i + 8) = NO_CLAIM;
    *(uint64_t *) (base + 512) = (1ULL << 32) | (uint32_t) getpid(); /* slot 0: this direction's producer */
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
    pid = (int32_t) getpid();
}

static void wake_if_sleeping(int32_t *word) {
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != 0 && __atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST) != 0) {
        syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    }
}

/* The writer: room for f bytes at the tail as it is now; the reader: the record at head committed. */
static int ready_for(struct ring *r, int writer, uint64_t f) {
    if (writer) {
        uint64_t t = __atomic_load_n(U64(r, OFF_TAIL), __ATOMIC_ACQUIRE);
        uint64_t o = t & (CAPACITY - 1);
        uint64_t pad = f > CAPACITY - o ? CAPACITY - o : 0;
        return t + pad + f - __atomic_load_n(U64(r, OFF_HEAD), __ATOMIC_SEQ_CST) <= CAPACITY;
    }
    return (int32_t) (uint32_t) __atomic_load_n(HDR(r, r->head), __ATOMIC_ACQUIRE) > 0;
}

static void await(struct ring *r, int writer, uint64_t f) {
    for (int i = 0; i < SPINS; i++) {
        if (ready_for(r, writer, f)) return;
#if defined(__x86_64__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ volatile("yield");
#endif
    }
    for (int i = 0; i < YIELDS; i++) {
        if (ready_for(r, writer, f)) return;
        sched_yield();
    }
    int32_t *word = I32(r, writer ? OFF_WRITER_SLEEPING : OFF_READER_SLEEPING);
    struct timespec slice = {0, 100 * 1000 * 1000};
    for (;;) {
        if (!announce(word, writer)) continue; /* producers share theirs */
        if (ready_for(r, writer, f)) {
            if (!writer) __atomic_store_n(word, 0, __ATOMIC_SEQ_CST); /* producers share theirs: only the reader clears it */
            return;
        }
        if (broken) {
            errno = 0;
            die("the other process failed");
        }
        syscall(SYS_futex, word, FUTEX_WAIT, 1, &slice, NULL, 0);
        if (!writer) __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
    }
}

static void mech_send(const void *buf, size_t n) {
    struct ring *r = &out_ring;
    if (n > CAPACITY / 2 - 8) {
        errno = 0;
        die("a %zu-byte message is more than a %llu-byte channel takes", n, (unsigned long long) CAPACITY);
    }
    uint64_t f = framed(n), t, o, pad;
    for (;;) {
        t = __atomic_load_n(U64(r, OFF_TAIL), __ATOMIC_ACQUIRE);
        o = t & (CAPACITY - 1);
        pad = f > CAPACITY - o ? CAPACITY - o : 0;
        if (t + pad + f - __atomic_load_n(U64(r, OFF_HEAD), __ATOMIC_ACQUIRE) > CAPACITY) {
            __atomic_store_n(U64(r, OFF_SLOT0_CLAIM), NO_CLAIM, __ATOMIC_RELEASE);
            await(r, 1, f);
            continue;
        }
        __atomic_store_n(U64(r, OFF_SLOT0_CLAIM), t, __ATOMIC_RELEASE);
        if (__atomic_compare_exchange_n(U64(r, OFF_TAIL), &t, t + pad + f, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) break;
    }
    uint64_t at = t + pad;
    __atomic_store_n(HDR(r, at), header(-(int32_t) (8 + n), pid), __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    if (pad) __atomic_store_n(HDR(r, t), header((int32_t) pad, PADDING), __ATOMIC_RELEASE);
    __atomic_store_n(U64(r, OFF_SLOT0_CLAIM), NO_CLAIM, __ATOMIC_RELEASE);
    memcpy(r->data + (at & (CAPACITY - 1)) + 8, buf, n);
    publish(HDR(r, at), header((int32_t) (8 + n), 0));
    wake_if_sleeping(I32(r, OFF_READER_SLEEPING));
}

static void mech_recv(void *buf, size_t n) {
    struct ring *r = &in_ring;
    uint64_t from = r->head;
    for (;;) {
        if (!ready_for(r, 0, 0)) await(r, 0, 0);
        uint64_t o = r->head & (CAPACITY - 1);
        uint64_t hdr = __atomic_load_n(HDR(r, r->head), __ATOMIC_ACQUIRE);
        int32_t size = (int32_t) (uint32_t) hdr;
        int32_t type = (int32_t) (hdr >> 32);
        uint64_t f = ((uint64_t) size + 7) & ~7ULL;
        if (type == PADDING) {
            r->head += f;
            continue;
        }
        if ((size_t) size - 8 != n) {
            errno = 0;
            die("a %d-byte record where %zu bytes were sent", size - 8, n);
        }
        memcpy(buf, r->data + o + 8, n);
        r->head += f;
        /* Zero what was consumed (padding and all), then publish head. */
        uint64_t zo = from & (CAPACITY - 1), len = r->head - from;
        uint64_t first = len < CAPACITY - zo ? len : CAPACITY - zo;
        memset(r->data + zo, 0, first);
        if (len > first) memset(r->data, 0, len - first);
        publish(U64(r, OFF_HEAD), r->head);
        wake_if_sleeping(I32(r, OFF_WRITER_SLEEPING));
        return;
    }
}

static void mech_cleanup(void) {
}
