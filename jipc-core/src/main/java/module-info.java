/**
 * jipc: every classic Linux IPC mechanism for Java, on the Foreign Function &amp; Memory API.
 *
 * <p>Run with {@code --enable-native-access=io.jipc}.
 */
module io.jipc {
    exports io.jipc;
    exports io.jipc.channel;
    exports io.jipc.inspect;
    exports io.jipc.lock;
    exports io.jipc.mq;
    exports io.jipc.pipe;
    exports io.jipc.poll;
    exports io.jipc.process;
    exports io.jipc.sem;
    exports io.jipc.shm;
    exports io.jipc.signal;
    exports io.jipc.socket;
    exports io.jipc.sync;
}
