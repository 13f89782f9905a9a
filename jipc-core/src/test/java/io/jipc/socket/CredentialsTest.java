package io.jipc.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jipc.internal.libc.Unistd;
import io.jipc.testing.CPeer;
import io.jipc.testing.Peer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SO_PEERCRED and SCM_CREDENTIALS name the real peer process, and let a server refuse by uid. */
class CredentialsTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void peerCredentialsAreTheConnectingProcesses() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.PATH, "peercred");
        try (UnixServerSocket server = UnixServerSocket.bind(address, UnixServerSocket.Options.defaults().withUnlinkOnClose(true));
                Peer c = CPeer.start("unix_peer", "connect-as", String.valueOf(Unistd.getuid()), "stream", address.toString());
                UnixSocket s = server.tryAccept(WAIT).orElseThrow()) {
            c.awaitOutput("sent", WAIT);
            assertThat(s.peerCredentials()).isEqualTo(new PeerCredentials((int) c.pid(), Unistd.getuid(), Unistd.getgid()));
            assertThat(c.stdout()).contains("sent pid=" + c.pid());
        }
    }

    @Test
    void passCredentialsAttachesTheSenderToEveryMessage() throws Exception {
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "passcred");
        try (UnixServerSocket server = UnixServerSocket.bind(address,
                UnixServerSocket.Options.defaults().withType(SocketType.SEQPACKET).withPassCredentials(true));
                Peer c = CPeer.start("unix_peer", "connect-as", String.valueOf(Unistd.getuid()), "seqpacket", address.toString());
                UnixSocket s = server.tryAccept(WAIT).orElseThrow()) {
            assertThat(s.passCredentials()).as("inherited from the listener").isTrue();
            try (ReceivedMessage m = s.tryReceiveMessage(ByteBuffer.allocate(8), 0, WAIT).orElseThrow()) {
                assertThat(m.bytes()).isEqualTo(1);
                assertThat(m.credentials()).contains(new PeerCredentials((int) c.pid(), Unistd.getuid(), Unistd.getgid()));
                assertThat(m.controlTruncated()).isFalse();
            }
        }
        try (UnixSocket.Pair p = UnixSocket.pair(SocketType.STREAM)) {
            try (ReceivedMessage m = sendOne(p)) {
                assertThat(m.credentials()).as("SO_PASSCRED off").isEmpty();
            }
            p.second().setPassCredentials(true);
            try (ReceivedMessage m = sendOne(p)) {
                assertThat(m.credentials()).get().extracting(PeerCredentials::pid).isEqualTo((int) ProcessHandle.current().pid());
            }
        }
    }

    private static ReceivedMessage sendOne(UnixSocket.Pair p) throws Exception {
        p.first().send(new byte[] {7});
        return p.second().receiveMessage(ByteBuffer.allocate(4), 2);
    }

    /**
     * A C peer that dropped to uid 65534 connects to an abstract name (which has no permissions
     * to keep it out); the server refuses it by uid and takes the next peer, of its own uid.
     */
    @Test
    void aServerRefusesAPeerByUid() throws Exception {
        assumeTrue(Unistd.getuid() == 0, "needs root to start a peer under another uid");
        UnixAddress address = SocketTesting.address(SocketTesting.Kind.ABSTRACT, "refuse");
        int me = Unistd.getuid();
        List<PeerCredentials> refused = new ArrayList<>();
        try (UnixServerSocket server = UnixServerSocket.bind(address);
                Peer stranger = CPeer.start("unix_peer", "connect-as", "65534", "stream", address.toString())) {
            stranger.awaitOutput("sent", WAIT);
            try (Peer friend = CPeer.start("unix_peer", "connect-as", String.valueOf(me), "stream", address.toString())) {
                friend.awaitOutput("sent", WAIT);
                try (UnixSocket accepted = server.tryAcceptIf(peer -> {
                    if (peer.uid() != me) {
                        refused.add(peer);
                        return false;
                    }
                    return true;
                }, WAIT).orElseThrow()) {
                    assertThat(accepted.peerCredentials().pid()).isEqualTo((int) friend.pid());
                    assertThat(refused).containsExactly(new PeerCredentials((int) stranger.pid(), 65534, Unistd.getgid()));
                    // the refused peer saw its connection closed
                    stranger.awaitSuccess(WAIT);
                }
                friend.awaitSuccess(WAIT);
            }
        }
    }
}
