package io.jipc.pipe;

import io.jipc.internal.Gather;
import io.jipc.internal.wait.Deadline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.Objects;

/** The stream and channel views of pipe ends: thin, blocking, closing the end when closed. */
final class PipeStreams {
    private PipeStreams() {}

    static final class In extends InputStream {
        private final Pipe.ReadEnd end;
        private final byte[] one = new byte[1];

        In(Pipe.ReadEnd end) {
            this.end = end;
        }

        @Override
        public int read() throws IOException {
            int n = end.read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            return end.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            return end.available();
        }

        @Override
        public void close() {
            end.close();
        }
    }

    static final class Out extends OutputStream {
        private final Pipe.WriteEnd end;
        private final byte[] one = new byte[1];

        Out(Pipe.WriteEnd end) {
            this.end = end;
        }

        @Override
        public void write(int b) throws IOException {
            one[0] = (byte) b;
            end.write(one, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            end.write(b, off, len);
        }

        @Override
        public void close() {
            end.close();
        }
    }

    static final class ReadChannel implements ReadableByteChannel {
        private final Pipe.ReadEnd end;

        ReadChannel(Pipe.ReadEnd end) {
            this.end = end;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return end.read(dst);
        }

        @Override
        public boolean isOpen() {
            return end.isOpen();
        }

        @Override
        public void close() {
            end.close();
        }
    }

    static final class WriteChannel implements GatheringByteChannel {
        private final Pipe.WriteEnd end;

        WriteChannel(Pipe.WriteEnd end) {
            this.end = end;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int n = src.remaining();
            end.write(src);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = Gather.remaining(srcs, offset, length);
            end.io.writeBuffers(srcs, offset, length, Deadline.FOREVER);
            return n;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public boolean isOpen() {
            return end.isOpen();
        }

        @Override
        public void close() {
            end.close();
        }
    }
}
