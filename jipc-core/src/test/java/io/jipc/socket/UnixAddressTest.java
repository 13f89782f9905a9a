package io.jipc.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jipc.IpcException;
import io.jipc.internal.libc.Un;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class UnixAddressTest {
    @Test
    void textFormTellsAbstractFromPath() {
        UnixAddress a = UnixAddress.parse("@svc/one");
        assertThat(a.isAbstract()).isTrue();
        assertThat(a.abstractNameBytes()).isEqualTo("svc/one".getBytes(StandardCharsets.UTF_8));
        assertThat(a).hasToString("@svc/one").isEqualTo(UnixAddress.abstractName("svc/one"));
        UnixAddress p = UnixAddress.parse("/run/x.sock");
        assertThat(p.isPath()).isTrue();
        assertThat(p.path()).isEqualTo(Path.of("/run/x.sock"));
        assertThat(p).hasToString("/run/x.sock");
        assertThat(UnixAddress.parse("relative.sock").path()).isEqualTo(Path.of("relative.sock"));
        assertThat(UnixAddress.unnamed().isUnnamed()).isTrue();
        assertThat(UnixAddress.unnamed()).hasToString("");
        assertThatThrownBy(() -> p.abstractNameBytes()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> a.path()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sunPathHolds107BytesOfPathPlusTheNul() {
        String ok = "/tmp/" + "a".repeat(UnixAddress.MAX_PATH_BYTES - 5);
        assertThat(UnixAddress.parse(ok).path().toString()).hasSize(107);
        assertThatThrownBy(() -> UnixAddress.parse(ok + "b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most 107 bytes").hasMessageContaining("108");
        // bytes, not chars: 54 two-byte characters are 108 bytes
        assertThatThrownBy(() -> UnixAddress.of(Path.of("é".repeat(54))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("this one has 108");
        assertThat(UnixAddress.abstractName("n".repeat(107)).abstractNameBytes()).hasSize(107);
        assertThatThrownBy(() -> UnixAddress.abstractName("n".repeat(108)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leading NUL");
        assertThatThrownBy(() -> UnixAddress.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> UnixAddress.parse("/tmp/a\0b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NUL");
    }

    @Test
    void encodesAsCProgramsDo() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sa = a.allocate(Un.SOCKADDR_UN.layout());
            // path: offsetof(sun_path) + strlen + 1
            assertThat(UnixAddress.parse("/tmp/s").encode(sa)).isEqualTo(2 + 6 + 1);
            assertThat(UnixAddress.decode(sa, 9)).isEqualTo(UnixAddress.parse("/tmp/s"));
            // abstract: offsetof(sun_path) + 1 + strlen(name), no trailing NUL
            assertThat(UnixAddress.parse("@abc").encode(sa)).isEqualTo(2 + 1 + 3);
            assertThat(sa.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 2)).isZero();
            assertThat(UnixAddress.decode(sa, 6)).isEqualTo(UnixAddress.parse("@abc"));
            assertThat(UnixAddress.decode(sa, 2)).isEqualTo(UnixAddress.unnamed());
            // abstract names may hold NUL bytes
            UnixAddress withNul = UnixAddress.abstractName(new byte[] {'a', 0, 'b'});
            int len = withNul.encode(sa);
            assertThat(UnixAddress.decode(sa, len)).isEqualTo(withNul);
        }
    }

    @Test
    void boundAddressesReadBackTheSame() throws IpcException {
        UnixAddress abs = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "addr");
        UnixAddress path = SocketTesting.address(SocketTesting.Kind.PATH, "addr");
        try (UnixDatagramSocket a = UnixDatagramSocket.bind(abs);
                UnixDatagramSocket p = UnixDatagramSocket.bind(path, UnixDatagramSocket.Options.defaults().withUnlinkOnClose(true));
                UnixDatagramSocket auto = UnixDatagramSocket.bindAutomatically();
                UnixDatagramSocket none = UnixDatagramSocket.unbound()) {
            assertThat(a.localAddress()).isEqualTo(abs);
            assertThat(p.localAddress()).isEqualTo(path);
            assertThat(auto.localAddress().isAbstract()).isTrue();
            assertThat(auto.localAddress().abstractNameBytes()).hasSize(5); // the kernel's five hex digits
            assertThat(none.localAddress().isUnnamed()).isTrue();
        }
    }

    @Test
    void socketTypesParseFromTheirCliWords() {
        assertThat(SocketType.parse("stream")).isEqualTo(SocketType.STREAM);
        assertThat(SocketType.parse("dgram")).isEqualTo(SocketType.DGRAM);
        assertThat(SocketType.parse("seqpacket")).isEqualTo(SocketType.SEQPACKET);
        assertThatThrownBy(() -> SocketType.parse("raw")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream, dgram or seqpacket");
    }
}
