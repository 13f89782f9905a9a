package io.jipc.cli.tour;

import java.util.List;

/** The tour's stops, in order. A new mechanism is one {@link TourStep} class added here. */
public final class TourSteps {
    private TourSteps() {}

    public static final List<TourStep> ALL = List.of(
            new PipeStep(),
            new FifoStep(),
            new SocketStep(),
            new LockStep(),
            new MqStep(),
            new SysvMsgStep(),
            new SemStep(),
            new SysvSemStep(),
            new ShmStep(),
            new SysvShmStep(),
            new SignalStep(),
            new MutexStep(),
            new ChannelStep());
}
