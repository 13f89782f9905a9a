package io.jipc.sync;

import io.jipc.internal.libc.Pthread;
import io.jipc.internal.libc.Semaphore;

/**
 * The kinds of object a {@link Slots slot} holds, each with the magic number its header carries
 * and the size of the glibc object after the header.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutexattr_setpshared.3.html">pthread_mutexattr_setpshared(3)</a>
 */
public enum SlotKind {
    /** A {@code pthread_mutex_t} ({@link SharedMutex}); magic {@code "JPMX"}. */
    MUTEX(0x4A50_4D58, Pthread.MUTEX.layout().byteSize(), "mutex"),
    /** A {@code pthread_cond_t} ({@link SharedCondition}); magic {@code "JPCV"}. */
    CONDITION(0x4A50_4356, Pthread.COND.layout().byteSize(), "condition variable"),
    /** A {@code pthread_rwlock_t} ({@link SharedRwLock}); magic {@code "JPRW"}. */
    RW_LOCK(0x4A50_5257, Pthread.RWLOCK.layout().byteSize(), "read-write lock"),
    /** A {@code sem_t} ({@link SharedSemaphore}); magic {@code "JPSM"}. */
    SEMAPHORE(0x4A50_534D, Semaphore.SEM_T_SIZE, "semaphore"),
    /**
     * A {@link SharedBarrier}: a mutex slot, a condition slot and three counters (layout in its
     * class comment); magic {@code "JPBR"}.
     */
    BARRIER(0x4A50_4252, MUTEX.slotSize() + CONDITION.slotSize() + SharedBarrier.COUNTERS_SIZE, "barrier");

    private final int magic;
    private final long objectSize;
    final String text;

    SlotKind(int magic, long objectSize, String text) {
        this.magic = magic;
        this.objectSize = objectSize;
        this.text = text;
    }

    /** The number the slot's first word holds once an object of this kind is placed there. */
    public int magic() {
        return magic;
    }

    /** The size of the glibc object, which starts {@link Slots#HEADER_SIZE} bytes into the slot. */
    public long objectSize() {
        return objectSize;
    }

    /** The whole slot: header and object, rounded up to {@link Slots#ALIGNMENT}. */
    public long slotSize() {
        return Slots.align(Slots.HEADER_SIZE + objectSize, Slots.ALIGNMENT);
    }

    static SlotKind ofMagic(int magic) {
        for (SlotKind k : values()) {
            if (k.magic == magic) {
                return k;
            }
        }
        return null;
    }
}
