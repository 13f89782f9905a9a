package io.jipc.internal.libc;

import static io.jipc.internal.libc.Libc.C_CHAR;
import static io.jipc.internal.libc.Libc.C_SHORT;

import java.lang.foreign.MemoryLayout;

/** {@code <sys/un.h>}: the UNIX-domain socket address. */
public final class Un {
    private Un() {}

    /** The size of {@code sun_path}, the terminating NUL of a filesystem path included. */
    public static final int SUN_PATH_SIZE = 108;

    /** {@code struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }}. */
    public static final Libc.CStruct SOCKADDR_UN = Libc.struct("sys/un.h", "struct sockaddr_un",
            C_SHORT.withName("sun_family"), MemoryLayout.sequenceLayout(SUN_PATH_SIZE, C_CHAR).withName("sun_path"));
    public static final long SOCKADDR_UN_SIZE = SOCKADDR_UN.layout().byteSize();
    public static final long SUN_FAMILY = SOCKADDR_UN.offset("sun_family");
    /** {@code offsetof(struct sockaddr_un, sun_path)}: an address length of exactly this is unnamed. */
    public static final long SUN_PATH = SOCKADDR_UN.offset("sun_path");
}
