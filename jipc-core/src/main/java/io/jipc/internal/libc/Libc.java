package io.jipc.internal.libc;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The one place that links C functions: symbol lookup, downcall handles with errno capture,
 * and the registry of C struct layouts that {@code LayoutTest} checks against the real headers.
 *
 * <p>Conventions for the per-header classes ({@link Unistd}, {@link Fcntl}, ...): one
 * {@code static final MethodHandle} per C function, called with {@code invokeExact}; a static
 * wrapper with the C name returning the raw result, or {@code -errno} when the call failed. No
 * policy, no exceptions for errno: the public classes decide what an errno means.
 *
 * <p>errno is captured per call into a per-thread state segment (never one shared static
 * segment: two threads would overwrite each other's errno between the call and the read).
 */
public final class Libc {
    private Libc() {}

    public static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();

    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** One capture segment per thread, allocated once and reused for every call on that thread. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /** C {@code int}, {@code long}, {@code size_t} and pointers as this platform's ABI sees them. */
    public static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    public static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfLong C_SIZE_T = ValueLayout.JAVA_LONG;
    public static final ValueLayout.OfShort C_SHORT = ValueLayout.JAVA_SHORT;
    public static final ValueLayout.OfByte C_CHAR = ValueLayout.JAVA_BYTE;
    public static final java.lang.foreign.AddressLayout C_POINTER = ValueLayout.ADDRESS;

    /** The platform: struct layouts that differ between x86_64 and aarch64 switch on it. */
    public static final boolean AARCH64 = "aarch64".equals(System.getProperty("os.arch"));

    /**
     * A downcall for a call that sets errno. The handle takes the capture segment as its first
     * argument; pass {@link #callState()} and read {@link #errno(MemorySegment)} after a failure.
     */
    public static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(symbol(name), descriptor, all);
    }

    /**
     * A downcall for a call that can never block (getpid, FUTEX_WAKE, sem_post...): the JVM
     * skips the thread-state transition, which makes it several nanoseconds cheaper. Never use it
     * for a call that may sleep: a critical call stalls garbage collection while it runs.
     */
    public static MethodHandle criticalDowncall(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor, CAPTURE_ERRNO, Linker.Option.critical(false));
    }

    /** A downcall for a call that cannot fail and needs no errno. */
    public static MethodHandle plainDowncall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /** Whether libc exports {@code name}: older glibcs lack some calls (pidfd_open, memfd_create...). */
    public static boolean has(String name) {
        return LOOKUP.find(name).isPresent();
    }

    static MemorySegment symbol(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /**
     * This thread's errno capture segment. Allocation-free after the first call on a thread — but
     * a downcall made with the capture slices it on every call (the JDK's checkCaptureSegment: a
     * 40-byte segment object), which only C2's escape analysis removes, and not in every
     * compilation. A hot call that can do without errno on success uses a {@link #plainDowncall}
     * first (see {@code Semaphore.sem_trywait}).
     */
    public static MemorySegment callState() {
        return CALL_STATE.get();
    }

    /** The errno a downcall left in {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /**
     * Turns a throwable from {@code invokeExact} into an unchecked error: the handles are built
     * for their exact types, so anything thrown here is a bug in this package — except the
     * linker's refusal of a memory segment the caller handed in (its arena closed: {@code
     * IllegalStateException}; confined to another thread: {@code WrongThreadException}; heap
     * memory where a call takes only native memory: {@code IllegalArgumentException}), which is
     * thrown as it is, before the call is made: the caller's mistake, named by the JDK.
     */
    public static AssertionError wrongHandle(Throwable t) {
        if (t instanceof IllegalStateException || t instanceof WrongThreadException
                || t instanceof IllegalArgumentException) {
            throw (RuntimeException) t;
        }
        return new AssertionError("bad downcall in io.jipc.internal.libc", t);
    }

    // ---------------------------------------------------------------- struct registry

    /**
     * A C struct as glibc lays it out: the header that declares it, its C name, and a layout
     * whose named members carry the C member names. {@code LayoutTest} compiles a C program
     * printing {@code sizeof} and {@code offsetof} for each registered struct and compares.
     */
    public record CStruct(String header, String cName, StructLayout layout) {
        public long offset(String member) {
            return layout.byteOffset(MemoryLayout.PathElement.groupElement(member));
        }
    }

    private static final List<CStruct> STRUCTS = Collections.synchronizedList(new ArrayList<>());

    /**
     * Declares a C struct and registers it for the header check. Members are named with their C
     * names; padding is unnamed.
     */
    public static CStruct struct(String header, String cName, MemoryLayout... members) {
        CStruct s = new CStruct(header, cName, MemoryLayout.structLayout(members).withName(cName));
        STRUCTS.add(s);
        return s;
    }

    /**
     * A C struct whose alignment is more than its members' (a union with a {@code long}, as
     * {@code pthread_mutex_t} is, around {@code int} members).
     */
    public static CStruct alignedStruct(long alignment, String header, String cName, MemoryLayout... members) {
        CStruct s = new CStruct(header, cName,
                MemoryLayout.structLayout(members).withName(cName).withByteAlignment(alignment));
        STRUCTS.add(s);
        return s;
    }

    /** Every struct declared so far (the header classes register theirs when initialised). */
    public static List<CStruct> structs() {
        synchronized (STRUCTS) {
            return List.copyOf(STRUCTS);
        }
    }
}
