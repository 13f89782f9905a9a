package io.jipc.hostile;

import io.jipc.Fd;
import io.jipc.FdBacked;
import io.jipc.IpcKey;
import io.jipc.PassedFiles;
import io.jipc.inspect.ObjectRef;
import io.jipc.inspect.ObjectType;
import io.jipc.pipe.Pipe;
import io.jipc.process.ChildProcess;
import io.jipc.process.PidFd;
import io.jipc.testing.Hostile;
import io.jipc.testing.TestIpc;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Draws a value of any type an entry point of jipc takes: hostile values from {@link Hostile} for
 * plain types, and for jipc's own types a live object made through jipc's own factories (found by
 * reflection: any public method returning the type), sometimes closed before use.
 *
 * <p>Safety is decided here, per parameter, never left to chance: a process id is only the test's
 * own child or a value no process can have; a descriptor number to adopt is never one this JVM
 * uses; a System V key or id is only the run's own or invalid; a POSIX name carries the run's
 * prefix or can never be valid; a path is inside the sandbox; a program to run is {@code
 * /bin/true}-like or does not exist. Every object made is tracked and removed after the try.
 */
final class Values {
    /** Thrown by the callbacks the fuzzer hands to jipc (handlers), when it makes them fail. */
    static final class HandlerFault extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HandlerFault() {
            super("hostile handler failure", null, false, false);
        }
    }

    final Hostile h;
    final Path sandbox;
    final Path existingFile;
    /** AutoCloseables made during the current try, closed and removed after it. */
    final List<AutoCloseable> made = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** System V ids of objects the run made (the only valid ids ever passed). */
    final List<Integer> ourIds = new ArrayList<>();
    /** POSIX names handed out, to probe for leftovers (no mqueue mount here). */
    final List<String> names = new ArrayList<>();
    /** The one long-lived child process signals may go to. */
    final ChildProcess sleeper;

    Values(Hostile h, Path sandbox, ChildProcess sleeper) throws Exception {
        this.h = h;
        this.sandbox = sandbox;
        this.existingFile = Files.writeString(sandbox.resolve("existing"), "hostile");
        this.sleeper = sleeper;
    }

    // ------------------------------------------------------------------ domains that keep the run safe

    /** A pid that is the test's child, or one no process can have (never 0, 1, -1, this JVM, a group). */
    long pid() {
        return h.chance(0.4) ? sleeper.pid() : h.pick(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, (long) Integer.MAX_VALUE,
                Integer.MAX_VALUE + 1L, 1L << 32, (1L << 32) + 1 /* truncates to init */, -(1L << 32), 1L << 40);
    }

    /** A descriptor number no part of this JVM uses (adopting and closing one it uses would corrupt it). */
    int foreignFd() {
        return h.pick(-1, -2, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 20, 1 << 24);
    }

    IpcKey key() {
        return IpcKey.of(h.chance(0.1) ? 0 /* IPC_PRIVATE: a new object each time */ : TestIpc.key());
    }

    int sysvId() {
        if (!ourIds.isEmpty() && h.valid()) {
            return h.pick(ourIds);
        }
        return h.pick(-1, Integer.MIN_VALUE, Integer.MAX_VALUE, -32768);
    }

    String posixName() {
        String n = h.posixName();
        names.add(n);
        return n;
    }

    /** A program for a child: harmless or impossible. */
    String program() {
        return h.pick("/bin/true", "/bin/false", "/nonexistent/" + TestIpc.PREFIX, "", "\0", "/", existingFile.toString(),
                sandbox.toString(), "\uD800", "x".repeat(5000));
    }

    // ------------------------------------------------------------------ arguments of one entry point

    Object[] arguments(Executable e) throws Exception {
        Type[] types = e.getGenericParameterTypes();
        Class<?>[] raw = e.getParameterTypes();
        Object[] args = new Object[raw.length];
        for (int i = 0; i < raw.length; i++) {
            args[i] = argument(e, i, raw[i], types[i]);
        }
        return args;
    }

    private Object argument(Executable e, int i, Class<?> raw, Type type) throws Exception {
        Class<?> owner = e.getDeclaringClass();
        String name = e.getName();
        if (!raw.isPrimitive() && h.chance(0.06)) {
            return null;
        }
        if (owner == io.jipc.signal.Signals.class && i == 0 && raw == long.class) {
            return pid();
        }
        if (owner == PidFd.class && name.equals("open")) {
            return pid();
        }
        if (name.equals("adopt") && raw == int.class) {
            return foreignFd();
        }
        if (owner == io.jipc.sem.PosixSemaphore.class && name.equals("release") && raw == int.class) {
            // release(n) posts n times: a billion permits take minutes (reported, not fixed)
            return h.pick(0, -1, Integer.MIN_VALUE, 1, 2, 1 << 12);
        }
        if (name.equals("openId") && raw == int.class) {
            return sysvId();
        }
        if (owner == IpcKey.class && name.equals("of")) {
            return key().value();
        }
        if (owner == IpcKey.class && name.equals("parse")) {
            return h.valid() ? "0x" + Integer.toHexString(TestIpc.key()) : h.hostileString();
        }
        if (owner == ObjectRef.class) {
            return objectRefPart(raw);
        }
        if (owner == io.jipc.inspect.Inventory.class && raw == ObjectRef.class) {
            return objectRef();
        }
        if (owner == io.jipc.socket.UnixAddress.class && name.equals("parse")) {
            return h.pick("@" + TestIpc.PREFIX + h.below(100), h.path(sandbox).toString(), "", "\0", "@", "@\0x",
                    "/" + "x".repeat(200));
        }
        if ((owner == ChildProcess.class || owner == io.jipc.process.Pipeline.Builder.class) && raw == String.class) {
            return program();
        }
        if (owner == ChildProcess.class && raw == String[].class) {
            return h.chance(0.5) ? new String[0] : new String[] {h.string(), h.hostileString()};
        }
        if (owner == ChildProcess.class && raw == List.class) {
            List<String> cmd = new ArrayList<>();
            if (h.chance(0.8)) {
                cmd.add(program());
            }
            if (h.chance(0.5)) {
                cmd.add(h.hostileString());
            }
            return cmd;
        }
        return value(raw, type, 0, posixNames(owner));
    }

    private static boolean posixNames(Class<?> owner) {
        String p = owner.getPackageName();
        return (p.equals("io.jipc.mq") || p.equals("io.jipc.sem") || p.equals("io.jipc.shm") || p.equals("io.jipc.channel"))
                && owner != io.jipc.shm.MemFd.class;
    }

    private Object objectRefPart(Class<?> raw) {
        if (raw == int.class) {
            return sysvId();
        }
        if (raw == String.class) {
            return h.valid() ? posixName() : h.pick("", "\0", "/", "sysv-msg:-1", "shm:", ":", "mq:" + posixName());
        }
        return h.pick(ObjectType.values());
    }

    private ObjectRef objectRef() {
        String n = posixName();
        return switch (h.below(5)) {
            case 0 -> ObjectRef.parse("mq:" + n);
            case 1 -> ObjectRef.parse("sem:" + n);
            case 2 -> ObjectRef.parse("shm:" + n);
            case 3 -> ObjectRef.parse("fifo:" + h.path(sandbox));
            default -> ObjectRef.parse(h.pick("sysv-msg:", "sysv-sem:", "sysv-shm:") + sysvId());
        };
    }

    // ------------------------------------------------------------------ values by type

    Object value(Class<?> raw, Type type, int depth, boolean posixNames) throws Exception {
        if (raw == int.class || raw == Integer.class) {
            return h.anInt();
        }
        if (raw == long.class || raw == Long.class) {
            return h.chance(0.5) ? h.size() : h.aLong();
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return h.chance(0.5);
        }
        if (raw == short.class) {
            return (short) h.anInt();
        }
        if (raw == byte.class) {
            return (byte) h.anInt();
        }
        if (raw == char.class) {
            return h.pick('\0', 'a', '\uD800');
        }
        if (raw == double.class) {
            return h.pick(0.0, -1.0, Double.NaN, Double.MAX_VALUE);
        }
        if (raw == String.class) {
            return posixNames ? posixName() : h.string();
        }
        if (raw == Duration.class) {
            return h.duration();
        }
        if (raw == Path.class) {
            return h.path(sandbox);
        }
        if (raw == byte[].class) {
            return h.bytes();
        }
        if (raw == ByteBuffer.class) {
            return h.buffer();
        }
        if (raw == MemorySegment.class) {
            return h.segment();
        }
        if (raw == Object.class) {
            return h.pick("x", 1, new Object());
        }
        if (raw == OpenOption[].class) {
            return h.pick(new OpenOption[0], new OpenOption[] {StandardOpenOption.READ},
                    new OpenOption[] {StandardOpenOption.WRITE, StandardOpenOption.APPEND}, new OpenOption[] {StandardOpenOption.CREATE_NEW});
        }
        if (raw.isEnum()) {
            Object[] constants = raw.getEnumConstants();
            return constants[h.below(constants.length)];
        }
        if (raw == Set.class || raw == List.class || raw == Iterable.class || raw == java.util.Collection.class) {
            Class<?> element = elementType(type);
            if (element == PosixFilePermission.class) {
                return h.permissions();
            }
            if (element != null && element.isEnum()) {
                Set<?> sub = (Set<?>) subsetOf(element);
                return raw == Set.class ? sub : new ArrayList<Object>(sub);
            }
            List<Object> list = new ArrayList<>();
            int n = h.pick(0, 1, 2, 3);
            for (int i = 0; i < n; i++) {
                list.add(element == null ? null : h.chance(0.1) ? null : value(element, element, depth + 1, posixNames));
            }
            return raw == Set.class ? new java.util.HashSet<>(list) : list;
        }
        if (raw == Map.class) {
            Map<String, String> m = new HashMap<>();
            m.put(h.string(), h.string());
            return m;
        }
        if (raw == Optional.class) {
            return Optional.empty();
        }
        if (raw.isArray()) {
            int n = h.pick(0, 1, 2, 3);
            Object array = Array.newInstance(raw.getComponentType(), n);
            for (int i = 0; i < n; i++) {
                Object v = raw.getComponentType().isPrimitive() || h.chance(0.9)
                        ? value(raw.getComponentType(), raw.getComponentType(), depth + 1, posixNames) : null;
                Array.set(array, i, v);
            }
            return array;
        }
        if (raw == java.util.concurrent.locks.Lock.class) {
            return new ReentrantLock();
        }
        if (raw.isInterface() && isFunctional(raw) && !raw.getPackageName().startsWith("io.jipc")
                || raw == io.jipc.signal.SignalHandler.class || raw == io.jipc.channel.RecordHandler.class) {
            return callback(raw);
        }
        if (raw == IpcKey.class) {
            return key();
        }
        if (raw == ObjectRef.class) {
            return objectRef();
        }
        if (raw.getPackageName().startsWith("io.jipc")) {
            return jipcObject(raw, depth);
        }
        return null;
    }

    private Object subsetOf(Class<?> element) {
        @SuppressWarnings({"unchecked", "rawtypes"})
        EnumSet<?> s = h.subset((Class) element);
        return s;
    }

    private static Class<?> elementType(Type type) {
        if (type instanceof ParameterizedType p && p.getActualTypeArguments().length == 1) {
            Type a = p.getActualTypeArguments()[0];
            if (a instanceof WildcardType w) {
                a = w.getUpperBounds()[0];
            }
            if (a instanceof Class<?> c) {
                return c;
            }
            if (a instanceof ParameterizedType pa) {
                return (Class<?>) pa.getRawType();
            }
        }
        return null;
    }

    private static boolean isFunctional(Class<?> c) {
        return c.isAnnotationPresent(FunctionalInterface.class)
                || java.util.Arrays.stream(c.getMethods()).filter(m -> Modifier.isAbstract(m.getModifiers())).count() == 1;
    }

    /** A callback that does nothing, or fails (a user's handler may throw). */
    private Object callback(Class<?> type) {
        boolean fails = h.chance(0.3);
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, a) -> {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == a[0];
                    default -> "hostile " + type.getSimpleName();
                };
            }
            if (fails) {
                throw new HandlerFault();
            }
            Class<?> r = m.getReturnType();
            if (r == boolean.class) {
                return false;
            }
            if (r == int.class || r == long.class || r == short.class || r == byte.class) {
                return r == long.class ? (Object) 0L : r == int.class ? (Object) 0 : r == short.class ? (Object) (short) 0 : (Object) (byte) 0;
            }
            return null;
        });
    }

    // ------------------------------------------------------------------ jipc objects

    /**
     * A jipc object: the safe specimens first (descriptors, processes), then any public method of
     * the API returning the type (a factory, or a getter on another object), with arguments drawn
     * mostly valid so that an object comes out.
     */
    Object jipcObject(Class<?> type, int depth) throws Exception {
        Object special = specimen(type);
        if (special != NONE) {
            return track(special);
        }
        if (type.isRecord() && !hasDefaults(type) && h.chance(0.7)) {
            Object r = record(type, depth);
            if (r != null) {
                return r;
            }
        }
        if (hasDefaults(type)) {
            return options(type, depth);
        }
        if (!type.isRecord() && !type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
            for (Constructor<?> k : type.getConstructors()) {
                try {
                    return track(k.newInstance(arguments(k)));
                } catch (InvocationTargetException refused) {
                    // try the next constructor, then the factories
                }
            }
        }
        if (nesting > 3) {
            return null;
        }
        List<Method> producers = producers(type);
        double bias = h.validBias(0.85);
        nesting++;
        try {
            for (int attempt = 0; attempt < 6 && !producers.isEmpty(); attempt++) {
                Method m = h.pick(producers);
                Object receiver = null;
                if (!Modifier.isStatic(m.getModifiers())) {
                    receiver = jipcObject(m.getDeclaringClass(), depth + 1);
                    if (receiver == null) {
                        continue;
                    }
                }
                try {
                    Object[] args = arguments(m);
                    Object r = m.invoke(receiver, args);
                    if (r instanceof Optional<?> o) {
                        r = o.orElse(null);
                    }
                    if (r instanceof List<?> list) {
                        r = list.isEmpty() ? null : list.get(h.below(list.size()));
                    }
                    if (r != null && type.isInstance(r)) {
                        return track(r);
                    }
                    track(r);
                } catch (InvocationTargetException ignored) {
                    // a refused combination: draw another
                }
            }
        } finally {
            h.validBias(bias);
            nesting--;
        }
        return null;
    }

    private static final Object NONE = new Object();

    /** How deep the making of objects for objects' arguments goes now (bounded: no endless recursion). */
    private int nesting;

    /** Objects whose making must not be left to the generic search. */
    private Object specimen(Class<?> type) throws Exception {
        if (type == Fd.class || (type == FdBacked.class && h.chance(0.3))) {
            if (h.chance(0.5)) {
                return PassedFiles.openReadOnly(existingFile);
            }
            Pipe p = Pipe.open();
            track(p);
            return h.chance(0.5) ? p.readEnd().fd() : p.writeEnd().fd();
        }
        if (type == io.jipc.shm.Mapping.class && h.chance(0.7)) {
            io.jipc.shm.MemFd m = (io.jipc.shm.MemFd) track(io.jipc.shm.MemFd.create("hostile", 1 << 16));
            return m.map();
        }
        if (type == io.jipc.socket.UnixSocket.class && h.chance(0.7)) {
            io.jipc.socket.UnixSocket.Pair p = (io.jipc.socket.UnixSocket.Pair) track(
                    io.jipc.socket.UnixSocket.pair(h.pick(io.jipc.socket.SocketType.values())));
            return h.chance(0.5) ? p.first() : p.second();
        }
        if (type == io.jipc.inspect.IpcObject.class) {
            List<io.jipc.inspect.IpcObject> all = io.jipc.inspect.Inventory.list(EnumSet.allOf(ObjectType.class)).objects();
            return all.isEmpty() ? NONE : all.get(h.below(all.size()));
        }
        if (type == PidFd.class) {
            // a child of this try's own: a PidFd's signal() may kill it
            ChildProcess child = (ChildProcess) track(ChildProcess.builder("/bin/sleep", "5").start());
            return PidFd.open(child.pid());
        }
        if (type == ChildProcess.class) {
            return ChildProcess.builder("/bin/sleep", "5").start();
        }
        if (type == io.jipc.process.ChildProcessBuilder.class) {
            return ChildProcess.builder(program(), h.string());
        }
        return NONE;
    }

    private static boolean hasDefaults(Class<?> type) {
        try {
            Method d = type.getMethod("defaults");
            return Modifier.isStatic(d.getModifiers()) && d.getReturnType() == type;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** An Options record: defaults, then a few {@code withX} drawn at random (some refused). */
    private Object options(Class<?> type, int depth) throws Exception {
        Object o = type.getMethod("defaults").invoke(null);
        List<Method> withs = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getName().startsWith("with") && m.getReturnType() == type && !Modifier.isStatic(m.getModifiers())) {
                withs.add(m);
            }
        }
        int n = withs.isEmpty() ? 0 : h.below(3);
        for (int i = 0; i < n; i++) {
            Method w = h.pick(withs);
            if (w.getName().equals("withReserve")) {
                // fallocate of a hostile size (2 GiB) takes seconds and the shared machine's memory;
                // reserve's refusal of what cannot fit is HostileFindingsTest's
                continue;
            }
            try {
                o = w.invoke(o, arguments(w));
            } catch (InvocationTargetException refused) {
                // the option refused a hostile value: keep what we had
            }
        }
        return o;
    }

    private Object record(Class<?> type, int depth) throws Exception {
        RecordComponent[] rc = type.getRecordComponents();
        Class<?>[] types = java.util.Arrays.stream(rc).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Constructor<?> k = type.getDeclaredConstructor(types);
        if (!Modifier.isPublic(k.getModifiers())) {
            return null;
        }
        double bias = h.validBias(0.85);
        try {
            for (int attempt = 0; attempt < 8; attempt++) {
                try {
                    return k.newInstance(arguments(k));
                } catch (InvocationTargetException refused) {
                    // draw again
                }
            }
            return null;
        } finally {
            h.validBias(bias);
        }
    }

    private static final Map<Class<?>, List<Method>> PRODUCERS = new HashMap<>();

    /** Public methods of the API that return {@code type} (or an Optional of it, or a subtype). */
    private static synchronized List<Method> producers(Class<?> type) {
        return PRODUCERS.computeIfAbsent(type, t -> {
            List<Method> found = new ArrayList<>();
            for (Executable e : EntryPoints.all()) {
                if (e instanceof Method m && mayProduce(m)) {
                    Class<?> r = m.getReturnType();
                    Class<?> element = elementType(m.getGenericReturnType());
                    boolean returnsIt = t.isAssignableFrom(r) && r != Object.class
                            || (r == Optional.class || r == List.class) && element != null && t.isAssignableFrom(element);
                    boolean recordAccessor = m.getDeclaringClass().isRecord() && !Modifier.isStatic(m.getModifiers());
                    if (returnsIt && !recordAccessor) {
                        found.add(m);
                    }
                }
            }
            return found;
        });
    }

    /**
     * Whether a method may be used to make an object on the way to a call: never one that waits
     * (the first form of an operation that has a {@code tryX}, a timed form, a wait), never adopt.
     */
    private static boolean mayProduce(Method m) {
        String n = m.getName();
        if (n.equals("adopt") || n.startsWith("await") || n.startsWith("wait") || n.equals("sleep")) {
            return false;
        }
        for (Class<?> p : m.getParameterTypes()) {
            if (p == Duration.class) {
                return false;
            }
        }
        String tryName = "try" + Character.toUpperCase(n.charAt(0)) + n.substring(1);
        for (Method other : m.getDeclaringClass().getMethods()) {
            if (other.getName().equals(tryName)) {
                return false;
            }
        }
        return true;
    }

    Object track(Object o) {
        if (o instanceof AutoCloseable c) {
            made.add(c);
            remember(c);
        }
        return o;
    }

    /** Named objects made, by what names them, to remove even when the object was closed by the call. */
    private final List<Runnable> removals = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void remember(AutoCloseable c) {
        try {
            if (c instanceof io.jipc.mq.SysVMessageQueue q) {
                int id = q.id();
                removals.add(() -> quietly(() -> {
                    try (var o = io.jipc.mq.SysVMessageQueue.openId(id)) {
                        o.remove();
                    }
                }));
            } else if (c instanceof io.jipc.sem.SysVSemaphoreSet s) {
                int id = s.id();
                removals.add(() -> quietly(() -> {
                    try (var o = io.jipc.sem.SysVSemaphoreSet.openId(id)) {
                        o.remove();
                    }
                }));
            } else if (c instanceof io.jipc.sem.PermitPool p) {
                int id = p.id();
                removals.add(() -> quietly(() -> {
                    try (var o = io.jipc.sem.SysVSemaphoreSet.openId(id)) {
                        o.remove();
                    }
                }));
            } else if (c instanceof io.jipc.shm.SysVSharedMemory m) {
                int id = m.id();
                removals.add(() -> quietly(() -> {
                    try (var o = io.jipc.shm.SysVSharedMemory.openId(id)) {
                        o.remove();
                    }
                }));
            } else if (c instanceof io.jipc.mq.PosixMessageQueue q) {
                String n = q.name();
                removals.add(() -> quietly(() -> io.jipc.mq.PosixMessageQueue.unlink(n)));
            } else if (c instanceof io.jipc.sem.PosixSemaphore s) {
                String n = s.name();
                removals.add(() -> quietly(() -> io.jipc.sem.PosixSemaphore.unlink(n)));
            } else if (c instanceof io.jipc.shm.SharedMemory m) {
                String n = m.name();
                removals.add(() -> quietly(() -> io.jipc.shm.SharedMemory.unlink(n)));
            }
        } catch (Exception | Error closedAlready) {
            // made closed: nothing to remember
        }
    }

    interface Action {
        void run() throws Exception;
    }

    private static void quietly(Action a) {
        try {
            a.run();
        } catch (Exception | Error gone) {
            // removed already
        }
    }

    /**
     * Unlocks, on the thread that called (the owner), what the try's calls locked: a mutex or
     * rwlock held by the worker pins its mapping until unlocked, as it must while a holder may
     * still touch it. Run on the worker thread before {@link #cleanUp}.
     */
    void unlockHeld() {
        for (int i = made.size() - 1; i >= 0; i--) {
            AutoCloseable c = made.get(i);
            if (c instanceof io.jipc.sync.LockOrder.Held held) {
                quietly(held::close);
                continue;
            }
            try {
                Method unlock = c.getClass().getMethod("unlock");
                for (int k = 0; k < 3; k++) {
                    unlock.invoke(c);
                }
            } catch (ReflectiveOperationException | RuntimeException notHeld) {
                // nothing (more) to unlock
            }
        }
    }

    /** Descriptors the fuzzer pinned with Fd.acquire: released once each before anything is closed. */
    final List<Fd> acquired = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Removes (unlink/remove) and closes everything the try made, newest first; kills children. */
    void cleanUp() {
        for (Fd fd : acquired) {
            try {
                fd.release(); // the fuzzer's own acquire, paired as the contract asks (never another's)
            } catch (RuntimeException e) {
                // released by the call under test already (Fd#release fuzzed on it)
            }
        }
        acquired.clear();
        for (int i = made.size() - 1; i >= 0; i--) {
            AutoCloseable c = made.get(i);
            if (c == sleeper) {
                continue;
            }
            if (c instanceof ChildProcess child) {
                try {
                    child.signal(io.jipc.signal.Signal.SIGKILL);
                    child.tryWaitFor(Duration.ofSeconds(5));
                } catch (Exception | Error ignored) {
                    // closed already, or reaped: close below
                }
            }
            for (String remove : new String[] {"remove", "unlink"}) {
                try {
                    Method m = c.getClass().getMethod(remove);
                    m.invoke(c);
                } catch (ReflectiveOperationException | RuntimeException ignored) {
                    // not a named object, or gone already
                }
            }
            if (c instanceof io.jipc.channel.ChannelReader || c instanceof io.jipc.channel.ChannelWriter) {
                try {
                    // a named channel's label is its name: "ChannelWriter[/name, 4096 bytes]"
                    String shown = c.toString();
                    String label = shown.substring(shown.indexOf('[') + 1, shown.indexOf(", "));
                    if (label.startsWith("/")) {
                        io.jipc.channel.Channel.unlink(label);
                    }
                } catch (Exception | Error ignored) {
                    // an unnamed channel (memfd), or gone already
                }
            }
            try {
                c.close();
            } catch (Exception | Error ignored) {
                // close failing is reported by the calls that exercise close
            }
        }
        made.clear();
        acquired.clear();
        for (Runnable r : removals) {
            r.run();
        }
        removals.clear();
    }
}
