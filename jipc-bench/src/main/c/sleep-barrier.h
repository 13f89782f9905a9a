/*
 * The channel layout's sleep barrier (docs/channel-layout.md, "Sleep barrier"), for channel.c and
 * channel-mpsc.c: where the kernel has the global expedited membarrier commands, the rings are
 * made with feature 1, each process registers once, publishes with release stores, and an end
 * about to sleep barriers the other process instead — as io.jipc.channel does by default.
 */
#ifndef JIPC_SLEEP_BARRIER_H
#define JIPC_SLEEP_BARRIER_H

#include <linux/membarrier.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OFF_FEATURES 32
#define FEATURE_SLEEP_BARRIER 1

static int sleep_barrier;  /* the rings have feature 1 */
static int release_stores; /* and this process registered */

/* Called before the fork: the feature the rings are made with (none on aarch64, as jipc's default:
 * its fenced stores are already stlr, and ldar for the wake check, which the hardware keeps in order). */
static int32_t barrier_features(void) {
#if defined(__aarch64__)
    return 0;
#endif
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    int both = MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
    sleep_barrier = q >= 0 && (q & both) == both;
    return sleep_barrier ? FEATURE_SLEEP_BARRIER : 0;
}

/* Called in each process after the fork: the registration is the process's own. */
static void barrier_register(void) {
    release_stores = sleep_barrier && syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0;
}

/* Stores a position or a commit that a sleeper's wake-up depends on. */
static inline void publish(uint64_t *where, uint64_t value) {
    if (release_stores) {
        __atomic_store_n(where, value, __ATOMIC_RELEASE);
        __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the wake check's load stays after the store */
    } else {
        __atomic_store_n(where, value, __ATOMIC_SEQ_CST);
    }
}

/* Says this side sleeps; 0 if the barrier failed: look again, do not sleep (the word is cleared
 * again unless it is shared, as many producers' writer_sleeping is). */
static int announce(int32_t *word, int shared) {
    __atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
    if (sleep_barrier && syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) != 0) {
        if (!shared) __atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
        return 0;
    }
    return 1;
}

#endif
