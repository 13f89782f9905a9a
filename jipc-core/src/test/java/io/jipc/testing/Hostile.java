package io.jipc.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A small property-test harness: one seeded random source and generators of the hostile values
 * that break native wrappers — names (empty, too long, NUL, '/', "..", lone surrogates that have no
 * UTF-8 form, unusual Unicode), sizes (0, negative, Integer/Long.MAX_VALUE, page boundaries),
 * offsets and lengths out of range, durations (negative, zero, 1 ns, huge, {@code
 * Duration.ofSeconds(Long.MAX_VALUE)}), buffers and memory segments of every odd kind, and
 * {@code null} — mixed with plausible valid values so that a property reaches past the first
 * argument check.
 *
 * <p>Seed and number of tries come from the command line so that a failure can be replayed:
 * {@code -Djipc.seed=N} (default: {@link #DEFAULT_SEED}, so the default build is repeatable; {@code -Djipc.seed=random} draws a fresh one) and {@code -Djipc.tries=N} (default:
 * what the property asks for). {@link #forProperty} prints both on standard output:
 * <pre>{@code
 * Hostile h = Hostile.forProperty("mq names");
 * h.forAll(200, g -> {
 *     String name = g.posixName();
 *     assertThatCode(() -> PosixMessageQueue.checkName(name)) ...
 * });
 * }</pre>
 * A property that fails prints the seed; rerun with {@code -Djipc.seed=<that seed>} to get the same
 * values in the same order. One {@code Hostile} is not thread-safe: draw values on one thread.
 */
public final class Hostile {
    /** The page size the boundaries are drawn around (x86_64 and most aarch64 kernels). */
    public static final int PAGE = 4096;

    /** The default build's seed, so that it tests the same inputs every time; "random" draws a fresh one. */
    static final long DEFAULT_SEED = 461430409136383300L;
    private static final long RUN_SEED = "random".equals(System.getProperty("jipc.seed"))
            ? RandomGenerator.getDefault().nextLong() : Long.getLong("jipc.seed", DEFAULT_SEED);
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final RandomGenerator random;
    private final long seed;
    /** Probability that a generator answers with a plausible valid value rather than a hostile one. */
    private double validBias = 0.5;

    private Hostile(long seed) {
        this.seed = seed;
        this.random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed);
    }

    /** The run's seed: {@code -Djipc.seed}, the fixed default, or one drawn at start-up for "random". */
    public static long runSeed() {
        return RUN_SEED;
    }

    /** {@code -Djipc.tries}, else {@code defaultTries}. */
    public static int tries(int defaultTries) {
        return Integer.getInteger("jipc.tries", defaultTries);
    }

    /** A generator for one property, seeded from the run's seed and the property's name; prints the seed. */
    public static Hostile forProperty(String property) {
        long s = RUN_SEED ^ (property.hashCode() * 0x9E3779B97F4A7C15L);
        System.out.println("hostile: property '" + property + "' seed " + RUN_SEED + " (rerun with -Djipc.seed="
                + RUN_SEED + ")");
        return new Hostile(s);
    }

    /** A generator with exactly this seed (no output). */
    public static Hostile seeded(long seed) {
        return new Hostile(seed);
    }

    public long seed() {
        return seed;
    }

    public RandomGenerator random() {
        return random;
    }

    /** Runs {@code property} {@link #tries(int) tries(defaultTries)} times, naming the try and seed of a failure. */
    public void forAll(int defaultTries, Consumer<Hostile> property) {
        int n = tries(defaultTries);
        for (int i = 0; i < n; i++) {
            try {
                property.accept(this);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError("property failed on try " + (i + 1) + " of " + n + " (seed " + RUN_SEED
                        + ", rerun with -Djipc.seed=" + RUN_SEED + "): " + e, e);
            }
        }
    }

    /** Sets how often generators answer with a valid value (0..1); returns the previous bias. */
    public double validBias(double bias) {
        double old = validBias;
        validBias = bias;
        return old;
    }

    /** Whether this draw should be a plausible valid value. */
    public boolean valid() {
        return random.nextDouble() < validBias;
    }

    public boolean chance(double p) {
        return random.nextDouble() < p;
    }

    public int below(int bound) {
        return random.nextInt(bound);
    }

    @SafeVarargs
    public final <T> T pick(T... values) {
        return values[random.nextInt(values.length)];
    }

    public <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    // ------------------------------------------------------------------ numbers

    /** Ints: small valid counts and indexes, or 0, -1, the extremes, page boundaries. */
    public int anInt() {
        if (valid()) {
            return pick(0, 1, 2, 3, 7, 16, 64, random.nextInt(256));
        }
        return pick(-1, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE - 1, PAGE - 1, PAGE, PAGE + 1,
                1 << 16, 1 << 20, 1 << 30, -PAGE, random.nextInt());
    }

    /** Longs: as {@link #anInt} plus the long extremes and values that truncate to small ints. */
    public long aLong() {
        if (valid()) {
            return pick(0L, 1L, 2L, 64L, (long) PAGE, (long) random.nextInt(1 << 16));
        }
        return pick(-1L, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - PAGE, (long) Integer.MAX_VALUE,
                Integer.MAX_VALUE + 1L, 1L << 32, (1L << 32) + 1, (1L << 32) + PAGE, -(long) PAGE, PAGE - 1L, PAGE + 1L,
                1L << 40, random.nextLong());
    }

    /** A size in bytes: one page or a few bytes, or 0, negative, MAX_VALUEs, page boundaries. */
    public long size() {
        if (valid()) {
            return pick(1L, 64L, (long) PAGE, 2L * PAGE);
        }
        return pick(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L,
                PAGE - 1L, PAGE + 1L, 1L << 40, Long.MAX_VALUE - PAGE + 1);
    }

    /** An offset into something {@code length} bytes long: inside, at the edges, or out of range. */
    public long offset(long length) {
        if (valid() && length > 0) {
            return pick(0L, length - 1, random.nextLong(length));
        }
        return pick(-1L, length, length + 1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - length + 1,
                (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L);
    }

    // ------------------------------------------------------------------ durations

    /** Durations: a short valid wait, or negative, zero, 1 ns, huge, {@code ofSeconds(Long.MAX_VALUE)}. */
    public Duration duration() {
        if (valid()) {
            return pick(Duration.ofMillis(1), Duration.ofMillis(10), Duration.ZERO);
        }
        return pick(Duration.ofNanos(-1), Duration.ofSeconds(-1), Duration.ZERO, Duration.ofNanos(1),
                Duration.ofDays(365L * 1000), Duration.ofSeconds(Long.MAX_VALUE),
                Duration.ofSeconds(Long.MAX_VALUE, 999_999_999), Duration.ofSeconds(Long.MIN_VALUE),
                Duration.ofSeconds(Integer.MAX_VALUE), Duration.ofMillis(Long.MAX_VALUE), Duration.ofNanos(Long.MAX_VALUE));
    }

    // ------------------------------------------------------------------ text

    private static final String LONG_255 = "n".repeat(255);
    private static final String LONG_256 = "n".repeat(256);
    private static final String LONG_4096 = "p".repeat(4096);
    private static final String LONG_70000 = "q".repeat(70_000);

    /**
     * Hostile strings: empty, NUL inside or alone, slashes, dots, lengths at and beyond NAME_MAX and
     * PATH_MAX, a lone surrogate (no UTF-8 form), combining marks, right-to-left, an emoji, control
     * characters, format specifiers, whitespace.
     */
    public String hostileString() {
        return pick("", "\0", "a\0b", "/", "//", "/./", ".", "..", "/..", "../..", LONG_255, LONG_256, LONG_4096,
                LONG_70000, "\uD800", "a\uDC00b", "e\u0301", "\u202Eevil", "\uD83D\uDE00", "\u00e9t\u00e9", "\n", "\t\r",
                " ", "%s%n%x", "\u0000\u0001\u001f", "\uFFFF", "-", "--", "=", "@", "\\");
    }

    /** A string: a short plain word, or {@link #hostileString}. */
    public String string() {
        return valid() ? pick("x", "jipc", "a-b_c", "0") : hostileString();
    }

    /**
     * A POSIX IPC name ({@code /name}): a fresh valid name carrying this run's prefix (registered with
     * {@link TestIpc#names()}), that name with a hostile tail, or one that can never be valid. Every
     * name that could exist carries the prefix, so leak checks find it and nothing else's is touched.
     */
    public String posixName() {
        String base = TestIpc.name("h" + NAMES.incrementAndGet());
        if (valid()) {
            return base;
        }
        return switch (random.nextInt(3)) {
            case 0 -> base + pick("/x", "\0", "\0tail", "\uD800", "\u00e9", "\uD83D\uDE00", "..", "\n", LONG_255, " ");
            case 1 -> pick("/", base + "/", "/" + base, base.substring(1), "//" + base.substring(1), base + LONG_4096);
            default -> pick("", "\0", "/", "//", "/.", "/..", LONG_256, "/" + LONG_256, "/" + LONG_4096);
        };
    }

    /** Bytes: a short message, or empty, one page, a page and one, or bytes that are not UTF-8. */
    public byte[] bytes() {
        if (valid()) {
            return "hello".getBytes(StandardCharsets.UTF_8);
        }
        return switch (random.nextInt(5)) {
            case 0 -> new byte[0];
            case 1 -> new byte[PAGE];
            case 2 -> new byte[PAGE + 1];
            case 3 -> new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0, (byte) 0x80};
            default -> {
                byte[] b = new byte[random.nextInt(70_000)];
                random.nextBytes(b);
                yield b;
            }
        };
    }

    // ------------------------------------------------------------------ paths

    /**
     * A path inside {@code sandbox} only (never anywhere else: a property may create, lock or unlink
     * what it is given): a fresh name, the sandbox itself (a directory), an existing file, a missing
     * parent, a component over NAME_MAX, a path over PATH_MAX, unusual Unicode, a "..". Relative
     * paths are never given: they would land in the working directory.
     */
    public Path path(Path sandbox) {
        String fresh = "f" + NAMES.incrementAndGet();
        if (valid()) {
            return sandbox.resolve(fresh);
        }
        return switch (random.nextInt(8)) {
            case 0 -> sandbox;
            case 1 -> sandbox.resolve("missing-" + fresh).resolve("x");
            case 2 -> sandbox.resolve(LONG_256);
            case 3 -> sandbox.resolve(("d/".repeat(2100)) + fresh);
            case 4 -> sandbox.resolve(fresh + pick("\u00e9", "\uD83D\uDE00", "\n", " ", "\u202E"));
            case 5 -> sandbox.resolve("..").resolve(sandbox.getFileName()).resolve(fresh);
            case 6 -> sandbox.resolve(fresh).resolve(".");
            default -> sandbox.resolve(fresh + "-" + "\u00e9".repeat(100));
        };
    }

    // ------------------------------------------------------------------ buffers

    /** A ByteBuffer: heap or direct, or empty, read-only, position at limit, a slice at an odd offset. */
    public ByteBuffer buffer() {
        if (valid()) {
            return pick(ByteBuffer.allocate(64), ByteBuffer.allocateDirect(64), ByteBuffer.wrap(bytes()));
        }
        return switch (random.nextInt(6)) {
            case 0 -> ByteBuffer.allocate(0);
            case 1 -> ByteBuffer.allocateDirect(16).asReadOnlyBuffer();
            case 2 -> ByteBuffer.allocate(16).position(16);
            case 3 -> ByteBuffer.allocateDirect(PAGE + 1).position(3).slice();
            case 4 -> ByteBuffer.allocate(70_000);
            default -> ByteBuffer.wrap(new byte[8]).asReadOnlyBuffer();
        };
    }

    /**
     * A MemorySegment: native or heap, or NULL, zero length, read-only, misaligned, one whose arena
     * is closed, one confined to the drawing thread (hostile when used from another).
     */
    public MemorySegment segment() {
        if (valid()) {
            return pick(Arena.ofAuto().allocate(64, 8), MemorySegment.ofArray(new byte[64]));
        }
        return switch (random.nextInt(7)) {
            case 0 -> MemorySegment.NULL;
            case 1 -> Arena.ofAuto().allocate(0);
            case 2 -> Arena.ofAuto().allocate(64).asReadOnly();
            case 3 -> Arena.ofAuto().allocate(PAGE + 8, 8).asSlice(1);
            case 4 -> {
                Arena a = Arena.ofConfined();
                MemorySegment s = a.allocate(64);
                a.close();
                yield s;
            }
            case 5 -> Arena.ofConfined().allocate(64);
            default -> MemorySegment.ofArray(new long[3]);
        };
    }

    /** Permissions: none, all, the usual 0600, or a random set. */
    public Set<PosixFilePermission> permissions() {
        return switch (random.nextInt(4)) {
            case 0 -> EnumSet.noneOf(PosixFilePermission.class);
            case 1 -> EnumSet.allOf(PosixFilePermission.class);
            case 2 -> EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            default -> subset(PosixFilePermission.class);
        };
    }

    /** A random subset of an enum's constants (possibly empty). */
    public <E extends Enum<E>> EnumSet<E> subset(Class<E> type) {
        EnumSet<E> set = EnumSet.noneOf(type);
        for (E e : type.getEnumConstants()) {
            if (random.nextInt(4) == 0) {
                set.add(e);
            }
        }
        return set;
    }

    /** {@code null} with probability {@code p}, else the value. */
    public <T> T orNull(double p, T value) {
        return chance(p) ? null : value;
    }
}
