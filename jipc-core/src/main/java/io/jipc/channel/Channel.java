package io.jipc.channel;

import io.jipc.IpcException;
import io.jipc.Perms;
import io.jipc.internal.libc.Libc;
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
     * end spins 100 times and yields 10 times before it sleeps, one producer, and {@link
     * Ordering#preferred()}: the {@link Ordering#SLEEP_BARRIER sleep-barrier} ordering on x86-64
     * where the kernel has it ({@link Ordering#FENCED} elsewhere). Opening an existing channel takes only the idle strategy from
     * its options: capacity, producers and ordering are the channel's own.
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
     * @param ordering how a channel this call creates orders a publication before the other side's
     *                 sleep: {@link Ordering}
     * @see <a href="https://man7.org/linux/man-pages/man3/shm_open.3.html">shm_open(3)</a>
     * @see <a href="https://man7.org/linux/man-pages/man2/futex.2.html">futex(2)</a>
     */
    public record Options(int capacity, Set<PosixFilePermission> mode, int spins, int yields, int producers,
            Ordering ordering) {
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
            Objects.requireNonNull(ordering, "ordering");
        }

        /** 64 KiB, mode 0600, 100 spins, 10 yields, one producer, {@link Ordering#preferred()}. */
        public static Options defaults() {
            return new Options(1 << 16, Perms.DEFAULT, 100, 10, 1, Ordering.preferred());
        }

        /** Bytes of the ring, for a channel this call creates. */
        public Options withCapacity(int bytes) {
            return new Options(bytes, mode, spins, yields, producers, ordering);
        }

        /** Permissions of a POSIX object this call creates. */
        public Options withMode(Set<PosixFilePermission> permissions) {
            return new Options(capacity, permissions, spins, yields, producers, ordering);
        }

        /** How an idle end waits before it sleeps: {@code spins} looks, then {@code yields} yields. */
        public Options withIdle(int spins, int yields) {
            return new Options(capacity, mode, spins, yields, producers, ordering);
        }

        /**
         * A channel this call creates takes records from up to {@code slots} writers at once (any
         * processes, any threads, each its own {@link ChannelWriter}): a many-producer channel when
         * {@code slots > 1}, whose writers claim room by an atomic on the shared tail.
         */
        public Options withProducers(int slots) {
            return new Options(capacity, mode, spins, yields, slots, ordering);
        }

        /** How a channel this call creates orders its publications against a sleeping end: {@link Ordering}. */
        public Options withOrdering(Ordering order) {
            return new Options(capacity, mode, spins, yields, producers, order);
        }

        /** The largest payload a record can have in a channel of this capacity. */
        public int maxPayload() {
            return ChannelLayout.maxPayload(capacity);
        }
    }

    /**
     * How the ends of a channel make sure a record or free room is never missed by an end that
     * has just gone to sleep: one of the two has to pass a store-load fence. A channel keeps the
     * ordering it was created with (the layout's {@code features}, docs/channel-layout.md, under
     * "Waiting"); every end of it follows that ordering.
     *
     * @see <a href="https://man7.org/linux/man-pages/man2/membarrier.2.html">membarrier(2)</a>
     */
    public enum Ordering {
        /**
         * Every record published — and every head the reader moves — costs a store-load fence (a
         * locked instruction on x86-64): the layout's base rules, which any process that follows
         * the document without its features can join.
         */
        FENCED,
        /**
         * Records and room are published with plain release stores; instead, an end about to sleep
         * makes every other end pass a full barrier with {@code membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED)}
         * (a microsecond or two, and only on the way to sleep). Needs Linux 4.16+ with membarrier
         * allowed (seccomp may refuse it: an end is then refused at creation or opening), and peers
         * that implement the layout's feature 1.
         */
        SLEEP_BARRIER;

        /**
         * {@link #SLEEP_BARRIER} on x86-64 where the kernel lets an end barrier the others, else
         * {@link #FENCED}: on aarch64 both publish with the same instructions ({@code stlr}, then
         * {@code ldar} for the wake check, which the hardware already keeps in order), so the
         * barrier would only add its system call to every sleep.
         */
        public static Ordering preferred() {
            return !Libc.AARCH64 && SleepBarrier.available() ? SLEEP_BARRIER : FENCED;
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
