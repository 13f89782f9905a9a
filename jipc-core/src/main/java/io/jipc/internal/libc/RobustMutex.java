package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_LONG;
import static io.jipc.internal.libc.Libc.C_POINTER;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The uncontended lock and unlock of a process-shared, robust, error-checking {@code
 * pthread_mutex_t}, written in Java the way glibc's nptl writes them, so that the two most frequent
 * calls on a shared mutex need no downcall (a critical downcall costs about a nanosecond more than
 * C's call, and an uncontended lock and unlock take eight).
 *
 * <p>What makes a mutex robust is a list the kernel reads when a thread dies (<a
 * href="https://man7.org/linux/man-pages/man2/get_robust_list.2.html">get_robust_list(2)</a>): the
 * thread's {@code struct robust_list_head} — {@code list}, {@code futex_offset}, {@code
 * list_op_pending} — registered by glibc for every thread, links the {@code __list.__next} field of
 * each robust mutex the thread holds; {@code list_op_pending} covers the mutex being added or
 * removed. glibc also keeps a {@code __list.__prev} pointer per mutex (the list is doubly linked on
 * 64-bit targets), and the mutex's {@code __owner}, {@code __count} and {@code __nusers}. This
 * class makes the same stores in the same order (glibc orders them with compiler barriers only: a
 * thread's own stores are all the kernel reads, after the thread is gone), so glibc's calls and
 * these mix freely on one mutex and one thread, and a thread that dies holding a mutex locked here
 * leaves it owner-died for the next locker, as with glibc.
 *
 * <p>Only the exact uncontended cases are taken here: a free word taken by CAS from 0, and an
 * unlock of a word that holds just the caller's TID or FUTEX_WAITERS with it. Everything else —
 * busy, owner died, unrecoverable, another mutex kind, not held — answers false, and the caller
 * makes glibc's own call, which gives the exact answer. {@link #available()} is false unless this
 * process's glibc was seen to keep the list exactly this way (on two mutexes of its own, at first
 * use); then every call is glibc's.
 *
 * @see <a href="https://man7.org/linux/man-pages/man3/pthread_mutexattr_setrobust.3.html">pthread_mutexattr_setrobust(3)</a>
 */
public final class RobustMutex {
    private RobustMutex() {}

    /** glibc's {@code __kind} of a mutex made by SharedMutex: ERRORCHECK_NP | ROBUST_NORMAL_NP | PSHARED_BIT. */
    static final int KIND = 2 | 16 | 128;
    /** {@code __owner} after an owner died and nobody made it consistent; after that unlock, unrecoverable. */
    static final int OWNER_INCONSISTENT = Integer.MAX_VALUE;
    static final int OWNER_NOT_RECOVERABLE = Integer.MAX_VALUE - 1;

    // struct __pthread_mutex_s on x86_64 and aarch64 (glibc's generic 64-bit layout).
    private static final long LOCK = 0;
    private static final long COUNT = 4;
    private static final long OWNER = 8;
    /*
     * __owner and __nusers read and written as one little-endian long: the owner's TID in the low
     * half, the count of users (each lock adds one, each unlock takes one) in the high half.
     */
    private static final long OWNER_BITS = 0xFFFF_FFFFL;
    private static final long USERS = ~OWNER_BITS;
    private static final long ONE_USER = 1L << 32;
    private static final long KIND_AT = 16;
    private static final long LIST_PREV = 24;
    private static final long LIST_NEXT = 32;
    /** glibc's QUEUE_PTR_ADJUST: a list pointer points at {@code __next}, 8 bytes into {@code __pthread_list_t}. */
    private static final long ADJUST = LIST_NEXT - LIST_PREV;
    // struct robust_list_head.
    private static final long HEAD_LIST = 0;
    private static final long HEAD_PENDING = 16;
    private static final long HEAD_SIZE = 24;

    /**
     * All of this process's memory: the list pointers lead into other mutexes and into glibc's
     * thread descriptor, wherever they are. glibc's own unlock follows the same pointers.
     */
    private static final MemorySegment ALL = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    private static final VarHandle WORD = ValueLayout.JAVA_INT.varHandle();
    /*
     * Plain accesses without the alignment check (every field is aligned, as glibc laid it out):
     * fewer nodes per access keep the whole lock and unlock within what the JIT inlines at once.
     */
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private static final long SYS_get_robust_list = Libc.AARCH64 ? 100 : 274;
    private static final MethodHandle GET_ROBUST_LIST = Libc.plainDowncall("syscall",
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_POINTER, C_POINTER), Linker.Option.firstVariadicArg(1));

    /**
     * Whether this process's glibc keeps the robust list as this class writes it: checked once,
     * on the first thread to ask, with two private mutexes.
     */
    public static boolean available() {
        return Check.AVAILABLE;
    }

    /**
     * The calling thread's {@code struct robust_list_head} ({@code get_robust_list(0, ...)}), or 0
     * if it has none registered (then its calls are glibc's).
     */
    public static long threadHead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment head = arena.allocate(C_POINTER);
            MemorySegment size = arena.allocate(C_LONG);
            long r = (long) GET_ROBUST_LIST.invokeExact(SYS_get_robust_list, 0L, head, size);
            return r == 0 && size.get(ValueLayout.JAVA_LONG, 0) == HEAD_SIZE ? head.get(ValueLayout.JAVA_LONG, 0) : 0;
        } catch (Throwable t) {
            throw Libc.wrongHandle(t);
        }
    }

    /**
     * Whether the mutex at {@code mutex} is of the one kind {@link #tryLock} and {@link #unlock}
     * handle (process-shared, robust, error-checking: SharedMutex's). A mutex's kind is set by
     * its {@code pthread_mutex_init}, so a caller may ask once.
     */
    public static boolean handles(long mutex) {
        return ALL.get(INT, mutex + KIND_AT) == KIND;
    }

    /**
     * {@code pthread_mutex_trylock}'s uncontended case, for a mutex this class {@link #handles}: true if the mutex at {@code mutex} was
     * free and the thread whose robust list head is {@code head} and TID {@code tid} holds it now;
     * false, with nothing changed, for every other case (make glibc's call for the answer).
     */
    public static boolean tryLock(long mutex, long head, int tid) {
        long entry = mutex + LIST_NEXT;
        ALL.set(LONG, head + HEAD_PENDING, entry);
        if (!WORD.compareAndSet(ALL, mutex + LOCK, 0, tid)) {
            ALL.set(LONG, head + HEAD_PENDING, 0L);
            return false;
        }
        long ownerUsers = ALL.get(LONG, mutex + OWNER);
        if ((int) ownerUsers == OWNER_NOT_RECOVERABLE) {
            // Taken, but nobody may use it any more: let glibc's call say so.
            giveBackUnrecoverable(mutex, tid);
            ALL.set(LONG, head + HEAD_PENDING, 0L);
            return false;
        }
        ALL.set(INT, mutex + COUNT, 1);
        enqueue(entry, head);
        ALL.set(LONG, head + HEAD_PENDING, 0L);
        ALL.set(LONG, mutex + OWNER, (ownerUsers & USERS) + ONE_USER | (tid & OWNER_BITS));
        return true;
    }

    /**
     * glibc's ENQUEUE_MUTEX: {@code entry} at the head of the thread's list, complete before the
     * head points at it; the store of list_op_pending after it is ordered after it too.
     */
    private static void enqueue(long entry, long head) {
        long first = ALL.get(LONG, head + HEAD_LIST);
        ALL.set(LONG, (first & ~1L) - ADJUST, entry);
        ALL.set(LONG, entry, first);
        ALL.set(LONG, entry - ADJUST, head);
        VarHandle.releaseFence();
        ALL.set(LONG, head + HEAD_LIST, entry);
        VarHandle.releaseFence();
    }

    /** glibc's DEQUEUE_MUTEX: {@code entry} out of the thread's list, its own pointers cleared after. */
    private static void dequeue(long entry) {
        long next = ALL.get(LONG, entry);
        long prev = ALL.get(LONG, entry - ADJUST);
        ALL.set(LONG, (next & ~1L) - ADJUST, prev);
        ALL.set(LONG, prev & ~1L, next);
        VarHandle.releaseFence();
        ALL.set(LONG, entry - ADJUST, 0L);
        ALL.set(LONG, entry, 0L);
    }

    /**
     * Gives back the word of an unrecoverable mutex that thread {@code tid} holds, waking every
     * sleeper so each finds it unrecoverable too. glibc's trylock (2.36) reports ENOTRECOVERABLE
     * after taking the word with the caller's TID and leaves it so (it unlocks only when the word
     * already held the TID), which would make every later {@code pthread_mutex_lock} in any
     * process wait forever instead of failing. Nothing if the word holds another thread's TID.
     */
    public static void giveBackUnrecoverable(long mutex, int tid) {
        int word = ALL.get(INT, mutex + LOCK);
        if (word != 0 && (word & Pthread.FUTEX_TID_MASK) == tid && WORD.compareAndSet(ALL, mutex + LOCK, word, 0)
                && (word & Pthread.FUTEX_WAITERS) != 0) {
            Futex.wakeAt(mutex + LOCK, Integer.MAX_VALUE);
        }
    }

    /**
     * {@code pthread_mutex_unlock}'s usual case, for a mutex this class {@link #handles}: true if the mutex at {@code mutex}, held by the
     * thread with {@code head} and {@code tid} and consistent, is unlocked now (a sleeper woken if
     * there was one); false, with nothing changed, for every other case (make glibc's call).
     */
    public static boolean unlock(long mutex, long head, int tid) {
        if ((ALL.get(INT, mutex + LOCK) & ~Pthread.FUTEX_WAITERS) != tid) {
            return false;
        }
        long ownerUsers = ALL.get(LONG, mutex + OWNER);
        if ((int) ownerUsers == OWNER_INCONSISTENT) {
            return false;
        }
        long entry = mutex + LIST_NEXT;
        ALL.set(LONG, head + HEAD_PENDING, entry);
        VarHandle.releaseFence();
        dequeue(entry);
        ALL.set(LONG, mutex + OWNER, (ownerUsers & USERS) - ONE_USER);
        if (((int) WORD.getAndSet(ALL, mutex + LOCK, 0) & Pthread.FUTEX_WAITERS) != 0) {
            Futex.wakeAt(mutex + LOCK, 1);
        }
        VarHandle.releaseFence();
        ALL.set(LONG, head + HEAD_PENDING, 0L);
        return true;
    }

    /** The check behind {@link #available()}, made once. */
    private static final class Check {
        static final boolean AVAILABLE = check();

        /**
         * Locks and unlocks two private mutexes on this thread, glibc's calls and this class's
         * interleaved, and compares every field and list pointer with what glibc writes. The
         * memory is never freed: if a step went wrong, the thread's list may still lead there.
         */
        private static boolean check() {
            if (!(Libc.AARCH64 || "amd64".equals(System.getProperty("os.arch")))
                    || ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN || Pthread.MUTEX_SIZE < LIST_NEXT + 8) {
                return false;
            }
            long head = threadHead();
            if (head == 0) {
                return false;
            }
            MemorySegment both = Arena.global().allocate(2 * Pthread.MUTEX_SIZE, 8);
            MemorySegment a = both.asSlice(0, Pthread.MUTEX_SIZE);
            MemorySegment b = both.asSlice(Pthread.MUTEX_SIZE, Pthread.MUTEX_SIZE);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment attr = arena.allocate(Pthread.MUTEXATTR.layout());
                if (Pthread.pthread_mutexattr_init(attr) != 0) {
                    return false;
                }
                boolean made = Pthread.pthread_mutexattr_setpshared(attr, Pthread.PTHREAD_PROCESS_SHARED) == 0
                        && Pthread.pthread_mutexattr_setrobust(attr, Pthread.PTHREAD_MUTEX_ROBUST) == 0
                        && Pthread.pthread_mutexattr_settype(attr, Pthread.PTHREAD_MUTEX_ERRORCHECK) == 0
                        && Pthread.pthread_mutex_init(a, attr) == 0 && Pthread.pthread_mutex_init(b, attr) == 0;
                Pthread.pthread_mutexattr_destroy(attr);
                if (!made) {
                    return false;
                }
            }
            int tid = Unistd.gettid();
            long before = ALL.get(ValueLayout.JAVA_LONG, head + HEAD_LIST);
            long ea = a.address() + LIST_NEXT;
            long eb = b.address() + LIST_NEXT;
            boolean ok = false;
            try {
                ok = handles(a.address())
                        // glibc locks a, this class b: each sees the other's entry.
                        && Pthread.pthread_mutex_trylock(a.address()) == 0
                        && ALL.get(ValueLayout.JAVA_LONG, head + HEAD_LIST) == ea
                        && a.get(ValueLayout.JAVA_LONG, LIST_PREV) == head
                        && a.get(ValueLayout.JAVA_LONG, LIST_NEXT) == before
                        && tryLock(b.address(), head, tid)
                        && sameFields(a, b)
                        && ALL.get(ValueLayout.JAVA_LONG, head + HEAD_LIST) == eb
                        && b.get(ValueLayout.JAVA_LONG, LIST_NEXT) == ea
                        && a.get(ValueLayout.JAVA_LONG, LIST_PREV) == eb
                        && !tryLock(b.address(), head, tid)
                        // glibc unlocks b (this class's entry), this class unlocks a (glibc's).
                        && Pthread.pthread_mutex_unlock(b.address()) == 0
                        && ALL.get(ValueLayout.JAVA_LONG, head + HEAD_LIST) == ea
                        && a.get(ValueLayout.JAVA_LONG, LIST_PREV) == head
                        && unlock(a.address(), head, tid)
                        && sameFields(a, b)
                        && a.get(ValueLayout.JAVA_LONG, LIST_PREV) == 0 && a.get(ValueLayout.JAVA_LONG, LIST_NEXT) == 0
                        && !unlock(a.address(), head, tid)
                        && ALL.get(ValueLayout.JAVA_LONG, head + HEAD_LIST) == before
                        && ALL.get(ValueLayout.JAVA_LONG, head + HEAD_PENDING) == 0;
            } finally {
                if (!ok) {
                    // Whatever failed, leave this thread's list as it was and neither mutex held.
                    ALL.set(ValueLayout.JAVA_LONG, head + HEAD_LIST, before);
                    if (before != head) {
                        ALL.set(ValueLayout.JAVA_LONG, (before & ~1L) - ADJUST, head); // its first entry's __prev
                    }
                    ALL.set(ValueLayout.JAVA_LONG, head + HEAD_PENDING, 0L);
                    a.set(ValueLayout.JAVA_INT, LOCK, 0);
                    b.set(ValueLayout.JAVA_INT, LOCK, 0);
                }
            }
            return ok;
        }

        /** The words glibc keeps (lock, count, owner, users, kind) are the same in both. */
        private static boolean sameFields(MemorySegment x, MemorySegment y) {
            return x.asSlice(0, LIST_PREV).mismatch(y.asSlice(0, LIST_PREV)) == -1;
        }
    }
}
