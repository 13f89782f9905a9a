package io.jipc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void namesAndTextsMatchGlibc() {
        try (Peer c = CPeer.start("errno_table")) {
            c.awaitSuccess(Duration.ofSeconds(30));
            int checked = 0;
            for (String line : c.stdout().split("\n")) {
                String[] f = line.split("\t");
                int n = Integer.parseInt(f[0]);
                assertThat(Errno.nameOf(n)).as("name of errno %d", n).isEqualTo(f[1].equals("(null)") ? "errno " + n : f[1]);
                assertThat(Errno.describe(n)).as("text of errno %d", n).isEqualTo(f[2]);
                checked++;
            }
            assertThat(checked).isEqualTo(133);
        }
    }

    @Test
    void aliasesResolve() {
        assertThat(Errno.byName("EWOULDBLOCK")).isEqualTo(Errno.EAGAIN);
        assertThat(Errno.byName("ENOTSUP")).isEqualTo(Errno.EOPNOTSUPP);
        assertThat(Errno.byName("EDEADLOCK")).isEqualTo(Errno.EDEADLK);
        assertThat(Errno.byName("ENOENT")).isEqualTo(Errno.ENOENT);
        assertThat(Errno.byName("NOPE")).isNull();
        assertThat(Errno.of(41)).isNull();
        assertThat(Errno.of(0)).isNull();
        assertThat(Errno.of(-1)).isNull();
        assertThat(Errno.of(100_000)).isNull();
    }

    @Test
    void exceptionsNameCallObjectAndErrno() {
        IpcException e = IpcException.of("mq_open", "/jobs", 2);
        assertThat(e).isInstanceOf(NotFoundException.class)
                .hasMessage("mq_open(/jobs): No such file or directory (ENOENT)");
        assertThat(e.call()).isEqualTo("mq_open");
        assertThat(e.object()).isEqualTo("/jobs");
        assertThat(e.error()).isEqualTo(Errno.ENOENT);
        assertThat(IpcException.of("x", "o", 17)).isInstanceOf(AlreadyExistsException.class);
        assertThat(IpcException.of("x", "o", 13)).isInstanceOf(PermissionDeniedException.class);
        assertThat(IpcException.of("x", "o", 1)).isInstanceOf(PermissionDeniedException.class);
        assertThat(IpcException.of("x", "o", 90)).isInstanceOf(MessageTooLargeException.class);
        assertThat(IpcException.of("x", "o", 43)).isInstanceOf(ObjectRemovedException.class);
        assertThat(IpcException.of("x", "o", 22)).isExactlyInstanceOf(IpcException.class)
                .hasMessage("x(o): Invalid argument (EINVAL)");
        assertThat(IpcException.of("x", "o", 41)).hasMessage("x(o): Unknown error 41 (errno 41)");
        assertThat(new ObjectClosedException("read", "pipe")).hasMessage("read(pipe): object is closed")
                .extracting(IpcException::error).isEqualTo(Errno.EBADF);
    }
}
