/*
 * A channel reader and writer in C, written from docs/channel-layout.md alone (no jipc code): the
 * proof that the layout is a specification another language can follow.
 *
 *   channel_peer write NAME COUNT SEED MAXLEN [CAPACITY [FEATURES]]
 *                                                          attach as writer (create the channel when
 *                                                          CAPACITY is given, with FEATURES, by default
 *                                                          1, the sleep barrier, where the kernel has
 *                                                          it) and write COUNT records
 *   channel_peer read  NAME COUNT SEED MAXLEN              attach as reader, read until end of stream,
 *                                                          checking COUNT records
 *   channel_peer crash-write NAME COUNT SEED MAXLEN        write COUNT records, then claim one more,
 *                                                          write half its payload and stop at crash
 *                                                          point "mid-record" (the test kills us there)
 *   channel_peer report-write NAME COUNT SEED MAXLEN 0 REPORT
 *                                                          stop at crash point "start", then write
 *                                                          COUNT records, appending "sent N" to the file
 *                                                          REPORT after each commit (the crash suite
 *                                                          kills us anywhere)
 *   channel_peer crash-read NAME                           read one batch without storing head, then
 *                                                          stop at crash point "mid-batch"
 *
 * Record i has type i, a payload of len(i) = (i * 2654435761 + SEED) mod (MAXLEN + 1) bytes, and
 * payload byte b is (i * 31 + b) mod 256. Prints "ready" once attached, then "wrote N" or "read N".
 * Exit 3 on any error, with the reason on stderr.
 *
 * Many producers (layout version 2, "Many producers" in the document):
 *
 *   channel_peer mwrite NAME P COUNT SEED MAXLEN [CAPACITY SLOTS [FEATURES]]
 *                                                          attach as producer P (create the channel
 *                                                          when CAPACITY and SLOTS are given)
 *                                                          and write P's COUNT records
 *   channel_peer crash-mwrite NAME P COUNT SEED MAXLEN      then claim one more, write half its payload,
 *                                                          stop at crash point "mid-record"
 *   channel_peer crash-mclaim NAME P COUNT SEED MAXLEN      then take room by the CAS of tail and stop
 *                                                          before writing anything, at crash point "claimed"
 *   channel_peer mread NAME PRODUCERS COUNT SEED MAXLEN     read to end of stream (getting past dead
 *                                                          producers' claims), checking COUNT records of
 *                                                          each producer 0..PRODUCERS-1, each in its order
 *
 * Producer P's record i has type P and mlen(i) = 8 + (i * 2654435761 + SEED + P) mod (MAXLEN - 7)
 * bytes: i as a little-endian 64-bit integer, then byte b = (i * 31 + b + P) mod 256.
 */
#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include "jipc_test.h"

#define HEADER_SIZE 512
#define MAGIC 0x314E48434350494AULL
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_HEADER_SIZE 12
#define OFF_CAPACITY 16
#define OFF_MAX_RECORD 24
#define OFF_FEATURES 32
#define FEATURE_SLEEP_BARRIER 1
#define OFF_TAIL 128
#define OFF_WRITER 136
#define OFF_HEAD 256
#define OFF_READER 264
#define OFF_READER_SLEEPING 384
#define OFF_WRITER_SLEEPING 388
#define PADDING (-1)
#define OFF_SLOTS 28
#define SLOT_BASE 512
#define SLOT_SIZE 64
#define NO_CLAIM UINT64_MAX

#define fail(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(3); } while (0)

static unsigned char *base;
static unsigned char *ring;
static uint64_t capacity;
static uint32_t max_record;
static uint32_t slots; /* 0: a version-1 channel */
static int sleep_barrier;  /* the channel has feature 1: barrier before sleeping */
static int release_stores; /* and this process registered: publish with release stores */

#define U64(off) ((uint64_t *) (base + (off)))
#define I32(off) ((int32_t *) (base + (off)))

static uint32_t len_of(uint64_t i, uint64_t seed, uint64_t maxlen) {
    return (uint32_t) ((i * 2654435761ULL + seed) % (maxlen + 1));
}

static uint32_t framed(uint32_t len) {
    return (8 + len + 7) & ~7u;
}

static long futex(int32_t *word, int op, int val, const struct timespec *timeout) {
    return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

/* Whether pid runs: pidfd_open fails with ESRCH once it is reaped; its pidfd is readable once it exited. */
static int alive(pid_t pid) {
    if (pid <= 0) return 0;
    int fd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return errno != ESRCH;
    struct pollfd p = {fd, POLLIN, 0};
    int exited = poll(&p, 1, 0) > 0;
    close(fd);
    return !exited;
}

/* "Sleep barrier": whether this kernel has both global expedited membarrier commands. */
static int barrier_available(void) {
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    int both = MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
    return q >= 0 && (q & both) == both;
}

static int create_features = -1; /* -1: the default, the sleep barrier where available */

static void map_channel_v(const char *name, uint64_t create_capacity, uint32_t create_slots);

static void map_channel(const char *name, uint64_t create_capacity) {
    map_channel_v(name, create_capacity, 0);
    if (slots) fail("%s: a many-producer channel", name);
}

static void map_channel_v(const char *name, uint64_t create_capacity, uint32_t create_slots) {
    int fd;
    size_t size;
    if (create_capacity) {
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) die("shm_open");
        size = (create_slots ? HEADER_SIZE + SLOT_SIZE * create_slots : HEADER_SIZE) + create_capacity;
        if (ftruncate(fd, (off_t) size) != 0) die("ftruncate");
    } else {
        fd = shm_open(name, O_RDWR, 0);
        if (fd < 0) die("shm_open");
        struct stat st;
        if (fstat(fd, &st) != 0) die("fstat");
        size = (size_t) st.st_size;
        if (size < HEADER_SIZE) fail("%s: too small to be a channel", name);
    }
    base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) die("mmap");
    close(fd);
    if (create_capacity) {
        /* "Creation": every field but magic, then magic with release ordering, last. */
        *I32(OFF_VERSION) = create_slots ? 2 : 1;
        *I32(OFF_HEADER_SIZE) = (int32_t) (create_slots ? HEADER_SIZE + SLOT_SIZE * create_slots : HEADER_SIZE);
        *U64(OFF_CAPACITY) = create_capacity;
        *I32(OFF_MAX_RECORD) = (int32_t) (create_capacity / 2);
        *I32(OFF_FEATURES) = create_features >= 0 ? create_features : barrier_available() ? FEATURE_SLEEP_BARRIER : 0;
        if (create_slots) {
            *I32(OFF_SLOTS) = (int32_t) create_slots;
            for (uint32_t i = 0; i < create_slots; i++) *U64(SLOT_BASE + SLOT_SIZE * i + 8) = NO_CLAIM;
        }
        __atomic_store_n(U64(OFF_MAGIC), MAGIC, __ATOMIC_RELEASE);
    }
    if (__atomic_load_n(U64(OFF_MAGIC), __ATOMIC_ACQUIRE) != MAGIC) fail("%s: not an initialised channel", name);
    int32_t version = *I32(OFF_VERSION);
    slots = version == 2 ? (uint32_t) *I32(OFF_SLOTS) : 0;
    uint64_t header_size = version == 2 ? HEADER_SIZE + SLOT_SIZE * (uint64_t) slots : HEADER_SIZE;
    if ((version != 1 && version != 2) || (version == 2 && (slots < 2 || slots > 1024))
            || (uint64_t) *I32(OFF_HEADER_SIZE) != header_size) {
        fail("%s: unknown version", name);
    }
    capacity = *U64(OFF_CAPACITY);
    max_record = (uint32_t) *I32(OFF_MAX_RECORD);
    if (capacity < 1024 || capacity > (1ULL << 30) || (capacity & (capacity - 1)) != 0 || max_record != capacity / 2
            || header_size + capacity > size) {
        fail("%s: corrupt header", name);
    }
    ring = base + header_size;
    int32_t features = *I32(OFF_FEATURES);
    if (features & ~FEATURE_SLEEP_BARRIER) fail("%s: unknown layout features 0x%x", name, (unsigned) features);
    sleep_barrier = features & FEATURE_SLEEP_BARRIER;
    if (sleep_barrier) {
        if (!barrier_available()) fail("%s: the channel needs the sleep barrier, which this kernel lacks", name);
        release_stores = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
    }
}

/* Stores a position or a commit: release with the sleep barrier (and a compiler barrier before the
 * futex word's load that follows), else sequentially consistent. */
static void publish(uint64_t *where, uint64_t value) {
    if (release_stores) {
        __atomic_store_n(where, value, __ATOMIC_RELEASE);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
    } else {
        __atomic_store_n(where, value, __ATOMIC_SEQ_CST);
    }
}

/* "Waiting", step 2: say we sleep; with the sleep barrier, barrier every registered process. 0 if
 * the barrier failed: the caller must look, not sleep (the word is cleared again unless it is
 * shared, as producers' writer_sleeping is). */
static int announce(int32_t *word, int shared) {
    __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
    if (sleep_barrier && syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) != 0) {
        if (!shared) __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
        return 0;
    }
    return 1;
}

/* "Attaching": CAS from what we read to 1 << 32 | pid, unless a live process holds the side. */
static void attach(size_t off) {
    uint64_t mine = (1ULL << 32) | (uint32_t) getpid();
    uint64_t word = __atomic_load_n(U64(off), __ATOMIC_SEQ_CST);
    for (;;) {
        if ((word >> 32) == 1 && alive((pid_t) (uint32_t) word)) fail("side taken by process %u", (uint32_t) word);
        if (__atomic_compare_exchange_n(U64(off), &word, mine, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return;
    }
}

static void wake_if_sleeping(size_t word_off) {
    int32_t *word = I32(word_off);
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != 0 && __atomic_exchange_n(word, 0, __ATOMIC_SEQ_CST) != 0) {
        futex(word, FUTEX_WAKE, INT_MAX, NULL);
    }
}

static void detach(size_t off, size_t other_sleeping) {
    uint64_t mine = (1ULL << 32) | (uint32_t) getpid();
    uint64_t closed = (2ULL << 32) | (uint32_t) getpid();
    __atomic_compare_exchange_n(U64(off), &mine, closed, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    wake_if_sleeping(other_sleeping);
}

/*
 * "Waiting": spin a little, then say so in our word, look again, sleep in 100 ms slices; between
 * slices look at the other side's attach word. can_go() says whether to go on; returns 1 when
 * ready, 0 when the other side closed or died.
 */
static int await(int (*can_go)(void *), void *arg, size_t my_word_off, size_t other_attach_off) {
    for (int i = 0; i < 1000; i++) {
        if (can_go(arg)) return 1;
        sched_yield();
    }
    int32_t *word = I32(my_word_off);
    struct timespec slice = {0, 100 * 1000 * 1000};
    for (;;) {
        if (!announce(word, 0)) continue;
        if (can_go(arg)) {
            __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
            return 1;
        }
        uint64_t other = __atomic_load_n(U64(other_attach_off), __ATOMIC_SEQ_CST);
        if ((other >> 32) == 2 || ((other >> 32) == 1 && !alive((pid_t) (uint32_t) other))) {
            __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
            return can_go(arg);
        }
        futex(word, FUTEX_WAIT, 1, &slice);
        __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
    }
}

/* ---------------------------------------------------------------- writer */

static uint64_t tail;
static uint64_t need;

static int room(void *unused) {
    (void) unused;
    return tail + need - __atomic_load_n(U64(OFF_HEAD), __ATOMIC_SEQ_CST) <= capacity;
}

/* "Writing one record", steps 1 to 3; returns the payload's address (the record's header is written at commit). */
static unsigned char *claim(uint32_t len, uint64_t *at) {
    uint32_t f = framed(len);
    uint64_t o = tail & (capacity - 1);
    uint64_t pad = f > capacity - o ? capacity - o : 0;
    need = pad + f;
    if (!room(NULL) && !await(room, NULL, OFF_WRITER_SLEEPING, OFF_READER)) fail("the reader is gone and the channel is full");
    if (pad) {
        *(int32_t *) (ring + o) = (int32_t) (pad - 8);
        *(int32_t *) (ring + o + 4) = PADDING;
        o = 0;
    }
    *at = tail + pad;
    return ring + o + 8;
}

/* Steps 4 and 5: the header, then tail (sequentially consistent), then wake the reader if it sleeps. */
static void commit(uint64_t at, int32_t type, uint32_t len) {
    uint64_t o = at & (capacity - 1);
    *(int32_t *) (ring + o) = (int32_t) len;
    *(int32_t *) (ring + o + 4) = type;
    tail = at + framed(len);
    publish(U64(OFF_TAIL), tail);
    wake_if_sleeping(OFF_READER_SLEEPING);
}

static int report = -1;

static void write_records(uint64_t count, uint64_t seed, uint64_t maxlen) {
    for (uint64_t i = 0; i < count; i++) {
        uint32_t len = len_of(i, seed, maxlen);
        uint64_t at;
        unsigned char *p = claim(len, &at);
        for (uint32_t b = 0; b < len; b++) p[b] = (unsigned char) (i * 31 + b);
        commit(at, (int32_t) (i & 0x7fffffff), len);
        if (report >= 0) {
            char line[32];
            int n = snprintf(line, sizeof line, "sent %llu\n", (unsigned long long) i + 1);
            if (write(report, line, n) != n) exit(4);
        }
    }
}

/* ---------------------------------------------------------------- reader */

static uint64_t head;

static int records(void *unused) {
    (void) unused;
    return __atomic_load_n(U64(OFF_TAIL), __ATOMIC_SEQ_CST) != head;
}

static void store_head(void) {
    publish(U64(OFF_HEAD), head);
    wake_if_sleeping(OFF_WRITER_SLEEPING);
}

/* Reads what is there now (up to limit records), checking each; returns how many records. */
static uint64_t read_batch(uint64_t *index, uint64_t seed, uint64_t maxlen, uint64_t limit) {
    uint64_t t = __atomic_load_n(U64(OFF_TAIL), __ATOMIC_ACQUIRE);
    uint64_t n = 0;
    while (head != t && n < limit) {
        uint64_t o = head & (capacity - 1);
        int32_t len = *(int32_t *) (ring + o);
        int32_t type = *(int32_t *) (ring + o + 4);
        if (type == PADDING) {
            if ((uint64_t) len != capacity - o - 8) fail("bad padding at %llu", (unsigned long long) head);
            head += capacity - o;
            continue;
        }
        if (len < 0 || (uint32_t) len > max_record - 8 || framed((uint32_t) len) > capacity - o) {
            fail("corrupt record header at %llu", (unsigned long long) head);
        }
        uint64_t i = *index;
        if (type != (int32_t) (i & 0x7fffffff)) fail("record %llu has type %d", (unsigned long long) i, type);
        if ((uint32_t) len != len_of(i, seed, maxlen)) fail("record %llu has length %d", (unsigned long long) i, len);
        const unsigned char *p = ring + o + 8;
        for (int32_t b = 0; b < len; b++) {
            if (p[b] != (unsigned char) (i * 31 + (uint64_t) b)) fail("record %llu: byte %d wrong", (unsigned long long) i, b);
        }
        head += framed((uint32_t) len);
        (*index)++;
        n++;
    }
    return n;
}

/* ---------------------------------------------------------------- many producers (version 2) */

#define SLOT_ATTACH(i) U64(SLOT_BASE + SLOT_SIZE * (size_t) (i))
#define SLOT_CLAIM(i) U64(SLOT_BASE + SLOT_SIZE * (size_t) (i) + 8)
#define HDR(pos) ((uint64_t *) (ring + ((pos) & (capacity - 1))))

static uint32_t my_slot;

static uint64_t header(int32_t size, int32_t type) {
    return (uint64_t) (uint32_t) size | (uint64_t) (uint32_t) type << 32;
}

static uint32_t mlen(uint64_t i, uint64_t p, uint64_t seed, uint64_t maxlen) {
    return 8 + (uint32_t) ((i * 2654435761ULL + seed + p) % (maxlen - 7));
}

/* "Producer slots": a free slot, or a dead producer's whose claim no longer matters. */
static void attach_slot(void) {
    uint64_t mine = (1ULL << 32) | (uint32_t) getpid();
    for (uint32_t i = 0; i < slots; i++) {
        uint64_t word = __atomic_load_n(SLOT_ATTACH(i), __ATOMIC_SEQ_CST);
        if ((word >> 32) == 1) {
            if (alive((pid_t) (uint32_t) word)) continue;
            uint64_t claim = __atomic_load_n(SLOT_CLAIM(i), __ATOMIC_SEQ_CST);
            uint64_t h = __atomic_load_n(U64(OFF_HEAD), __ATOMIC_SEQ_CST);
            uint64_t t = __atomic_load_n(U64(OFF_TAIL), __ATOMIC_SEQ_CST);
            if (claim != NO_CLAIM && claim >= h && claim != t) continue;
        }
        if (__atomic_compare_exchange_n(SLOT_ATTACH(i), &word, mine, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            __atomic_store_n(SLOT_CLAIM(i), NO_CLAIM, __ATOMIC_SEQ_CST);
            my_slot = i;
            return;
        }
        i--; /* the slot changed under us: look again */
    }
    fail("all %u producer slots are taken", slots);
}

static uint64_t mneed;

static int mroom(void *unused) {
    (void) unused;
    uint64_t t = __atomic_load_n(U64(OFF_TAIL), __ATOMIC_SEQ_CST);
    uint64_t o = t & (capacity - 1);
    uint64_t pad = mneed > capacity - o ? capacity - o : 0;
    return t + pad + mneed - __atomic_load_n(U64(OFF_HEAD), __ATOMIC_SEQ_CST) <= capacity;
}

/* Producers share writer_sleeping and never clear it: "Waiting" under "Many producers". */
static void mawait_room(void) {
    int32_t *word = I32(OFF_WRITER_SLEEPING);
    struct timespec slice = {0, 100 * 1000 * 1000};
    for (int i = 0; i < 1000; i++) {
        if (mroom(NULL)) return;
        sched_yield();
    }
    for (;;) {
        if (!announce(word, 1)) continue;
        if (mroom(NULL)) return;
        uint64_t other = __atomic_load_n(U64(OFF_READER), __ATOMIC_SEQ_CST);
        if ((other >> 32) == 2 || ((other >> 32) == 1 && !alive((pid_t) (uint32_t) other))) fail("the reader is gone");
        futex(word, FUTEX_WAIT, 1, &slice);
    }
}

/* "Producing a record", steps 1 to 6; stop_after_cas stops at crash point "claimed" after step 3. */
static unsigned char *mclaim(uint32_t n, uint64_t *at, int stop_after_cas) {
    uint64_t f = framed(n);
    uint64_t t, o, pad;
    for (;;) {
        t = __atomic_load_n(U64(OFF_TAIL), __ATOMIC_ACQUIRE);
        o = t & (capacity - 1);
        pad = f > capacity - o ? capacity - o : 0;
        if (t + pad + f - __atomic_load_n(U64(OFF_HEAD), __ATOMIC_ACQUIRE) > capacity) {
            __atomic_store_n(SLOT_CLAIM(my_slot), NO_CLAIM, __ATOMIC_RELEASE);
            mneed = f;
            mawait_room();
            continue;
        }
        __atomic_store_n(SLOT_CLAIM(my_slot), t, __ATOMIC_RELEASE);
        if (__atomic_compare_exchange_n(U64(OFF_TAIL), &t, t + pad + f, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) break;
    }
    if (stop_after_cas) crash_point("claimed");
    *at = t + pad;
    __atomic_store_n(HDR(*at), header(-(int32_t) (8 + n), (int32_t) getpid()), __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the store-store fence of step 4 */
    if (pad) __atomic_store_n(HDR(t), header((int32_t) pad, PADDING), __ATOMIC_RELEASE);
    __atomic_store_n(SLOT_CLAIM(my_slot), NO_CLAIM, __ATOMIC_RELEASE);
    return ring + (*at & (capacity - 1)) + 8;
}

static void mcommit(uint64_t at, int32_t type, uint32_t n) {
    publish(HDR(at), header((int32_t) (8 + n), type));
    wake_if_sleeping(OFF_READER_SLEEPING);
}

static void mfill(unsigned char *p, uint64_t i, uint64_t producer, uint32_t n) {
    memcpy(p, &i, 8);
    for (uint32_t b = 8; b < n; b++) p[b] = (unsigned char) (i * 31 + b + producer);
}

/* Zero what was consumed, then store head: "Consuming". */
static void mconsumed(uint64_t h) {
    uint64_t o = head & (capacity - 1);
    uint64_t n = h - head;
    uint64_t first = n < capacity - o ? n : capacity - o;
    memset(ring + o, 0, first);
    if (n > first) memset(ring, 0, n - first);
    head = h;
    store_head();
}

static uint64_t claims[1024];

static int claimed_at(uint64_t p) {
    for (uint32_t i = 0; i < slots; i++) if (claims[i] == p) return 1;
    return 0;
}

/* "Recovery: a producer killed between claim and commit"; returns 1 if head moved. */
static int skip_dead_claims(void) {
    uint64_t h = head;
    for (;;) {
        uint64_t t = __atomic_load_n(U64(OFF_TAIL), __ATOMIC_ACQUIRE);
        if (t == h) break;
        uint64_t words[1024];
        for (uint32_t i = 0; i < slots; i++) {
            words[i] = __atomic_load_n(SLOT_ATTACH(i), __ATOMIC_ACQUIRE);
            claims[i] = __atomic_load_n(SLOT_CLAIM(i), __ATOMIC_ACQUIRE);
        }
        uint64_t hdr = __atomic_load_n(HDR(h), __ATOMIC_ACQUIRE);
        int32_t size = (int32_t) (uint32_t) hdr;
        if (size > 0) break;
        if (size < 0) {
            if (alive((pid_t) (int32_t) (hdr >> 32))) break;
            h += framed((uint32_t) (-size - 8));
            continue;
        }
        int live = 0;
        for (uint32_t i = 0; i < slots; i++) {
            if (claims[i] == h && (words[i] >> 32) == 1 && alive((pid_t) (uint32_t) words[i])) live = 1;
        }
        if (live) break;
        if (__atomic_load_n(HDR(h), __ATOMIC_ACQUIRE) != 0) continue;
        uint64_t end = h + 8;
        while (end != t && (end & (capacity - 1)) != 0 && (int32_t) (uint32_t) __atomic_load_n(HDR(end), __ATOMIC_ACQUIRE) == 0
                && !claimed_at(end)) {
            end += 8;
        }
        h = end;
    }
    if (h == head) return 0;
    mconsumed(h);
    return 1;
}

static uint64_t *mnext;

static uint64_t mread_batch(uint64_t producers, uint64_t seed, uint64_t maxlen, uint64_t limit) {
    uint64_t h = head, n = 0;
    while (n < limit && h - head < capacity) { /* past head + C is this batch's bytes, not yet zeroed */
        uint64_t o = h & (capacity - 1);
        uint64_t hdr = __atomic_load_n(HDR(h), __ATOMIC_ACQUIRE);
        int32_t size = (int32_t) (uint32_t) hdr;
        int32_t type = (int32_t) (hdr >> 32);
        if (size <= 0) break;
        uint64_t f = ((uint64_t) size + 7) & ~7ULL;
        if (size < 8 || f > capacity - o || (type < 0 && type != PADDING) || (type >= 0 && (uint32_t) size > max_record)) {
            fail("corrupt record header at %llu", (unsigned long long) h);
        }
        h += f;
        if (type == PADDING) continue;
        if ((uint64_t) type >= producers) fail("a record of producer %d", type);
        uint32_t len = (uint32_t) size - 8;
        const unsigned char *p = ring + o + 8;
        uint64_t i;
        if (len < 8) fail("producer %d: a %u-byte record", type, len);
        memcpy(&i, p, 8);
        if (i != mnext[type]) fail("producer %d: record %llu where %llu was due", type, (unsigned long long) i,
                (unsigned long long) mnext[type]);
        if (len != mlen(i, (uint64_t) type, seed, maxlen)) fail("producer %d record %llu: %u bytes", type,
                (unsigned long long) i, len);
        for (uint32_t b = 8; b < len; b++) {
            if (p[b] != (unsigned char) (i * 31 + b + (uint64_t) type)) fail("producer %d record %llu: byte %u wrong",
                    type, (unsigned long long) i, b);
        }
        mnext[type]++;
        n++;
    }
    if (h != head) mconsumed(h);
    return n;
}

static int mrecords(void *unused) {
    (void) unused;
    return (int32_t) (uint32_t) __atomic_load_n(HDR(head), __ATOMIC_SEQ_CST) > 0;
}

/* End of stream: empty, no producer attached, one closed. 1 = end, 0 = wait, 2 = one died and none runs. */
static int mended(void) {
    if (__atomic_load_n(U64(OFF_TAIL), __ATOMIC_SEQ_CST) != head) return 0;
    int closed = 0, dead = 0;
    for (uint32_t i = 0; i < slots; i++) {
        uint64_t w = __atomic_load_n(SLOT_ATTACH(i), __ATOMIC_SEQ_CST);
        if ((w >> 32) == 1) {
            if (alive((pid_t) (uint32_t) w)) return 0;
            dead = 1;
        }
        if ((w >> 32) == 2) closed = 1;
    }
    if (dead) return 2;
    return closed;
}

static int many_main(int argc, char **argv) {
    const char *mode = argv[1];
    const char *name = argv[2];
    if (argc < 7) fail("usage: channel_peer %s NAME P COUNT SEED MAXLEN", mode);
    uint64_t p = strtoull(argv[3], NULL, 10);
    uint64_t count = strtoull(argv[4], NULL, 10);
    uint64_t seed = strtoull(argv[5], NULL, 10);
    uint64_t maxlen = strtoull(argv[6], NULL, 10);
    if (strcmp(mode, "mread") == 0) {
        map_channel_v(name, 0, 0);
        if (!slots) fail("%s: a one-producer channel", name);
        attach(OFF_READER);
        head = __atomic_load_n(U64(OFF_HEAD), __ATOMIC_SEQ_CST);
        mnext = calloc(p, sizeof *mnext);
        ready();
        int32_t *word = I32(OFF_READER_SLEEPING);
        struct timespec slice = {0, 100 * 1000 * 1000};
        for (;;) {
            if (mread_batch(p, seed, maxlen, 64) > 0) continue;
            if (skip_dead_claims()) continue;
            int ended = mended();
            if (ended == 2) {
                uint64_t total = 0;
                for (uint64_t i = 0; i < p; i++) total += mnext[i];
                fail("read %llu, then a producer died and none runs", (unsigned long long) total);
            }
            if (ended) break;
            int got = 0;
            for (int i = 0; i < 1000 && !(got = mrecords(NULL)); i++) sched_yield();
            if (got) continue;
            if (!announce(word, 0)) continue;
            if (!mrecords(NULL)) futex(word, FUTEX_WAIT, 1, &slice);
            __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
        }
        uint64_t total = 0;
        for (uint64_t i = 0; i < p; i++) {
            if (mnext[i] != count) fail("producer %llu: %llu records, expected %llu", (unsigned long long) i,
                    (unsigned long long) mnext[i], (unsigned long long) count);
            total += mnext[i];
        }
        detach(OFF_READER, OFF_WRITER_SLEEPING);
        printf("read %llu\n", (unsigned long long) total);
        return 0;
    }
    if (argc > 9) create_features = (int) strtol(argv[9], NULL, 10);
    map_channel_v(name, argc > 8 ? strtoull(argv[7], NULL, 10) : 0, argc > 8 ? (uint32_t) strtoul(argv[8], NULL, 10) : 0);
    if (!slots) fail("%s: a one-producer channel", name);
    if (maxlen < 8 || maxlen > max_record - 8) fail("MAXLEN %llu: 8 to %u", (unsigned long long) maxlen, max_record - 8);
    attach_slot();
    ready();
    for (uint64_t i = 0; i < count; i++) {
        uint32_t n = mlen(i, p, seed, maxlen);
        uint64_t at;
        unsigned char *room = mclaim(n, &at, 0);
        mfill(room, i, p, n);
        mcommit(at, (int32_t) p, n);
    }
    if (strcmp(mode, "crash-mwrite") == 0 || strcmp(mode, "crash-mclaim") == 0) {
        uint32_t n = (uint32_t) maxlen;
        uint64_t at;
        unsigned char *room = mclaim(n, &at, strcmp(mode, "crash-mclaim") == 0);
        memset(room, 0xEE, n / 2);
        crash_point("mid-record");
        mcommit(at, (int32_t) p, n);
    }
    uint64_t mine = (1ULL << 32) | (uint32_t) getpid();
    uint64_t closed = (2ULL << 32) | (uint32_t) getpid();
    __atomic_compare_exchange_n(SLOT_ATTACH(my_slot), &mine, closed, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    wake_if_sleeping(OFF_READER_SLEEPING);
    printf("wrote %llu\n", (unsigned long long) count);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) fail("usage: channel_peer write|read|crash-write|crash-read NAME ...");
    const char *mode = argv[1];
    if (mode[0] == 'm' || strncmp(mode, "crash-m", 7) == 0) return many_main(argc, argv);
    const char *name = argv[2];
    uint64_t count = argc > 3 ? strtoull(argv[3], NULL, 10) : 0;
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 0;
    uint64_t maxlen = argc > 5 ? strtoull(argv[5], NULL, 10) : 0;
    if (strcmp(mode, "report-write") == 0) {
        if (argc < 8) fail("usage: channel_peer report-write NAME COUNT SEED MAXLEN 0 REPORT");
        report = open(argv[7], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
        if (report < 0) fail("open %s: %s", argv[7], strerror(errno));
    }
    if (strcmp(mode, "write") == 0 || strcmp(mode, "crash-write") == 0 || report >= 0) {
        if (report < 0 && argc > 7) create_features = (int) strtol(argv[7], NULL, 10);
        map_channel(name, argc > 6 ? strtoull(argv[6], NULL, 10) : 0);
        if (maxlen > max_record - 8) fail("MAXLEN %llu is more than this channel takes", (unsigned long long) maxlen);
        attach(OFF_WRITER);
        tail = __atomic_load_n(U64(OFF_TAIL), __ATOMIC_SEQ_CST);
        ready();
        if (report >= 0) crash_point("start");
        write_records(count, seed, maxlen);
        if (strcmp(mode, "crash-write") == 0) {
            uint32_t len = (uint32_t) maxlen;
            uint64_t at;
            unsigned char *p = claim(len, &at);
            memset(p, 0xEE, len / 2);
            crash_point("mid-record");
            commit(at, 0, len);
        }
        detach(OFF_WRITER, OFF_READER_SLEEPING);
        printf("wrote %llu\n", (unsigned long long) count);
        return 0;
    }
    if (strcmp(mode, "read") == 0) {
        map_channel(name, 0);
        attach(OFF_READER);
        head = __atomic_load_n(U64(OFF_HEAD), __ATOMIC_SEQ_CST);
        ready();
        uint64_t index = 0;
        for (;;) {
            uint64_t n = read_batch(&index, seed, maxlen, 64);
            if (n > 0) {
                store_head();
                continue;
            }
            if (await(records, NULL, OFF_READER_SLEEPING, OFF_WRITER)) continue;
            uint64_t w = __atomic_load_n(U64(OFF_WRITER), __ATOMIC_SEQ_CST);
            if (records(NULL)) continue;
            if ((w >> 32) == 2) break;
            fail("the writer (process %u) died after %llu records", (uint32_t) w, (unsigned long long) index);
        }
        if (index != count) fail("end of stream after %llu records, expected %llu", (unsigned long long) index,
                (unsigned long long) count);
        detach(OFF_READER, OFF_WRITER_SLEEPING);
        printf("read %llu\n", (unsigned long long) index);
        return 0;
    }
    if (strcmp(mode, "crash-read") == 0) {
        map_channel(name, 0);
        attach(OFF_READER);
        head = __atomic_load_n(U64(OFF_HEAD), __ATOMIC_SEQ_CST);
        ready();
        uint64_t index = 0;
        while (read_batch(&index, seed, maxlen, 1) == 0) {
            if (!await(records, NULL, OFF_READER_SLEEPING, OFF_WRITER)) fail("no records");
        }
        crash_point("mid-batch");
        store_head();
        return 0;
    }
    fail("unknown mode %s", mode);
}
