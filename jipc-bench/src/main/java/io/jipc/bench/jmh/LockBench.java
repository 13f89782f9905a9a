package io.jipc.bench.jmh;

import io.jipc.IpcException;
import io.jipc.lock.FileLock;
import io.jipc.lock.LockKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * An uncontended lock and unlock through {@link FileLock}, per kind: {@code flock}, a POSIX
 * record lock and an OFD lock on bytes 0..99 of a file nobody else locks. {@code downcall.c}'s
 * {@code flock_lock_unlock}, {@code posix_lock_unlock} and {@code ofd_lock_unlock} make the same
 * calls in C ({@code flock(LOCK_EX)}, {@code F_SETLKW}, {@code F_OFD_SETLKW}, then the unlock);
 * the difference is what jipc adds around the two system calls (the handle's acquire and
 * release, the wait engine's try-first path) and what any JVM pays for them: the C loop runs in a
 * single-threaded process, for which the kernel looks descriptors up without taking a reference
 * ({@code fdget}'s fast path); in any multi-threaded process, a JVM or a C program with a second
 * thread, each call on a descriptor takes and drops one, some 50 ns here.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LockBench {
    private FileLock flock;
    private FileLock posix;
    private FileLock ofd;

    @Setup(Level.Trial)
    public void open() throws IOException {
        Path file = Files.createTempFile("jipc-lockbench", ".lock");
        try {
            FileLock.Options options = FileLock.Options.defaults();
            flock = FileLock.open(file, options.withKind(LockKind.FLOCK));
            posix = FileLock.open(file, options.withKind(LockKind.POSIX).withRange(0, 100));
            ofd = FileLock.open(file, options.withKind(LockKind.OFD).withRange(0, 100));
        } finally {
            Files.delete(file); // an unlinked file locks the same; nothing is left behind
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        flock.close();
        posix.close();
        ofd.close();
    }

    @Benchmark
    public void flockLockUnlock() throws IpcException {
        flock.lock();
        flock.unlock();
    }

    @Benchmark
    public void posixLockUnlock() throws IpcException {
        posix.lock();
        posix.unlock();
    }

    @Benchmark
    public void ofdLockUnlock() throws IpcException {
        ofd.lock();
        ofd.unlock();
    }
}
