package io.jipc.process;

import io.jipc.Errno;
import io.jipc.Fd;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Unistd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A JVM child of ChildProcessTest: adopts descriptor 3 as an Fd, reports whether it is
 * non-blocking, reads it to EOF and writes what it read, upper-cased, to descriptor 4.
 */
public final class FdReaderPeer {
    private FdReaderPeer() {}

    public static void main(String[] args) throws Exception {
        try (Fd in = Fd.adopt(3, "fd 3"); Fd out = Fd.adopt(4, "fd 4"); Arena a = Arena.ofConfined()) {
            StringBuilder text = new StringBuilder("nonblock=" + in.isNonBlocking() + "\n");
            MemorySegment buf = a.allocate(4096);
            int n = in.acquire("read");
            try {
                long r;
                while ((r = Unistd.read(n, buf, buf.byteSize())) != 0) {
                    if (r == -Errno.EINTR.number()) {
                        continue;
                    }
                    if (r < 0) {
                        throw new IllegalStateException("read: errno " + -r);
                    }
                    text.append(new String(buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8)
                            .toUpperCase(java.util.Locale.ROOT));
                }
            } finally {
                in.release();
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
            MemorySegment reply = a.allocate(bytes.length);
            MemorySegment.copy(bytes, 0, reply, ValueLayout.JAVA_BYTE, 0, bytes.length);
            int o = out.acquire("write");
            try {
                if (Fcntl.fcntl(o, Fcntl.F_GETFD, 0) < 0 || Unistd.write(o, reply, bytes.length) != bytes.length) {
                    throw new IllegalStateException("write to fd 4 failed");
                }
            } finally {
                out.release();
            }
        }
    }
}
