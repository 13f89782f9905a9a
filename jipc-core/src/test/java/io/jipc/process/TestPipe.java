package io.jipc.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcException;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Unistd;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A pipe as jipc makes them (pipe2 with O_NONBLOCK | O_CLOEXEC), each end an {@link FdBacked}, with
 * blocking reads and writes through the wait engine. Stands in for io.jipc.pipe.Pipe in these tests.
 */
final class TestPipe implements AutoCloseable {
    /** One end of the pipe. */
    static final class End implements FdBacked {
        private final Fd fd;

        End(Fd fd) {
            this.fd = fd;
        }

        @Override
        public Fd fd() {
            return fd;
        }

        @Override
        public void close() {
            fd.close();
        }
    }

    final End read;
    final End write;

    TestPipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ends = a.allocate(ValueLayout.JAVA_INT, 2);
            assertThat(Unistd.pipe2(ends, Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK)).isZero();
            read = new End(Fd.adopt(ends.getAtIndex(ValueLayout.JAVA_INT, 0), "test pipe"));
            write = new End(Fd.adopt(ends.getAtIndex(ValueLayout.JAVA_INT, 1), "test pipe"));
        }
    }

    /** Writes all of {@code text} (waiting while the pipe is full). */
    void write(String text) throws IpcException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buf, ValueLayout.JAVA_BYTE, 0, bytes.length);
            Operation op = Operation.on(Handles.of(write), "write",
                    (w, how) -> Unistd.write(w.target, w.data, w.length)).readiness(Poll.POLLOUT).build();
            long off = 0;
            while (off < bytes.length) {
                Waiter w = Waiter.current();
                w.data = buf.asSlice(off);
                w.length = bytes.length - off;
                long r = op.run(w, Deadline.FOREVER, false);
                if (r < 0) {
                    throw op.failure(r);
                }
                off += r;
            }
        }
    }

    /** Reads until EOF (every write end closed); fails the test if that takes longer than {@code timeout}. */
    String readAll(Duration timeout) throws IpcException {
        return readUntil(null, timeout);
    }

    /**
     * Reads until what was read ends with {@code end} (or, for null, until EOF); fails the test
     * if that takes longer than {@code timeout}. Reads byte by byte past nothing it needs.
     */
    String readUntil(String end, Duration timeout) throws IpcException {
        long deadline = Deadline.after(timeout);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(end == null ? 4096 : 1);
            Operation op = Operation.on(Handles.of(read), "read",
                    (w, how) -> Unistd.read(w.target, buf, buf.byteSize())).readiness(Poll.POLLIN).build();
            while (true) {
                long r = op.run(deadline);
                if (r == Operation.NOTHING) {
                    throw new AssertionError("no EOF within " + timeout + "; read so far: " + out);
                }
                if (r == 0) {
                    if (end != null) {
                        throw new AssertionError("EOF before \"" + end + "\"; read: " + out);
                    }
                    return out.toString(StandardCharsets.UTF_8);
                } else if (r > 0) {
                    out.write(buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE), 0, (int) r);
                    if (end != null && out.toString(StandardCharsets.UTF_8).endsWith(end)) {
                        return out.toString(StandardCharsets.UTF_8);
                    }
                } else {
                    throw op.failure(r);
                }
            }
        }
    }

    @Override
    public void close() {
        read.close();
        write.close();
    }
}
