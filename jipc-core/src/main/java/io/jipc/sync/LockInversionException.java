package io.jipc.sync;

import java.util.List;

/**
 * The lock-order checker found two orders of the same locks: this thread holds {@link #held()}
 * and is about to wait for {@link #wanted()}, while earlier {@code wanted} was held when {@code
 * held} was taken (directly, or through a chain of other locks) — in this process or, through a
 * shared edge table, in another. Thrown before the wait starts (by the default handler, see
 * {@link LockOrder#onInversion}), so no lock was taken and nothing deadlocked: the two orders
 * could, one day. The message shows both orders and where each was first seen.
 */
public final class LockInversionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * One observed order: {@code held} was held when {@code taken} was waited for, first seen at
     * {@code site} (stack frames, innermost first) on {@code thread} of process {@code pid}.
     */
    public record Edge(String held, String taken, long pid, String thread, String site) {
        @Override
        public String toString() {
            return "\"" + held + "\" then \"" + taken + "\" (pid " + pid + ", thread " + thread + ")\n"
                    + site.indent(6).stripTrailing();
        }
    }

    private final transient Edge attempt;
    private final transient List<Edge> earlier;

    LockInversionException(Edge attempt, List<Edge> earlier) {
        super(message(attempt, earlier));
        this.attempt = attempt;
        this.earlier = List.copyOf(earlier);
    }

    private static String message(Edge attempt, List<Edge> earlier) {
        StringBuilder b = new StringBuilder("lock order inversion: \"").append(attempt.taken())
                .append("\" is wanted while \"").append(attempt.held()).append("\" is held, but the opposite order was seen before")
                .append("\n  this order:    ").append(attempt)
                .append("\n  earlier order: ");
        for (int i = 0; i < earlier.size(); i++) {
            b.append(i == 0 ? "" : "\n           and: ").append(earlier.get(i));
        }
        return b.toString();
    }

    /** The lock this thread holds. */
    public String held() {
        return attempt.held();
    }

    /** The lock it was about to wait for. */
    public String wanted() {
        return attempt.taken();
    }

    /** The order being attempted now: {@code held} then {@code wanted}, with this site. */
    public Edge attempt() {
        return attempt;
    }

    /** The earlier order, from {@code wanted} to {@code held}: one edge, or a chain through other locks. */
    public List<Edge> earlier() {
        return earlier;
    }
}
