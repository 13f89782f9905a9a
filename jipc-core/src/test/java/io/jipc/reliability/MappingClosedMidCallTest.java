package io.jipc.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.jipc.IpcException;
import io.jipc.ObjectClosedException;
import io.jipc.pipe.Pipe;
import io.jipc.shm.Mapping;
import io.jipc.shm.MemFd;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * A mapping closed while a try-form pipe call has its segment in flight: the pages must stay until
 * the call returns (the Mapping contract), so the call either moves its bytes or is refused with
 * IllegalStateException — never EFAULT from pages unmapped under the kernel, never bytes read from
 * or written into whatever was mapped there next. The try forms reach the kernel through an iovec
 * (preadv2/pwritev2 with RWF_NOWAIT), which carries a bare address the linker cannot see.
 */
class MappingClosedMidCallTest {
    private static final int ROUNDS = Integer.getInteger("jipc.race.rounds", 60) * 5;

    @Test
    void tryWriteAndTryReadFromAMappingClosedByAnotherThreadNeverSeeUnmappedPages() throws Exception {
        List<Throwable> wrong = new ArrayList<>();
        try (Pipe pipe = Pipe.open()) {
            for (int round = 0; round < ROUNDS; round++) {
                try (MemFd memfd = MemFd.create("mid-call", 1 << 16)) {
                    Mapping map = memfd.map();
                    CountDownLatch started = new CountDownLatch(2);
                    Thread writer = Thread.ofPlatform().start(() -> loop(started, wrong,
                            () -> pipe.writeEnd().tryWrite(map.segment().asSlice(0, 1 << 15))));
                    Thread reader = Thread.ofPlatform().start(() -> loop(started, wrong,
                            () -> pipe.readEnd().tryRead(map.segment().asSlice(1 << 15, 1 << 15))));
                    started.await();
                    int spins = ThreadLocalRandom.current().nextInt(20_000);
                    for (int i = 0; i < spins; i++) {
                        Thread.onSpinWait();
                    }
                    map.close();
                    writer.join();
                    reader.join();
                }
                while (pipe.readEnd().tryRead(new byte[1 << 16]) > 0) {
                    // empty it for the next round
                }
            }
        }
        assertThat(wrong).as("calls that failed otherwise than refused as closed").isEmpty();
    }

    /**
     * A segment whose arena is already closed, handed to any call: the documented
     * IllegalStateException (the linker's own check), not an AssertionError from the bindings.
     */
    @Test
    void aSegmentOfAClosedArenaIsRefusedWithIllegalStateException() throws Exception {
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        java.lang.foreign.MemorySegment gone = arena.allocate(64);
        arena.close();
        // (The socket calls still answer AssertionError here: io.jipc.internal.libc.Socket's
        // wrappers do not pass the linker's refusal through yet.)
        try (Pipe pipe = Pipe.open()) {
            pipe.writeEnd().write(new byte[8]);
            List<Call> calls = List.of(
                    () -> {
                        pipe.writeEnd().write(gone);
                        return 0;
                    },
                    () -> pipe.writeEnd().tryWrite(gone),
                    () -> pipe.readEnd().read(gone),
                    () -> pipe.readEnd().tryRead(gone));
            for (int i = 0; i < calls.size(); i++) {
                Call c = calls.get(i);
                org.assertj.core.api.Assertions.assertThatThrownBy(c::run).as("call %d", i)
                        .isInstanceOf(IllegalStateException.class);
            }
        }
    }

    private interface Call {
        long run() throws IpcException;
    }

    private static void loop(CountDownLatch started, List<Throwable> wrong, Call call) {
        started.countDown();
        while (true) {
            try {
                call.run();
            } catch (IllegalStateException | ObjectClosedException closed) {
                Thread.interrupted(); // a refused segment access may set it
                return;
            } catch (Throwable t) {
                synchronized (wrong) {
                    wrong.add(t);
                }
                return;
            }
        }
    }
}
