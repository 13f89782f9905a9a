/*
 * The floor under a channel's wake-up latency: a reader process asleep in FUTEX_WAIT on a word of
 * a MAP_SHARED mapping, a writer process (forked) that every GAP microseconds stamps
 * CLOCK_MONOTONIC, clears the word and calls FUTEX_WAKE — the system calls a channel's writer makes
 * for a sleeping reader, with nothing else around them. The reader takes the time it runs again.
 *
 *   wake READER_CPU WRITER_CPU COUNT GAP_US
 *
 * Prints "c: min M p50 P p90 Q p99 R max X us (n=N)" over the last four fifths of COUNT wake-ups.
 */
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000ULL + (uint64_t) t.tv_nsec;
}

static void pin(int cpu) {
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s) != 0) {
        perror("sched_setaffinity");
        exit(3);
    }
}

static int by_value(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: wake READER_CPU WRITER_CPU COUNT GAP_US\n");
        return 2;
    }
    int reader_cpu = atoi(argv[1]), writer_cpu = atoi(argv[2]), count = atoi(argv[3]);
    long gap_ns = atol(argv[4]) * 1000;
    int32_t *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (word == MAP_FAILED || count < 5) {
        perror("mmap");
        return 3;
    }
    uint64_t *stamp = (uint64_t *) (word + 16);
    uint64_t *latency = malloc((size_t) count * sizeof *latency);
    pid_t writer = fork();
    if (writer == 0) {
        pin(writer_cpu);
        for (int i = 0; i < count; i++) {
            struct timespec gap = {gap_ns / 1000000000, gap_ns % 1000000000};
            nanosleep(&gap, NULL);
            while (__atomic_load_n(word, __ATOMIC_SEQ_CST) != 1) sched_yield(); /* the reader is about to sleep */
            __atomic_store_n(stamp, now(), __ATOMIC_RELAXED);
            __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
            syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
        }
        _exit(0);
    }
    pin(reader_cpu);
    for (int i = 0; i < count; i++) {
        __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(word, __ATOMIC_SEQ_CST) == 1) syscall(SYS_futex, word, FUTEX_WAIT, 1, NULL, NULL, 0);
        latency[i] = now() - __atomic_load_n(stamp, __ATOMIC_RELAXED);
    }
    waitpid(writer, NULL, 0);
    uint64_t *kept = latency + count / 5;
    int n = count - count / 5;
    qsort(kept, (size_t) n, sizeof *kept, by_value);
    printf("c: min %.1f p50 %.1f p90 %.1f p99 %.1f max %.1f us (n=%d)\n", kept[0] / 1e3, kept[n / 2] / 1e3,
            kept[n * 9 / 10] / 1e3, kept[n * 99 / 100] / 1e3, kept[n - 1] / 1e3, n);
    return 0;
}
