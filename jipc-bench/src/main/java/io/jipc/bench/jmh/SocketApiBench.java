package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.internal.libc.Socket;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The hot path of {@code jipc bench}'s unix-stream streaming on one thread: 64 bytes sent and
 * received on a connected stream socket pair that never runs empty or full, through the raw libc
 * layer with {@code MSG_DONTWAIT} ({@code downcall.c}'s {@code socket_send_recv} in C) and through
 * {@link UnixSocket#send(MemorySegment)} and {@link UnixSocket#receive(MemorySegment)}. The
 * difference between the two is what jipc adds per call when no call waits: the descriptor's
 * acquire and release, the stream send lock, the thread's waiter, the try-first state, the
 * engine's loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SocketApiBench {
    private static final int SIZE = 64;

    private UnixSocket.Pair streams;
    private int streamOut;
    private int streamIn;
    private Arena arena;
    private MemorySegment segment;

    @Setup(Level.Trial)
    public void open() throws IpcException {
        streams = UnixSocket.pair(SocketType.STREAM);
        streamOut = streams.first().fd().acquire("bench");
        streamIn = streams.second().fd().acquire("bench");
        arena = Arena.ofConfined();
        segment = arena.allocate(SIZE, 8);
    }

    @TearDown(Level.Trial)
    public void close() {
        streams.first().fd().release();
        streams.second().fd().release();
        streams.close();
        arena.close();
    }

    @Benchmark
    public long streamRaw() {
        long sent = Socket.send(streamOut, segment, SIZE, Socket.MSG_NOSIGNAL | Socket.MSG_DONTWAIT);
        return check(sent, Socket.recv(streamIn, segment, SIZE, Socket.MSG_DONTWAIT));
    }

    @Benchmark
    public long streamApi() throws IpcException {
        streams.first().send(segment);
        return check(SIZE, streams.second().receive(segment));
    }

    private static long check(long sent, long received) {
        if (sent != SIZE || received != SIZE) {
            throw new IllegalStateException("socket send/receive returned " + sent + "/" + received);
        }
        return received;
    }
}
