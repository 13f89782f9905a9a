package io.jipc.signal;

import io.jipc.IpcException;
import io.jipc.internal.libc.CodeMapping;
import io.jipc.internal.libc.Errnos;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The signal handler jipc installs, and the only machine code jipc has: it writes the {@code
 * siginfo_t} the kernel hands a handler into the dispatch pipe with one raw {@code write(2)}
 * system call, and counts the signal as lost if the pipe is full. Nothing else runs in signal
 * context: no Java (an FFM upcall must never run there: it may allocate, take locks, reach a
 * safepoint), no libc, no errno (a raw system call leaves it alone), no stack beyond the return
 * address, and it returns at once (a non-blocking pipe). The dispatch thread reads the records.
 *
 * <p>Why code of its own: a handler must be a C function, and no libc function does this with
 * the arguments a handler gets ({@code int sig, siginfo_t *info, void *context}) — glibc's {@code
 * write} would take the signal number as its descriptor, and descriptors 1 to 64 are the JVM's
 * (standard output, its jar files). The code is 13 instructions, mapped once for the life of the
 * process in a page that is written, then made read-and-execute ({@code mprotect}), never both.
 * Its source, assembled with GNU as into the bytes below (the test {@code HandlerStubTest}
 * assembles the source of this platform again and compares):
 *
 * <pre>
 *   x86_64                                      aarch64
 *   stub: movl  fd(%rip), %edi                  stub: ldr   w0, fd
 *         movl  $128, %edx     # %rsi = info          mov   x2, #128      // x1 = info
 *         movl  $1, %eax       # SYS_write            mov   x8, #64       // __NR_write
 *         syscall                                     svc   #0
 *         cmpq  $128, %rax                            cmp   x0, #128
 *         je    1f                                    b.eq  2f
 *         movq  counter(%rip), %rcx                   ldr   x9, counter
 *         lock incq (%rcx)                      1:    ldxr  x10, [x9]
 *   1:    ret                                         add   x10, x10, #1
 *         .balign 8                                   stxr  w11, x10, [x9]
 *   counter: .quad 0                                  cbnz  w11, 1b
 *   fd:      .long 0                            2:    ret
 *                                                     .balign 8
 *                                               counter: .quad 0
 *                                               fd:      .word 0
 * </pre>
 *
 * The pipe's write end and the counter's address are the two literals after the code. The
 * aarch64 bytes were checked by running them as a handler under qemu-aarch64 (records, lost
 * count, errno kept), the same harness as on x86_64.
 */
final class HandlerStub {
    /** {@code -Dio.jipc.signalHandlerCode=false}: map no code; only signals blocked in every thread can be caught. */
    static final String PROPERTY = "io.jipc.signalHandlerCode";

    private static final byte[] X86_64 = bytes(
            0x8b, 0x3d, 0x2a, 0x00, 0x00, 0x00, 0xba, 0x80, 0x00, 0x00, 0x00, 0xb8,
            0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x48, 0x3d, 0x80, 0x00, 0x00, 0x00,
            0x74, 0x0b, 0x48, 0x8b, 0x0d, 0x07, 0x00, 0x00, 0x00, 0xf0, 0x48, 0xff,
            0x01, 0xc3, 0x66, 0x90);
    private static final int X86_64_COUNTER = 0x28;
    private static final int X86_64_FD = 0x30;

    private static final byte[] AARCH64 = bytes(
            0xc0, 0x01, 0x00, 0x18, 0x02, 0x10, 0x80, 0xd2, 0x08, 0x08, 0x80, 0xd2,
            0x01, 0x00, 0x00, 0xd4, 0x1f, 0x00, 0x02, 0xf1, 0xc0, 0x00, 0x00, 0x54,
            0xc9, 0x00, 0x00, 0x58, 0x2a, 0x7d, 0x5f, 0xc8, 0x4a, 0x05, 0x00, 0x91,
            0x2a, 0x7d, 0x0b, 0xc8, 0xab, 0xff, 0xff, 0x35, 0xc0, 0x03, 0x5f, 0xd6);
    private static final int AARCH64_COUNTER = 0x30;
    private static final int AARCH64_FD = 0x38;

    private static final long PAGE = 4096;
    private static final VarHandle COUNT = ValueLayout.JAVA_LONG.varHandle();

    private final MemorySegment entry;
    private final MemorySegment lost;

    private HandlerStub(MemorySegment entry, MemorySegment lost) {
        this.entry = entry;
        this.lost = lost;
    }

    /** The code for a platform ({@code os.arch}), or null where jipc has none. */
    static byte[] code(String arch) {
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64.clone();
            case "aarch64" -> AARCH64.clone();
            default -> null;
        };
    }

    /** Why the handler could not be mapped: the call, its errno, and what it means. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        final String call;
        final int errno;
        final String detail;

        Refused(String call, int errno, String detail) {
            super(call + ": " + detail, null, false, false);
            this.call = call;
            this.errno = errno;
            this.detail = detail;
        }

        /** The exception for a signal that cannot be caught without the handler. */
        IpcException exception(String consequence) {
            return IpcException.withDetail(call, "jipc's signal handler", errno, detail + "; " + consequence);
        }
    }

    /**
     * Maps the handler for a pipe's write end {@code fd}. The mapping and the counter live as
     * long as the process: a handler may be running on some thread at any time.
     *
     * @throws Refused when the platform has no code here, code mapping is disabled, or the
     *                 kernel refuses executable memory (SELinux {@code execmem}, a W^X policy)
     */
    static HandlerStub map(int fd) throws Refused {
        if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
            throw new Refused("mmap", Errnos.EPERM, "executable code is disabled by -D" + PROPERTY + "=false");
        }
        String arch = System.getProperty("os.arch");
        boolean x86 = !"aarch64".equals(arch);
        byte[] code = code(arch);
        if (code == null) {
            throw new Refused("mmap", Errnos.ENOSYS, "jipc has no handler code for " + arch);
        }
        long address = CodeMapping.mapAnonymous(PAGE, CodeMapping.PROT_READ | CodeMapping.PROT_WRITE);
        if (address < 0) {
            throw new Refused("mmap", (int) -address, io.jipc.Errno.describe((int) -address));
        }
        MemorySegment page = MemorySegment.ofAddress(address).reinterpret(PAGE);
        MemorySegment lost = Arena.global().allocate(ValueLayout.JAVA_LONG);
        MemorySegment.copy(code, 0, page, ValueLayout.JAVA_BYTE, 0, code.length);
        page.set(ValueLayout.JAVA_LONG_UNALIGNED, x86 ? X86_64_COUNTER : AARCH64_COUNTER, lost.address());
        page.set(ValueLayout.JAVA_INT_UNALIGNED, x86 ? X86_64_FD : AARCH64_FD, fd);
        // On aarch64 the kernel makes the instruction cache see the new bytes when the page turns
        // executable (it syncs the caches of user pages mapped executable).
        int r = CodeMapping.mprotect(address, PAGE, CodeMapping.PROT_READ | CodeMapping.PROT_EXEC);
        if (r < 0) {
            // The page stays mapped, unused: one page, once per process.
            throw new Refused("mprotect", -r, "the kernel refused executable memory (a W^X or SELinux execmem policy)");
        }
        return new HandlerStub(page, lost);
    }

    /** The handler's address, for {@code sa_sigaction}. */
    MemorySegment entry() {
        return entry;
    }

    /** Signals the handler could not write because the pipe was full. */
    long lost() {
        return (long) COUNT.getVolatile(lost, 0L);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }
}
