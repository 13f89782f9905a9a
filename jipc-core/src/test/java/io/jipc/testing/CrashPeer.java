package io.jipc.testing;

/** The crash helper's own JVM peer: prints "after NAME" past each point it is let through. */
public final class CrashPeer {
    private CrashPeer() {}

    public static void main(String[] args) {
        for (String point : args) {
            Crash.point(point);
            System.out.println("after " + point);
            System.out.flush();
        }
    }
}
