package io.jipc.channel;

import java.lang.foreign.MemorySegment;

/**
 * What {@link ChannelReader#drain(RecordHandler, int)} hands each record to: its type and where its payload is in the
 * shared memory itself — no copy, and no object made per record (the shape of Agrona's {@code
 * MessageHandler}): {@code buffer} is the channel's ring, read-only, the same segment for every
 * record; the payload is its bytes {@code offset} to {@code offset + length}. {@code
 * buffer.asSlice(offset, length)} is the payload as a segment of its own.
 */
@FunctionalInterface
public interface RecordHandler {
    /**
     * Handles one record. Its bytes are valid only until this method returns: the writer may
     * reuse them afterwards. Copy what you keep. A handler that throws ends the drain; its record
     * counts as read.
     *
     * @param type   the record's type, as the writer gave it ({@code >= 0})
     * @param buffer the channel's ring, read-only
     * @param offset where the payload starts in {@code buffer}
     * @param length the payload's length in bytes
     */
    void onRecord(int type, MemorySegment buffer, long offset, int length) throws Exception;
}
