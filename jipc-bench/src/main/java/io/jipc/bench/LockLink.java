package io.jipc.bench;

import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A handoff link over OFD byte-range locks on one file ({@link FileLock}), as {@code c/lock.c}
 * does it: a message is a turn handed over — one side releases a lock the other is blocked on.
 *
 * <p>Two lock sets, one per direction, of three one-byte locks each (bytes 0-2 carry the
 * parent's messages, 3-5 the child's). A sender holds locks k and k+1 (mod 3), a receiver lock
 * k-1. Sending message k releases lock k, which the receiver is blocked on, then takes lock k+2,
 * which the receiver releases once it has lock k; so each lock has at most one waiter, nobody
 * ever takes back a lock it just released, and a send returns once the message was received.
 * Three locks are the fewest that do this: with two, the releasing side could take its lock
 * back before the other side woke.
 *
 * <p>A lock carries no bytes, so the message's first four bytes (the harness's sequence number)
 * are written to a shared mapping of the file before the release and read after the take (and
 * before the receiver's own release, which lets the sender go on to its next message): what the
 * locks protect, and how a lost or reordered handoff shows. The rest of a message is ignored,
 * as for every handoff mechanism. Nothing is allocated per message.
 */
final class LockLink implements Link {
    /** Bytes 0..2: the parent's locks (parent to child), 3..5: the child's. */
    private static final int PARENT_LOCKS = 0;
    private static final int CHILD_LOCKS = 3;
    /** Where each direction's sequence number travels, a cache line apart. */
    private static final long PARENT_STAMP = 64;
    private static final long CHILD_STAMP = 128;
    static final long FILE_SIZE = 4096;

    private final FileLock[] out = new FileLock[3];
    private final FileLock[] in = new FileLock[3];
    /** Unmapped once unreachable: a close from the harness's guard must not pull it from under a send. */
    private final Arena arena = Arena.ofAuto();
    private final MemorySegment map;
    private final long outStamp;
    private final long inStamp;
    private final AtomicBoolean closed = new AtomicBoolean();
    private int sendAt;
    private int receiveAt;

    private LockLink(Path file, boolean parent) throws IOException {
        try {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                map = ch.map(FileChannel.MapMode.READ_WRITE, 0, FILE_SIZE, arena);
            }
            FileLock.Options one = FileLock.Options.defaults().withKind(LockKind.OFD);
            int outBase = parent ? PARENT_LOCKS : CHILD_LOCKS;
            int inBase = parent ? CHILD_LOCKS : PARENT_LOCKS;
            // One open file description per side: all its locks have one owner, as in C.
            out[0] = FileLock.open(file, one.withRange(outBase, 1));
            for (int i = 0; i < 3; i++) {
                if (i > 0) {
                    out[i] = FileLock.on(out[0].fd(), one.withRange(outBase + i, 1));
                }
                in[i] = FileLock.on(out[0].fd(), one.withRange(inBase + i, 1));
            }
            outStamp = parent ? PARENT_STAMP : CHILD_STAMP;
            inStamp = parent ? CHILD_STAMP : PARENT_STAMP;
            // Sender: locks 0 and 1 of its set; receiver: lock 2 of the other's.
            out[0].lock();
            out[1].lock();
            in[2].lock();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Creates the file and takes the parent's starting locks. */
    static LockLink parent(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.truncate(FILE_SIZE);
            ch.position(FILE_SIZE - 1);
            ch.write(java.nio.ByteBuffer.allocate(1));
        }
        return new LockLink(file, true);
    }

    /** Takes the child's starting locks (free until it does: the parent holds only its own). */
    static LockLink child(Path file) throws IOException {
        return new LockLink(file, false);
    }

    /**
     * Waits until the other side holds its starting locks (it takes them after this side did), so
     * that the first send finds its receiver in place.
     */
    void awaitPeer(BooleanSupplier peerAlive, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (out[2].holder().isEmpty() || in[0].holder().isEmpty() || in[1].holder().isEmpty()) {
            if (!peerAlive.getAsBoolean()) {
                throw new IOException("the lock peer exited before taking its locks");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("the lock peer did not take its locks within " + timeout);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted waiting for the lock peer", e);
            }
        }
    }

    @Override
    public void send(MemorySegment message) throws IOException {
        MemorySegment.copy(message, 0, map, outStamp, Math.min(4, message.byteSize()));
        out[sendAt].unlock();
        out[(sendAt + 2) % 3].lock();
        sendAt = (sendAt + 1) % 3;
    }

    @Override
    public void receive(MemorySegment message) throws IOException {
        in[receiveAt].lock();
        // Read before the release below lets the sender return and write its next message.
        MemorySegment.copy(map, inStamp, message, 0, Math.min(4, message.byteSize()));
        in[(receiveAt + 2) % 3].unlock();
        receiveAt = (receiveAt + 1) % 3;
    }

    /** Closes every lock (waking a waiting side); the mapping goes with the object. Idempotent and thread-safe. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (int i = 2; i >= 0; i--) {
            for (FileLock l : new FileLock[] {in[i], out[i]}) {
                if (l != null) {
                    l.close();
                }
            }
        }
    }
}
