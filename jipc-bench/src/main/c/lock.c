/*
 * `jipc bench` C baseline for `lock`: a handoff through OFD byte-range locks on one file (ARG),
 * the protocol of io.jipc.bench.LockLink. Bytes 0-2 are the parent's three locks, 3-5 the
 * child's. A sender holds its locks k and k+1 (mod 3), the receiver the sender's lock k-1:
 * sending message k releases lock k (the receiver is blocked on it in F_OFD_SETLKW) and takes
 * lock k+2, which the receiver releases once it has lock k. The first four bytes of each
 * message (the sequence number) travel in a shared mapping of the file, written before the
 * release and read after the take, before the receiver's own release; the rest of a message is
 * ignored, as for every handoff.
 *
 * Each process locks through its own open file description: the parent takes its starting
 * locks (0, 1 and the child's 5) before the fork through one it keeps, the child opens its own
 * after the fork (the parent's, inherited, is closed) and takes 3, 4 and the parent's 2; the
 * parent waits (F_OFD_GETLK) until it has. A peer that dies releases its locks: the other side
 * then finds a stale sequence number and fails instead of waiting.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include "bench.h"

#define FILE_SIZE 4096
#define PARENT_LOCKS 0
#define CHILD_LOCKS 3
#define PARENT_STAMP 64
#define CHILD_STAMP 128

static const char *path;
static int fd = -1;
static char *map;
static int out_base, in_base;
static long out_stamp, in_stamp;
static int send_at, receive_at;

static int setlk(int cmd, short type, int byte) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};
    int r;
    while ((r = fcntl(fd, cmd, &fl)) != 0 && errno == EINTR) {
    }
    return r;
}

static void lock_byte(int byte) {
    if (setlk(F_OFD_SETLKW, F_WRLCK, byte) != 0) die("fcntl(F_OFD_SETLKW) byte %d", byte);
}

static void unlock_byte(int byte) {
    if (setlk(F_OFD_SETLK, F_UNLCK, byte) != 0) die("fcntl(F_OFD_SETLK, F_UNLCK) byte %d", byte);
}

static int held_by_other(int byte) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1};
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) die("fcntl(F_OFD_GETLK)");
    return fl.l_type != F_UNLCK;
}

static void mech_prepare(const char *arg) {
    if (arg == NULL) {
        errno = 0;
        die("lock needs a file path argument");
    }
    path = arg;
    if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) die("open %s", path);
    if (ftruncate(fd, FILE_SIZE) != 0) die("ftruncate");
    map = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) die("mmap");
    lock_byte(PARENT_LOCKS + 0);
    lock_byte(PARENT_LOCKS + 1);
    lock_byte(CHILD_LOCKS + 2);
}

static void mech_open(int role) {
    out_base = role == ROLE_PARENT ? PARENT_LOCKS : CHILD_LOCKS;
    in_base = role == ROLE_PARENT ? CHILD_LOCKS : PARENT_LOCKS;
    out_stamp = role == ROLE_PARENT ? PARENT_STAMP : CHILD_STAMP;
    in_stamp = role == ROLE_PARENT ? CHILD_STAMP : PARENT_STAMP;
    if (role == ROLE_CHILD) {
        /* The parent's description (and its locks) stays the parent's. */
        close(fd);
        if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0) die("open %s", path);
        lock_byte(CHILD_LOCKS + 0);
        lock_byte(CHILD_LOCKS + 1);
        lock_byte(PARENT_LOCKS + 2);
    } else {
        while (!held_by_other(PARENT_LOCKS + 2) || !held_by_other(CHILD_LOCKS + 0) || !held_by_other(CHILD_LOCKS + 1)) {
            struct timespec ms = {0, 1000000};
            nanosleep(&ms, NULL);
        }
    }
}

static void mech_send(const void *buf, size_t n) {
    memcpy(map + out_stamp, buf, n < 4 ? n : 4);
    unlock_byte(out_base + send_at);
    lock_byte(out_base + (send_at + 2) % 3);
    send_at = (send_at + 1) % 3;
}

static void mech_recv(void *buf, size_t n) {
    lock_byte(in_base + receive_at);
    /* Read before the release below lets the sender return and write its next message. */
    memcpy(buf, map + in_stamp, n < 4 ? n : 4);
    unlock_byte(in_base + (receive_at + 2) % 3);
    receive_at = (receive_at + 1) % 3;
}

static void mech_cleanup(void) {
    munmap(map, FILE_SIZE);
    close(fd);
    unlink(path);
}
