package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.channel.RecordHandler;
import io.jipc.shm.MemFd;
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
 * The channel's own cost, in one thread and no waiting: a 64-byte record sent (copied in) and
 * drained (copied out) through a 64 KiB channel in a memfd, by {@code send} or by {@code
 * claimOffset}/{@code commit}. {@code downcall.c}'s {@code channel_send_recv} does the same on
 * the same ring in C (docs/channel-layout.md): the stores, the fences and the copies, nothing
 * else.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ChannelBench {
    private MemFd memfd;
    private ChannelWriter writer;
    private ChannelReader reader;
    private MemorySegment ring;
    private final MemorySegment message = Arena.ofAuto().allocate(64, 64);
    private final MemorySegment received = Arena.ofAuto().allocate(64, 64);
    private final RecordHandler copyOut = (type, buffer, offset, length) ->
            MemorySegment.copy(buffer, offset, received, 0, length);

    @Setup(Level.Trial)
    public void open() throws IpcException {
        Channel.Options options = Channel.Options.defaults().withCapacity(1 << 16).withIdle(0, 0);
        memfd = MemFd.create("channel-bench", Channel.objectSize(options.capacity()));
        writer = ChannelWriter.format(memfd, options);
        reader = ChannelReader.open(memfd, options);
        ring = writer.ring();
    }

    @TearDown(Level.Trial)
    public void close() {
        writer.close();
        reader.close();
        memfd.close();
    }

    @Benchmark
    public int sendDrain() throws IpcException {
        writer.send(1, message);
        return reader.tryDrain(copyOut, 1);
    }

    @Benchmark
    public int claimCommitDrain() throws IpcException {
        long at = writer.claimOffset(1, 64);
        MemorySegment.copy(message, 0, ring, at, 64);
        writer.commit();
        return reader.tryDrain(copyOut, 1);
    }
}
