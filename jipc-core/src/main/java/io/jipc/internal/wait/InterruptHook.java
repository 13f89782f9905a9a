package io.jipc.internal.wait;

import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Set;

/**
 * Runs {@link #onInterrupt()} when a thread waiting in native code after {@link
 * #beginInterruptible()} is interrupted — or already was — until {@link #endInterruptible()},
 * or until the thread's next interruptible NIO operation replaces the hook. Ending is optional:
 * a hook left in place is called for interrupts outside the waits too, and must then do nothing.
 *
 * <p>Why a Selector: {@link AbstractSelector#begin()} is the JDK's public hook for code to run on
 * {@link Thread#interrupt()} of a thread blocked in a native call, and it calls {@link #wakeup()}
 * without allocating. Nothing here selects; the Selector methods are inert.
 */
public abstract class InterruptHook extends AbstractSelector {
    protected InterruptHook() {
        super(SelectorProvider.provider());
    }

    /** What to do when the waiting thread is interrupted; runs on the interrupting thread. */
    protected abstract void onInterrupt();

    /** Marks the start of an interruptible wait; an interrupt already pending fires at once. */
    protected final void beginInterruptible() {
        begin();
    }

    /** Marks its end. */
    protected final void endInterruptible() {
        end();
    }

    @Override
    public final Selector wakeup() {
        onInterrupt();
        return this;
    }

    @Override
    protected final void implCloseSelector() {}

    @Override
    protected final SelectionKey register(AbstractSelectableChannel ch, int ops, Object att) {
        throw new UnsupportedOperationException("an interrupt hook selects nothing");
    }

    @Override
    public final Set<SelectionKey> keys() {
        return Set.of();
    }

    @Override
    public final Set<SelectionKey> selectedKeys() {
        return Set.of();
    }

    @Override
    public final int selectNow() {
        return 0;
    }

    @Override
    public final int select(long timeout) {
        return 0;
    }

    @Override
    public final int select() {
        return 0;
    }
}
