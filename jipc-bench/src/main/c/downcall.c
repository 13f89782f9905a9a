/*
 * The C side of the binding-cost benchmark (io.jipc.bench.jmh.BindingCost): the same loops as
 * DowncallBench, timed with clock_gettime(CLOCK_MONOTONIC) over many iterations.
 *
 *   downcall [SECONDS_PER_REP [REPS [LOOP...]]]
 *
 * Runs the named loops (default: all of labs, getppid, pipe_write_read, socket_send_recv,
 * flock_lock_unlock, posix_lock_unlock, ofd_lock_unlock, mutex_lock_unlock, shm_copy_in_SIZE and shm_copy_out_SIZE for
 * SIZE 4096, 65536 and 1048576, shm_lifecycle, shm_lifecycle_jipc_calls, channel_send_recv) and prints one line per loop,
 * "NAME NS_PER_OP", the median over REPS repetitions of roughly SECONDS_PER_REP each (iteration
 * count calibrated once per loop).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

static long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int pipe_fds[2];
static int socket_fds[2];
static char buf[8];
static char message[64];
static volatile int sink;

static void loop_getppid(long n) {
    int acc = 0;
    for (long i = 0; i < n; i++) {
        acc += getppid();
    }
    sink = acc;
}

/* Called through a volatile pointer, so the compiler cannot inline it or hoist it out of the loop. */
static long (*volatile labs_ptr)(long) = labs;

static void loop_labs(long n) {
    long acc = 0;
    for (long i = 0; i < n; i++) {
        acc += labs_ptr(-i);
    }
    sink = (int) acc;
}

static void loop_pipe_write_read(long n) {
    for (long i = 0; i < n; i++) {
        if (write(pipe_fds[1], buf, 8) != 8 || read(pipe_fds[0], buf, 8) != 8) {
            perror("pipe write/read");
            exit(3);
        }
    }
}

/* SocketApiBench's loop: 64 bytes through a connected stream socket pair, never waiting. */
static void loop_socket_send_recv(long n) {
    for (long i = 0; i < n; i++) {
        if (send(socket_fds[0], message, sizeof message, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof message
                || recv(socket_fds[1], message, sizeof message, MSG_DONTWAIT) != sizeof message) {
            perror("socket send/recv");
            exit(3);
        }
    }
}

/* LockBench's loops: an uncontended lock and unlock of a file nobody else locks (bytes 0..99 for
 * the record locks), with the blocking forms a C program locks with. */
static int lock_fd = -1;

static void loop_flock_lock_unlock(long n) {
    for (long i = 0; i < n; i++) {
        if (flock(lock_fd, LOCK_EX) != 0 || flock(lock_fd, LOCK_UN) != 0) {
            perror("flock");
            exit(3);
        }
    }
}

static void record_lock_unlock(long n, int wait_cmd, int unlock_cmd) {
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    struct flock unlock = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 100};
    for (long i = 0; i < n; i++) {
        if (fcntl(lock_fd, wait_cmd, &lock) != 0 || fcntl(lock_fd, unlock_cmd, &unlock) != 0) {
            perror("fcntl");
            exit(3);
        }
    }
}

static void loop_posix_lock_unlock(long n) {
    record_lock_unlock(n, F_SETLKW, F_SETLK);
}

static void loop_ofd_lock_unlock(long n) {
    record_lock_unlock(n, F_OFD_SETLKW, F_OFD_SETLK);
}

/* MutexBench's loop: an uncontended pthread_mutex_lock and unlock of a process-shared, robust,
 * error-checking mutex in a shared mapping (SharedMutex's attributes), as a C program takes it. */
static pthread_mutex_t *shared_mutex;

static void loop_mutex_lock_unlock(long n) {
    if (!shared_mutex) {
        shared_mutex = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        pthread_mutexattr_t a;
        pthread_mutexattr_init(&a);
        pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
        pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
        pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
        if (shared_mutex == MAP_FAILED || pthread_mutex_init(shared_mutex, &a) != 0) {
            perror("mmap/pthread_mutex_init");
            exit(3);
        }
    }
    for (long i = 0; i < n; i++) {
        if (pthread_mutex_lock(shared_mutex) != 0 || pthread_mutex_unlock(shared_mutex) != 0) {
            fprintf(stderr, "pthread_mutex_lock/unlock failed\n");
            exit(3);
        }
    }
}

/* ShmBench's loops: memcpy between a malloc'd buffer and a mapped POSIX shared-memory object (one
 * of 1 MiB, unlinked at once, every page of both touched first), SIZE bytes per copy. The empty
 * asm with a "memory" clobber keeps gcc from dropping a copy nobody reads. */
#define SHM_MAX (1 << 20)
static char *shm_map;
static char *shm_buf;

static void shm_setup(void) {
    if (shm_map) return;
    char name[64];
    snprintf(name, sizeof name, "/jipc-downcall-%d", (int) getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, SHM_MAX) != 0) {
        perror("shm_open/ftruncate");
        exit(3);
    }
    shm_unlink(name);
    shm_map = mmap(NULL, SHM_MAX, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    shm_buf = aligned_alloc(64, SHM_MAX);
    if (shm_map == MAP_FAILED || !shm_buf) {
        perror("mmap/aligned_alloc");
        exit(3);
    }
    memset(shm_map, 1, SHM_MAX);
    memset(shm_buf, 2, SHM_MAX);
}

static void shm_copy(long n, size_t size, int in) {
    shm_setup();
    for (long i = 0; i < n; i++) {
        if (in) memcpy(shm_map, shm_buf, size);
        else memcpy(shm_buf, shm_map, size);
        __asm__ volatile("" ::: "memory");
    }
}

#define SHM_COPY_LOOPS(SIZE) \
    static void loop_shm_copy_in_##SIZE(long n) { shm_copy(n, SIZE, 1); } \
    static void loop_shm_copy_out_##SIZE(long n) { shm_copy(n, SIZE, 0); }
SHM_COPY_LOOPS(4096)
SHM_COPY_LOOPS(65536)
SHM_COPY_LOOPS(1048576)

/* ShmLifecycleBench's loop: a 4 KiB object created, mapped, unmapped and unlinked, as C does it;
 * with jipc_calls, with the two calls jipc adds: fchmod (the mode exact whatever the umask) and
 * fstat (the mapping checked against the object's size). */
static void shm_life(long n, int jipc_calls) {
    char name[64];
    snprintf(name, sizeof name, "/jipc-downcall-life-%d", (int) getpid());
    struct stat st;
    for (long i = 0; i < n; i++) {
        int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd < 0 || (jipc_calls && fchmod(fd, 0600) != 0) || ftruncate(fd, 4096) != 0
                || (jipc_calls && fstat(fd, &st) != 0)) {
            perror("shm_open/fchmod/ftruncate/fstat");
            exit(3);
        }
        void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED || munmap(p, 4096) != 0) {
            perror("mmap/munmap");
            exit(3);
        }
        close(fd);
        if (shm_unlink(name) != 0) {
            perror("shm_unlink");
            exit(3);
        }
    }
}

static void loop_shm_lifecycle(long n) {
    shm_life(n, 0);
}

static void loop_shm_lifecycle_jipc_calls(long n) {
    shm_life(n, 1);
}

/*
 * channel_send_recv: a 64-byte record through the ring of docs/channel-layout.md (64 KiB, in a
 * MAP_SHARED anonymous mapping), one thread: claim, copy in, header, tail (release: the layout's
 * sleep barrier, jipc's default ordering), look at the reader's futex word; then tail (acquire),
 * header, copy out, head (release), look at the writer's.
 */
static unsigned char *channel;
#define CH_CAPACITY 65536ULL
static uint64_t ch_tail;
static uint64_t ch_head;
static char ch_received[64];

static void channel_setup(void) {
    channel = mmap(NULL, 512 + CH_CAPACITY, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (channel == MAP_FAILED) {
        perror("mmap");
        exit(3);
    }
}

static void loop_channel_send_recv(long n) {
    uint64_t *tail = (uint64_t *) (channel + 128);
    uint64_t *head = (uint64_t *) (channel + 256);
    int32_t *reader_sleeping = (int32_t *) (channel + 384);
    int32_t *writer_sleeping = (int32_t *) (channel + 388);
    unsigned char *ring = channel + 512;
    int acc = 0;
    for (long i = 0; i < n; i++) {
        uint32_t f = (8 + 64 + 7) & ~7u;
        uint64_t o = ch_tail & (CH_CAPACITY - 1);
        uint64_t pad = f > CH_CAPACITY - o ? CH_CAPACITY - o : 0;
        if (ch_tail + pad + f - __atomic_load_n(head, __ATOMIC_ACQUIRE) > CH_CAPACITY) abort();
        if (pad) {
            *(int32_t *) (ring + o) = (int32_t) (pad - 8);
            *(int32_t *) (ring + o + 4) = -1;
            o = 0;
        }
        memcpy(ring + o + 8, message, 64);
        *(int32_t *) (ring + o) = 64;
        *(int32_t *) (ring + o + 4) = 1;
        ch_tail += pad + f;
        __atomic_store_n(tail, ch_tail, __ATOMIC_RELEASE);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        acc += __atomic_load_n(reader_sleeping, __ATOMIC_SEQ_CST);

        uint64_t t = __atomic_load_n(tail, __ATOMIC_ACQUIRE);
        while (ch_head != t) {
            uint64_t ro = ch_head & (CH_CAPACITY - 1);
            int32_t len = *(int32_t *) (ring + ro);
            if (*(int32_t *) (ring + ro + 4) == -1) {
                ch_head += CH_CAPACITY - ro;
                continue;
            }
            memcpy(ch_received, ring + ro + 8, (size_t) len);
            ch_head += (8 + (uint32_t) len + 7) & ~7u;
            break;
        }
        __atomic_store_n(head, ch_head, __ATOMIC_RELEASE);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        acc += __atomic_load_n(writer_sleeping, __ATOMIC_SEQ_CST);
    }
    sink = acc + ch_received[0];
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void run(const char *name, void (*loop)(long), double seconds, int reps) {
    /* Calibrate: grow n until one pass takes ~50 ms, then scale to the wanted rep length. */
    long n = 1000;
    long long t;
    for (;;) {
        t = now_ns();
        loop(n);
        t = now_ns() - t;
        if (t > 50000000LL) break;
        n *= 2;
    }
    n = (long) (n * (seconds * 1e9 / (double) t));
    if (n < 1) n = 1;
    double results[64];
    if (reps > 64) reps = 64;
    for (int r = 0; r < reps; r++) {
        t = now_ns();
        loop(n);
        t = now_ns() - t;
        results[r] = (double) t / (double) n;
    }
    qsort(results, reps, sizeof results[0], cmp_double);
    printf("%s %.3f\n", name, results[reps / 2]);
    fflush(stdout);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (seconds <= 0 || reps <= 0) {
        fprintf(stderr, "usage: downcall [SECONDS_PER_REP [REPS [LOOP...]]]\n");
        return 2;
    }
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        perror("pipe2");
        return 3;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, socket_fds) != 0) {
        perror("socketpair");
        return 3;
    }
    char lock_path[] = "/tmp/jipc-downcall-XXXXXX";
    if ((lock_fd = mkostemp(lock_path, O_CLOEXEC)) < 0) {
        perror("mkostemp");
        return 3;
    }
    unlink(lock_path); /* an unlinked file locks the same; nothing is left behind */
    memset(buf, 'x', sizeof buf);
    memset(message, 'x', sizeof message);
    channel_setup();
    static const struct { const char *name; void (*loop)(long); } loops[] = {
        {"labs", loop_labs},
        {"getppid", loop_getppid},
        {"pipe_write_read", loop_pipe_write_read},
        {"socket_send_recv", loop_socket_send_recv},
        {"flock_lock_unlock", loop_flock_lock_unlock},
        {"posix_lock_unlock", loop_posix_lock_unlock},
        {"ofd_lock_unlock", loop_ofd_lock_unlock},
        {"mutex_lock_unlock", loop_mutex_lock_unlock},
        {"shm_copy_in_4096", loop_shm_copy_in_4096},
        {"shm_copy_out_4096", loop_shm_copy_out_4096},
        {"shm_copy_in_65536", loop_shm_copy_in_65536},
        {"shm_copy_out_65536", loop_shm_copy_out_65536},
        {"shm_copy_in_1048576", loop_shm_copy_in_1048576},
        {"shm_copy_out_1048576", loop_shm_copy_out_1048576},
        {"shm_lifecycle", loop_shm_lifecycle},
        {"shm_lifecycle_jipc_calls", loop_shm_lifecycle_jipc_calls},
        {"channel_send_recv", loop_channel_send_recv},
    };
    int nloops = (int) (sizeof loops / sizeof loops[0]);
    for (int a = 3; a < argc; a++) {
        int known = 0;
        for (int i = 0; i < nloops; i++) known |= strcmp(argv[a], loops[i].name) == 0;
        if (!known) {
            fprintf(stderr, "downcall: unknown loop %s\n", argv[a]);
            return 2;
        }
    }
    for (int i = 0; i < nloops; i++) {
        int wanted = argc <= 3;
        for (int a = 3; a < argc; a++) wanted |= strcmp(argv[a], loops[i].name) == 0;
        if (wanted) run(loops[i].name, loops[i].loop, seconds, reps);
    }
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    close(socket_fds[0]);
    close(socket_fds[1]);
    close(lock_fd);
    return 0;
}
