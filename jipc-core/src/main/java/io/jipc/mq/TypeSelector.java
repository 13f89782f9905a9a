package io.jipc.mq;

import io.jipc.internal.libc.Msg;

/**
 * Which message a System V receive takes: msgrcv's {@code msgtyp} with its {@code MSG_EXCEPT}
 * and {@code MSG_NOERROR} flags, spelled out.
 * <ul>
 *   <li>{@link #any()}: the first message in the queue ({@code msgtyp = 0});
 *   <li>{@link #exactly(long) exactly(t)}: the first message of type {@code t} ({@code msgtyp = t});
 *   <li>{@link #lowestUpTo(long) lowestUpTo(t)}: the first message of the lowest type that is
 *       {@code <= t} ({@code msgtyp = -t}), which makes types priorities (1 first);
 *   <li>{@link #anyExcept(long) anyExcept(t)}: the first message whose type is not {@code t}
 *       ({@code msgtyp = t} with {@code MSG_EXCEPT}).
 * </ul>
 * Each may be made {@link #truncating()} ({@code MSG_NOERROR}): a message longer than the buffer
 * is then cut to fit and the rest discarded, where otherwise the receive fails with E2BIG and the
 * message stays queued.
 *
 * <p>Immutable; keep the selectors a loop uses in fields or constants, so that receiving
 * allocates nothing.
 *
 * @see <a href="https://man7.org/linux/man-pages/man2/msgrcv.2.html">msgrcv(2)</a>
 */
public final class TypeSelector {
    private static final TypeSelector ANY = new TypeSelector(0, 0);

    private final long msgtyp;
    private final int flags;

    private TypeSelector(long msgtyp, int flags) {
        this.msgtyp = msgtyp;
        this.flags = flags;
    }

    /** The first message, whatever its type. */
    public static TypeSelector any() {
        return ANY;
    }

    /** The first message of type {@code type} (positive). */
    public static TypeSelector exactly(long type) {
        SysVMessageQueue.checkType(type);
        return new TypeSelector(type, 0);
    }

    /** The first message of the lowest type {@code <= maxType} (positive): types as priorities, 1 first. */
    public static TypeSelector lowestUpTo(long maxType) {
        SysVMessageQueue.checkType(maxType);
        return new TypeSelector(-maxType, 0);
    }

    /** The first message whose type is not {@code type} (positive), with {@code MSG_EXCEPT}. */
    public static TypeSelector anyExcept(long type) {
        SysVMessageQueue.checkType(type);
        return new TypeSelector(type, Msg.MSG_EXCEPT);
    }

    /**
     * The selector as C writes it: {@code msgtyp} 0, positive or negative, and whether {@code
     * MSG_EXCEPT} is set (allowed only with a positive {@code msgtyp}, where it means something).
     */
    public static TypeSelector of(long msgtyp, boolean except) {
        if (except) {
            if (msgtyp <= 0) {
                throw new IllegalArgumentException("MSG_EXCEPT needs a positive type to exclude, got " + msgtyp);
            }
            return anyExcept(msgtyp);
        }
        if (msgtyp == 0) {
            return ANY;
        }
        if (msgtyp == Long.MIN_VALUE) {
            throw new IllegalArgumentException("type " + msgtyp + " has no positive counterpart");
        }
        return msgtyp > 0 ? exactly(msgtyp) : lowestUpTo(-msgtyp);
    }

    /** This selector with {@code MSG_NOERROR}: longer messages are truncated to the buffer. */
    public TypeSelector truncating() {
        return (flags & Msg.MSG_NOERROR) != 0 ? this : new TypeSelector(msgtyp, flags | Msg.MSG_NOERROR);
    }

    /** msgrcv's {@code msgtyp} argument. */
    public long msgtyp() {
        return msgtyp;
    }

    /** msgrcv's flags this selector adds ({@code MSG_EXCEPT}, {@code MSG_NOERROR}). */
    public int flags() {
        return flags;
    }

    /** Whether longer messages are truncated ({@code MSG_NOERROR}). */
    public boolean isTruncating() {
        return (flags & Msg.MSG_NOERROR) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypeSelector s && s.msgtyp == msgtyp && s.flags == flags;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(msgtyp) * 31 + flags;
    }

    @Override
    public String toString() {
        String base;
        if (msgtyp == 0) {
            base = "any";
        } else if (msgtyp < 0) {
            base = "lowestUpTo(" + -msgtyp + ")";
        } else if ((flags & Msg.MSG_EXCEPT) != 0) {
            base = "anyExcept(" + msgtyp + ")";
        } else {
            base = "exactly(" + msgtyp + ")";
        }
        return isTruncating() ? base + ".truncating()" : base;
    }
}
