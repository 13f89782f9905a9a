/**
 * The fast path between local processes: a one-producer / one-consumer ring of variable-length,
 * typed records in shared memory (a POSIX object or a memfd) — or a many-producer / one-consumer one
 * ({@link io.jipc.channel.Channel.Options#withProducers}), written in place
 * ({@link io.jipc.channel.ChannelWriter#claim(int, int) claim} → write → {@link
 * io.jipc.channel.ChannelWriter#commit commit}) and read in place ({@link
 * io.jipc.channel.ChannelReader#drain(io.jipc.channel.RecordHandler, int) drain}), with no system call while both sides are busy and
 * no CPU while one waits (a futex in the shared memory). The memory layout is a specification —
 * {@code docs/channel-layout.md} — that a C program follows as well.
 *
 * <pre>{@code
 * try (ChannelWriter out = ChannelWriter.createExclusively("/ticks", Channel.Options.defaults());
 *      ChannelReader in = ChannelReader.openExisting("/ticks")) {
 *     out.send(1, "hello".getBytes(UTF_8));
 *     in.drain((type, ring, at, length) -> System.out.println(type + " " + new String(ring.asSlice(at, length).toArray(JAVA_BYTE), UTF_8)), 10);
 *     Channel.unlink("/ticks");
 * }
 * }</pre>
 */
package io.jipc.channel;
