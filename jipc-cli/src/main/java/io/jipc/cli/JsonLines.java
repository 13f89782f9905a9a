package io.jipc.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.json.JsonFactory;

/**
 * {@code --json} output: one JSON object per line, written by jackson-core's streaming generator
 * (no hand-made escaping). Keys in snake_case as cli.md names them.
 *
 * <pre>{@code
 * JsonGenerator g = json.begin();
 * g.writeNumberProperty("priority", 3);
 * json.data(g, payload);
 * json.end();
 * }</pre>
 */
public final class JsonLines {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final OutputStream out;

    public JsonLines(OutputStream out) {
        this.out = out;
    }

    /** Starts a line's object; write its properties to the generator, then call {@link #end()}. */
    public JsonGenerator begin() {
        current = FACTORY.createGenerator(ObjectWriteContext.empty(), new NonClosing(out));
        current.writeStartObject();
        return current;
    }

    private JsonGenerator current;

    /** Ends the object begun last and writes the newline. */
    public void end() throws IOException {
        current.writeEndObject();
        current.close();
        current = null;
        out.write('\n');
    }

    /** A payload: {@code "data"} when it is valid UTF-8, else {@code "data_base64"}. */
    public static void data(JsonGenerator g, byte[] payload) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(payload)).toString();
            g.writeStringProperty("data", text);
        } catch (CharacterCodingException notUtf8) {
            g.writeStringProperty("data_base64", Base64.getEncoder().encodeToString(payload));
        }
    }

    /** Keeps the generator's close from closing standard output. */
    private static final class NonClosing extends OutputStream {
        private final OutputStream out;

        NonClosing(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {}
    }
}
