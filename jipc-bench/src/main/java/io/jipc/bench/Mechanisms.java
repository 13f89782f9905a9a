package io.jipc.bench;

import java.util.ArrayList;
import java.util.List;

/** The mechanisms {@code jipc bench} knows, in the order it runs them. Add one line per new mechanism. */
public final class Mechanisms {
    private Mechanisms() {}

    private static final List<Mechanism> ALL = List.of(
            new PipeMechanism(),
            new FifoMechanism(),
            new UnixStreamMechanism(),
            new UnixSeqpacketMechanism(),
            new UnixDgramMechanism(),
            new TcpMechanism(),
            new MqMechanism(),
            new SysVMsgMechanism(),
            new LockMechanism(),
            new SemMechanism(),
            new SysVSemMechanism(),
            new SignalMechanism(),
            new MutexMechanism(),
            new ChannelMechanism(),
            ChannelMechanism.manyProducers());

    /** Every registered mechanism. */
    public static List<Mechanism> all() {
        return ALL;
    }

    /** Every registered name. */
    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Mechanism m : ALL) {
            names.add(m.name());
        }
        return names;
    }

    /**
     * The mechanism called {@code name}.
     *
     * @throws IllegalArgumentException naming the known mechanisms when there is none
     */
    public static Mechanism byName(String name) {
        for (Mechanism m : ALL) {
            if (m.name().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mechanism '" + name + "'; known: " + String.join(", ", names()));
    }
}
