package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.shm.SharedMemory;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Objects;
import java.util.Set;

/**
 * What both ends of a channel share: how it is made ({@link Options}), what one end knows of the
 * other ({@link PeerState}), and the name's removal. The channel itself is {@link ChannelWriter}
 * and {@link ChannelReader}; its memory layout is {@code docs/channel-layout.md}.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/shm_overview.7.html">shm_overview(7)</a>
 * @see <a href="https://man7.org/linux/man-pages/man2/futex.2.html">futex(2)</a>
 */
public final class Channel {
    private Channel() {}

    /** The smallest capacity, in bytes of the data area. */
    public static final int MIN_CAPACITY = 1024;
    /** The largest capacity: 1 GiB. */
    public static final int MAX_CAPACITY = 1 << 30;

    /** The most producer slots a many-producer channel can have. */
    public static final int MAX_PRODUCERS = 1024;

    /**
     * How a channel is made and how an end waits. Defaults: 64 KiB of records, mode 0600, an idle
     * end spins 100 times and yields 10 times before it sleeps, one producer.
     *
     * @param capacity bytes of the ring (a power of two, {@value #MIN_CAPACITY} to 2^30); a record
     *                 takes its payload plus 8 bytes, rounded up to 8, and at most half of it
     * @param mode     permissions of a POSIX object this call creates
     * @param spins    how often an end finding nothing looks again at once ({@link Thread#onSpinWait()})
     * @param yields   then how often it yields its CPU ({@link Thread#yield()}) and looks again,
     *                 before it sleeps in {@code futex(FUTEX_WAIT)}; 0 and 0 sleep at once
     * @param producers for a channel this call creates: 1 for a one-producer channel (layout
     *                 version 1), 2 to {@value #MAX_PRODUCERS} for a many-producer channel with that
     *                 many producer slots (version 2): that many {@link ChannelWriter}s, in any
     *                 processes and threads, may write it at once
     * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
     * @see <a href="https://man7.org/linux/man-pages/man2/futex.2.html">futex(2)</a>
     */
    public record Options(int capacity, Set<PosixFilePermission> mode, int spins, int yields, int producers) {
        public Options {
            if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("channel capacity must be a power of two from " + MIN_CAPACITY
                        + " to " + MAX_CAPACITY + " bytes, got " + capacity);
            }
            mode = Set.copyOf(Objects.requireNonNull(mode, "mode"));
            if (spins < 0 || yields < 0) {
                throw new IllegalArgumentException("spins and yields must not be negative, got " + spins + " and " + yields);
            }
            if (producers < 1 || producers > MAX_PRODUCERS) {
                throw new IllegalArgumentException("a channel has 1 to " + MAX_PRODUCERS + " producers, got " + producers);
            }
        }

        /** 64 KiB, mode 0600, 100 spins, 10 yields, one producer. */
        public static Options defaults() {
            return new Options(1 << 16, Perms.DEFAULT, 100, 10, 1);
        }

        /** Bytes of the ring, for a channel this call creates. */
        public Options withCapacity(int bytes) {
            return new Options(bytes, mode, spins, yields, producers);
        }

        /** Permissions of a POSIX object this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(capacity, permissions, spins, yields, producers);
        }

        /** How an idle end waits before it sleeps: {@code spins} looks, then {@code yields} yields. */
        public Options withIdle(int spins, int yields) {
            return new Options(capacity, mode, spins, yields, producers);
        }

        /**
         * A channel this call creates takes records from up to {@code slots} writers at once (any
         * processes, any threads, each its own {@link ChannelWriter}): a many-producer channel when
         * {@code slots > 1}, whose writers claim room by an atomic on the shared tail.
         */
        public Options withProducers(int slots) {
            return new Options(capacity, mode, spins, yields, slots);
        }

        /** The largest payload a record can have in a channel of this capacity. */
        public int maxPayload() {
            return ChannelLayout.maxPayload(capacity);
        }
    }

    /**
     * The other end, as this end sees it now.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/pidfd_open.2.html">pidfd_open(2)</a>
     */
    public enum PeerState {
        /** Nobody has opened the other end yet. */
        NEVER_ATTACHED,
        /** A running process has it open. */
        ATTACHED,
        /** Its process closed it (a writer's records can all still be read). */
        CLOSED,
        /** Its process was killed or exited without closing it. */
        DIED
    }

    /** The size of the shared-memory object a one-producer channel of {@code capacity} bytes needs. */
    public static long objectSize(int capacity) {
        return ChannelLayout.HEADER_SIZE + (long) capacity;
    }

    /** The size of the shared-memory object a channel made with {@code options} needs (capacity and producer slots). */
    public static long objectSize(Options options) {
        return ChannelLayout.headerSize(options.producers()) + (long) options.capacity();
    }

    /**
     * Removes a channel's name ({@code shm_unlink}); the ends open now keep working.
     *
     * @throws io.jipc.NotFoundException if there is no object of that name
     */
    public static void unlink(String name) throws IpcException {
        SharedMemory.unlink(name);
    }
}
