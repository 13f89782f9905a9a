/*
 * A channel reader and writer in C, written from docs/channel-layout.md alone (no jipc code): the
 * proof that the layout is a specification another language can follow.
 *
 *   channel_peer write NAME COUNT SEED MAXLEN [CAPACITY]   attach as writer (create the channel when
 *                                                          CAPACITY is given) and write COUNT records
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
 */
#include <limits.h>
#include <linux/futex.h>
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
#define OFF_TAIL 128
#define OFF_WRITER 136
#define OFF_HEAD 256
#define OFF_READER 264
#define OFF_READER_SLEEPING 384
#define OFF_WRITER_SLEEPING 388
#define PADDING (-1)

#define fail(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(3); } while (0)

static unsigned char *base;
static unsigned char *ring;
static uint64_t capacity;
static uint32_t max_record;

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

static void map_channel(const char *name, uint64_t create_capacity) {
    int fd;
    size_t size;
    if (create_capacity) {
        fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
        if (fd < 0) die("shm_open");
        size = HEADER_SIZE + create_capacity;
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
        *I32(OFF_VERSION) = 1;
        *I32(OFF_HEADER_SIZE) = HEADER_SIZE;
        *U64(OFF_CAPACITY) = create_capacity;
        *I32(OFF_MAX_RECORD) = (int32_t) (create_capacity / 2);
        __atomic_store_n(U64(OFF_MAGIC), MAGIC, __ATOMIC_RELEASE);
    }
    if (__atomic_load_n(U64(OFF_MAGIC), __ATOMIC_ACQUIRE) != MAGIC) fail("%s: not an initialised channel", name);
    if (*I32(OFF_VERSION) != 1 || *I32(OFF_HEADER_SIZE) != HEADER_SIZE) fail("%s: unknown version", name);
    capacity = *U64(OFF_CAPACITY);
    max_record = (uint32_t) *I32(OFF_MAX_RECORD);
    if (capacity < 1024 || capacity > (1ULL << 30) || (capacity & (capacity - 1)) != 0 || max_record != capacity / 2
            || HEADER_SIZE + capacity > size) {
        fail("%s: corrupt header", name);
    }
    ring = base + HEADER_SIZE;
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
        __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
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
    __atomic_store_n(U64(OFF_TAIL), tail, __ATOMIC_SEQ_CST);
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
    __atomic_store_n(U64(OFF_HEAD), head, __ATOMIC_SEQ_CST);
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

int main(int argc, char **argv) {
    if (argc < 3) fail("usage: channel_peer write|read|crash-write|crash-read NAME ...");
    const char *mode = argv[1];
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
