package io.jipc.bench;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * Where the two processes of an exchange run, the same for every implementation: the thread that
 * runs the exchange in each process is pinned (sched_setaffinity on that thread alone, so a JVM's
 * compiler and GC threads stay free, as the C program's optional idle thread does), or left to the
 * scheduler.
 *
 * <ul>
 * <li>{@link Kind#SAME}: both on one CPU. A round trip is two system calls and two context
 *     switches on that CPU, and streaming alternates between a sender that fills the buffer and a
 *     receiver that drains it: what is measured is the per-message cost, and the ratios say how
 *     jipc's calls compare with C's. The default.
 * <li>{@link Kind#DIFFERENT}: one CPU each. Every message wakes the other CPU; on a virtual
 *     machine whose idle vCPUs halt, that wake-up (tens of microseconds) dominates the round trip.
 * <li>{@link Kind#FREE}: the scheduler decides, round trip by round trip; the figures then say as
 *     much about what else the machine is doing as about the implementation.
 * </ul>
 *
 * @param kind       same, different or free
 * @param initiator  the CPU of the side that times the round trips and sends the stream (the
 *                   harness JVM, the C parent), or -1 when free
 * @param peer       the CPU of the other side (the peer JVM, the C child), or -1 when free
 */
public record Placement(Kind kind, int initiator, int peer) {
    /** How the two processes are placed. */
    public enum Kind {
        SAME, DIFFERENT, FREE;

        /** The word on the command line. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Placement {
        switch (kind) {
            case SAME -> {
                if (initiator < 0 || initiator != peer) {
                    throw new IllegalArgumentException("same-CPU placement needs one CPU, got " + initiator + "," + peer);
                }
            }
            case DIFFERENT -> {
                if (initiator < 0 || peer < 0 || initiator == peer) {
                    throw new IllegalArgumentException("placement on different CPUs needs two distinct CPUs, got "
                            + initiator + "," + peer);
                }
            }
            case FREE -> {
                if (initiator != -1 || peer != -1) {
                    throw new IllegalArgumentException("free placement names no CPU");
                }
            }
        }
    }

    /** The default: both on the same CPU (see the class comment), the first this process may use. */
    public static Placement defaults() {
        return of(Kind.SAME, List.of());
    }

    /** No pinning. */
    public static Placement free() {
        return new Placement(Kind.FREE, -1, -1);
    }

    /**
     * {@code kind} on {@code cpus} (one CPU for same, two for different, none for free); with no
     * CPUs given, the first one or two this process may run on.
     *
     * @throws IllegalArgumentException when the CPUs do not fit the kind or this process may not use them
     */
    public static Placement of(Kind kind, List<Integer> cpus) {
        if (kind == Kind.FREE) {
            if (!cpus.isEmpty()) {
                throw new IllegalArgumentException("--cpus does not go with free placement");
            }
            return free();
        }
        if (!Sched.available()) {
            throw new IllegalArgumentException(kind.word() + " placement pins threads to CPUs, which needs native access"
                    + " for the bench harness (--enable-native-access); use --placement free");
        }
        BitSet allowed = Sched.affinity();
        int needed = kind == Kind.SAME ? 1 : 2;
        List<Integer> chosen = new ArrayList<>(cpus);
        if (chosen.isEmpty()) {
            for (int c = allowed.nextSetBit(0); c >= 0 && chosen.size() < needed; c = allowed.nextSetBit(c + 1)) {
                chosen.add(c);
            }
            if (chosen.size() < needed) {
                throw new IllegalArgumentException("placement on different CPUs needs two CPUs; this process may use "
                        + allowed.cardinality() + " (" + allowed + ")");
            }
        }
        if (chosen.size() != needed) {
            throw new IllegalArgumentException(kind.word() + " placement takes " + needed + " CPU" + (needed == 1 ? "" : "s")
                    + " in --cpus, got " + chosen.size());
        }
        for (int c : chosen) {
            if (c < 0 || !allowed.get(c)) {
                throw new IllegalArgumentException("CPU " + c + " is not one this process may run on: " + allowed);
            }
        }
        return kind == Kind.SAME ? new Placement(kind, chosen.get(0), chosen.get(0))
                : new Placement(kind, chosen.get(0), chosen.get(1));
    }

    /** The C program's options for this placement ({@code bench.h}'s -a and -b). */
    List<String> cOptions() {
        return kind == Kind.FREE ? List.of()
                : List.of("-a", Integer.toString(initiator), "-b", Integer.toString(peer));
    }

    /** In a few words, for the table: {@code same CPU (1)}, {@code different CPUs (0, 1)}, {@code free}. */
    public String describe() {
        return switch (kind) {
            case SAME -> "same CPU (" + initiator + ")";
            case DIFFERENT -> "different CPUs (" + initiator + ", " + peer + ")";
            case FREE -> "free (not pinned)";
        };
    }

    /** As JSON and the command line say it: {@code same:1}, {@code different:0,1}, {@code free}. */
    public String word() {
        return switch (kind) {
            case SAME -> "same:" + initiator;
            case DIFFERENT -> "different:" + initiator + "," + peer;
            case FREE -> "free";
        };
    }
}
