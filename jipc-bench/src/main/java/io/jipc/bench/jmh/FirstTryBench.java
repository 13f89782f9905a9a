package io.jipc.bench.jmh;

import static io.jipc.internal.libc.Errnos.EAGAIN;
import static io.jipc.internal.libc.Errnos.ENOMSG;

import io.jipc.Fd;
import io.jipc.IpcException;
import io.jipc.internal.libc.Fcntl;
import io.jipc.internal.libc.Ipc;
import io.jipc.internal.libc.Msg;
import io.jipc.internal.libc.Poll;
import io.jipc.internal.libc.Sem;
import io.jipc.internal.libc.Semaphore;
import io.jipc.internal.libc.Socket;
import io.jipc.internal.libc.SysFile;
import io.jipc.internal.libc.Unistd;
import io.jipc.internal.wait.Attempt;
import io.jipc.internal.wait.Deadline;
import io.jipc.internal.wait.Handle;
import io.jipc.internal.wait.Handles;
import io.jipc.internal.wait.Operation;
import io.jipc.internal.wait.Waiter;
import io.jipc.socket.SocketType;
import io.jipc.socket.UnixSocket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * What a first try saves and what a failed one costs, per mechanism (issue 12: "keep a try only
 * where a measurement shows it pays"). Each mechanism's call runs through the engine twice, as
 * the library builds it: {@code *Try}, an {@link Operation} with {@code tryFirst()} whose tries
 * keep succeeding (the non-blocking form: MSG_DONTWAIT, IPC_NOWAIT, LOCK_NB), and {@code
 * *Kernel}, the same operation without it, which sets up a kernel wait (the interrupt hook, the
 * close registration) and makes the blocking form, which finds the work done at once. Nothing
 * ever waits: each receive follows its own send, each lock its own unlock, made raw. {@code
 * *FailedTry} is the price of a try that finds nothing: the non-blocking call on an empty socket
 * or queue, a semaphore at 0 (System V: a system call; POSIX: an atomic in user space), a lock
 * another open file holds.
 *
 * <p>Per call, a try pays when {@code (Kernel - Try) > failed share * (FailedTry + Kernel - Try)}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FirstTryBench {
    private static final int SIZE = 64;

    private Arena arena;
    private Waiter w;

    // sockets: a stream pair; the bench sends raw on one end and receives through the engine.
    private UnixSocket.Pair streams;
    private int streamOut;
    private int streamIn;
    private MemorySegment buf;
    private Operation recvTry;
    private Operation recvKernel;
    private UnixSocket.Pair empty;
    private int emptyIn;

    // System V message queue
    private int msqid;
    private MemorySegment msg;
    private Operation msgrcvTry;
    private Operation msgrcvKernel;
    private int emptyMsqid;

    // System V semaphore: +1 raw, -1 through the engine
    private int semid;
    private MemorySegment up;
    private MemorySegment down;
    private MemorySegment downNow;
    private Operation semopTry;
    private Operation semopKernel;

    // POSIX semaphore (an unnamed one in private memory, zeroed: value 0): post raw, wait through the engine
    private MemorySegment sem;
    private Operation semWaitTry;
    private Operation semWaitKernel;

    // flock
    private Fd lockFile;
    private int lockFd;
    private Operation flockTry;
    private Operation flockKernel;
    private int heldFd;
    private int otherFd;

    @Setup(Level.Trial)
    public void open() throws IOException {
        arena = Arena.ofConfined();
        w = Waiter.current();
        buf = arena.allocate(SIZE, 8);

        streams = UnixSocket.pair(SocketType.STREAM);
        streamOut = streams.first().fd().acquire("bench");
        streamIn = streams.second().fd().acquire("bench");
        Attempt recv = (wt, how) -> Socket.recv(wt.target, wt.data, wt.offset, wt.length,
                how == Attempt.NOW ? Socket.MSG_DONTWAIT : 0);
        Handle sh = Handles.of(streams.second().fd());
        recvTry = Operation.on(sh, "recv", recv).readiness(Poll.POLLIN).tryFirst().build();
        recvKernel = Operation.on(sh, "recv", recv).readiness(Poll.POLLIN).build();
        empty = UnixSocket.pair(SocketType.STREAM);
        emptyIn = empty.second().fd().acquire("bench");

        msqid = Msg.msgget(Ipc.IPC_PRIVATE, Ipc.IPC_CREAT | 0600);
        emptyMsqid = Msg.msgget(Ipc.IPC_PRIVATE, Ipc.IPC_CREAT | 0600);
        if (msqid < 0 || emptyMsqid < 0) {
            throw IpcException.of("msgget", "bench", -Math.min(msqid, emptyMsqid));
        }
        msg = arena.allocate(Msg.MTEXT + SIZE, 8);
        msg.set(ValueLayout.JAVA_LONG, 0, 1L);
        Handle mh = new Handle("msqid " + msqid, msqid);
        Attempt msgrcv = (wt, how) -> {
            long r = Msg.msgrcv(wt.target, wt.data, wt.length, 0, how == Attempt.NOW ? Ipc.IPC_NOWAIT : 0);
            return r == -ENOMSG ? -EAGAIN : r;
        };
        msgrcvTry = Operation.on(mh, "msgrcv", msgrcv).tryFirst().build();
        msgrcvKernel = Operation.on(mh, "msgrcv", msgrcv).build();

        semid = Sem.semget(Ipc.IPC_PRIVATE, 1, Ipc.IPC_CREAT | 0600);
        if (semid < 0) {
            throw IpcException.of("semget", "bench", -semid);
        }
        up = arena.allocate(Sem.SEMBUF_SIZE, 8);
        up.set(ValueLayout.JAVA_SHORT, Sem.SEM_OP, (short) 1);
        down = arena.allocate(Sem.SEMBUF_SIZE, 8);
        down.set(ValueLayout.JAVA_SHORT, Sem.SEM_OP, (short) -1);
        downNow = arena.allocate(Sem.SEMBUF_SIZE, 8);
        downNow.set(ValueLayout.JAVA_SHORT, Sem.SEM_OP, (short) -1);
        downNow.set(ValueLayout.JAVA_SHORT, Sem.SEM_FLG, (short) Ipc.IPC_NOWAIT);
        Handle semh = new Handle("semid " + semid, semid);
        // As SemOps: IPC_NOWAIT through the critical semop for the try, semtimedop for the wait.
        Attempt semop = (wt, how) -> how == Attempt.NOW ? Sem.semopNowait(wt.target, downNow, 1)
                : Sem.semtimedop(wt.target, down, 1, wt.timeoutArg);
        semopTry = Operation.on(semh, "semop", semop).timeout(Operation.Timeout.RELATIVE).tryFirst().build();
        semopKernel = Operation.on(semh, "semop", semop).timeout(Operation.Timeout.RELATIVE).build();

        sem = arena.allocate(Semaphore.SEM_T_SIZE, 8);
        Handle ph = new Handle("sem", -1);
        // As PosixSemaphore: sem_trywait for the try, sem_wait for the wait.
        Attempt decrement = (wt, how) -> how == Attempt.NOW ? Semaphore.sem_trywait(sem) : Semaphore.sem_wait(sem);
        semWaitTry = Operation.on(ph, "sem_wait", decrement).timeout(Operation.Timeout.MONOTONIC).tryFirst().build();
        semWaitKernel = Operation.on(ph, "sem_wait", decrement).timeout(Operation.Timeout.MONOTONIC).build();

        Path file = Files.createTempFile("jipc-firsttry", ".lock");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom(file.toString());
            lockFd = Fcntl.open(path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
            heldFd = Fcntl.open(path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
            otherFd = Fcntl.open(path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
        } finally {
            Files.delete(file);
        }
        lockFile = Fd.adopt(lockFd, "bench lock");
        Attempt flock = (wt, how) -> SysFile.flock(wt.target, how == Attempt.NOW ? SysFile.LOCK_EX | SysFile.LOCK_NB
                : SysFile.LOCK_EX);
        flockTry = Operation.on(Handles.of(lockFile), "flock", flock).tryFirst().build();
        flockKernel = Operation.on(Handles.of(lockFile), "flock", flock).build();
        // for the failed try: heldFd holds a lock on a second file; otherFd asks for it
        Path second = Files.createTempFile("jipc-firsttry", ".lock");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment path = a.allocateFrom(second.toString());
            Unistd.close(heldFd);
            Unistd.close(otherFd);
            heldFd = Fcntl.open(path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
            otherFd = Fcntl.open(path, Fcntl.O_RDWR | Fcntl.O_CLOEXEC, 0);
            SysFile.flock(heldFd, SysFile.LOCK_EX);
        } finally {
            Files.delete(second);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        streams.first().fd().release();
        streams.second().fd().release();
        empty.second().fd().release();
        streams.close();
        empty.close();
        Msg.msgctl(msqid, Ipc.IPC_RMID, MemorySegment.NULL);
        Msg.msgctl(emptyMsqid, Ipc.IPC_RMID, MemorySegment.NULL);
        Sem.semctl(semid, 0, Ipc.IPC_RMID);
        lockFile.close();
        Unistd.close(heldFd);
        Unistd.close(otherFd);
        arena.close();
    }

    private long recv(Operation op) throws IpcException {
        Socket.send(streamOut, buf, SIZE, Socket.MSG_NOSIGNAL | Socket.MSG_DONTWAIT);
        w.data = buf;
        w.offset = 0;
        w.length = SIZE;
        return op.run(w, Deadline.FOREVER, true);
    }

    @Benchmark
    public long socketTry() throws IpcException {
        return recv(recvTry);
    }

    @Benchmark
    public long socketKernel() throws IpcException {
        return recv(recvKernel);
    }

    @Benchmark
    public long socketFailedTry() {
        return Socket.recv(emptyIn, buf, SIZE, Socket.MSG_DONTWAIT);
    }

    private long msgrcv(Operation op) throws IpcException {
        Msg.msgsnd(msqid, msg, SIZE, Ipc.IPC_NOWAIT);
        w.data = msg;
        w.length = SIZE;
        return op.run(w, Deadline.FOREVER, true);
    }

    @Benchmark
    public long sysvMsgTry() throws IpcException {
        return msgrcv(msgrcvTry);
    }

    @Benchmark
    public long sysvMsgKernel() throws IpcException {
        return msgrcv(msgrcvKernel);
    }

    @Benchmark
    public long sysvMsgFailedTry() {
        return Msg.msgrcv(emptyMsqid, msg, SIZE, 0, Ipc.IPC_NOWAIT);
    }

    private long semop(Operation op) throws IpcException {
        Sem.semopNowait(semid, up, 1);
        return op.run(w, Deadline.FOREVER, true);
    }

    @Benchmark
    public long sysvSemTry() throws IpcException {
        return semop(semopTry);
    }

    @Benchmark
    public long sysvSemKernel() throws IpcException {
        return semop(semopKernel);
    }

    @Benchmark
    public long sysvSemFailedTry() {
        return Sem.semopNowait(semid, downNow, 1); // the semaphore is 0
    }

    private long semWait(Operation op) throws IpcException {
        Semaphore.sem_post(sem);
        return op.run(w, Deadline.FOREVER, true);
    }

    @Benchmark
    public long posixSemTry() throws IpcException {
        return semWait(semWaitTry);
    }

    @Benchmark
    public long posixSemKernel() throws IpcException {
        return semWait(semWaitKernel);
    }

    @Benchmark
    public long posixSemFailedTry() {
        return Semaphore.sem_trywait(sem); // the semaphore is 0
    }

    private long flock(Operation op) throws IpcException {
        long r = op.run(w, Deadline.FOREVER, true);
        SysFile.flock(lockFd, SysFile.LOCK_UN);
        return r;
    }

    @Benchmark
    public long flockTry() throws IpcException {
        return flock(flockTry);
    }

    @Benchmark
    public long flockKernel() throws IpcException {
        return flock(flockKernel);
    }

    @Benchmark
    public long flockFailedTry() {
        return SysFile.flock(otherFd, SysFile.LOCK_EX | SysFile.LOCK_NB);
    }
}
