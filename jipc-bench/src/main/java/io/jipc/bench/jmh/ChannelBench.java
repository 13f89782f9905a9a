package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.channel.Channel;
import io.jipc.channel.ChannelReader;
import io.jipc.channel.ChannelWriter;
import io.jipc.channel.RecordHandler;
import io.jipc.shm.MemFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The channel's own cost, in one thread and no waiting: a 64-byte record sent (copied in) and
 * drained (copied out) through a 64 KiB channel in a memfd, by {@code send} or by {@code
 * claimOffset}/{@code commit}. {@code downcall.c}'s {@code channel_send_recv} does the same on
 * the same ring in C (docs/channel-layout.md): the stores, the fences and the copies, nothing
 * else. {@code manySendDrain}: the same through a many-producer channel (layout version 2: claim by
 * CAS, commit in the header, the reader zeroes what it read).
 *
 * <p>Issue 18's 64 KiB streaming, in one thread (what one CPU does: each message is written, then
 * read, never both at once), through a 1 MiB ring, paired with C's 64 KiB memcpy: {@code
 * stream64kCopy} is what {@code jipc bench}'s channel row does per message — a copy in ({@code
 * send}) and a copy out (the handler); {@code stream64kInPlace} is zero-copy use — the producer
 * writes its 64 KiB straight into the claimed room ({@code claim} → fill, a memset → {@code
 * commit}) and the consumer takes the record where it lies, reading one long of it: the channel's
 * cost when the application produces into the ring and consumes from it, its own reading left out;
 * {@code stream64kInPlaceChecked} adds a consumer that reads every byte where it lies (a vectorized
 * compare against a 64 KiB reference, {@code MemorySegment.mismatch}); {@code stream64kInPlaceSummed}
 * one that sums its longs in a plain loop.
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

    /** The streamed message's size (BindingCost passes the row's bytes). */
    @Param("65536")
    public int size;
    private MemFd bigMemfd;
    private ChannelWriter bigWriter;
    private ChannelReader bigReader;
    private MemorySegment bigMessage;
    private MemorySegment bigReceived;
    private final RecordHandler bigCopyOut = (type, buffer, offset, length) ->
            MemorySegment.copy(buffer, offset, bigReceived, 0, length);
    private long sum;
    private final RecordHandler readInPlace = (type, buffer, offset, length) -> {
        long s = 0;
        for (long i = offset; i < offset + length; i += 8) {
            s += buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
        }
        sum += s;
    };
    private MemorySegment reference;
    private final RecordHandler checkInPlace = (type, buffer, offset, length) -> {
        if (MemorySegment.mismatch(buffer, offset, offset + length, reference, 0, length) != -1) {
            throw new IllegalStateException("a torn record");
        }
    };
    private final RecordHandler touchInPlace = (type, buffer, offset, length) ->
            sum += buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset + length - 8);

    private MemFd manyMemfd;
    private ChannelWriter manyWriter;
    private ChannelReader manyReader;

    @Setup(Level.Trial)
    public void open() throws IpcException {
        Channel.Options options = Channel.Options.defaults().withCapacity(1 << 16).withIdle(0, 0);
        memfd = MemFd.create("channel-bench", Channel.objectSize(options.capacity()));
        writer = ChannelWriter.format(memfd, options);
        reader = ChannelReader.open(memfd, options);
        ring = writer.ring();
        bigMessage = Arena.ofAuto().allocate(size, 64);
        bigReceived = Arena.ofAuto().allocate(size, 64);
        reference = Arena.ofAuto().allocate(size, 64).fill((byte) 0x5A);
        Channel.Options big = Channel.Options.defaults().withCapacity(1 << 20).withIdle(0, 0);
        bigMemfd = MemFd.create("channel-bench-64k", Channel.objectSize(big));
        bigWriter = ChannelWriter.format(bigMemfd, big);
        bigReader = ChannelReader.open(bigMemfd, big);
        Channel.Options many = options.withProducers(8);
        manyMemfd = MemFd.create("channel-bench-many", Channel.objectSize(many));
        manyWriter = ChannelWriter.format(manyMemfd, many);
        manyReader = ChannelReader.open(manyMemfd, many);
    }

    @TearDown(Level.Trial)
    public void close() {
        writer.close();
        reader.close();
        memfd.close();
        bigWriter.close();
        bigReader.close();
        bigMemfd.close();
        manyWriter.close();
        manyReader.close();
        manyMemfd.close();
    }

    @Benchmark
    public int manySendDrain() throws IpcException {
        manyWriter.send(1, message);
        return manyReader.tryDrain(copyOut, 1);
    }

    @Benchmark
    public int stream64kCopy() throws IpcException {
        bigWriter.send(1, bigMessage);
        return bigReader.tryDrain(bigCopyOut, 1);
    }

    @Benchmark
    public long stream64kInPlace() throws IpcException {
        bigWriter.claim(1, size).fill((byte) 0x5A);
        bigWriter.commit();
        bigReader.tryDrain(touchInPlace, 1);
        return sum;
    }

    @Benchmark
    public int stream64kInPlaceChecked() throws IpcException {
        bigWriter.claim(1, size).fill((byte) 0x5A);
        bigWriter.commit();
        return bigReader.tryDrain(checkInPlace, 1);
    }

    @Benchmark
    public long stream64kInPlaceSummed() throws IpcException {
        bigWriter.claim(1, size).fill((byte) 0x5A);
        bigWriter.commit();
        bigReader.tryDrain(readInPlace, 1);
        return sum;
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
