/* File lock peer for jipc's tests: one process, one open file description of PATH (opened
 * read-write, created 0600 if absent), driven by commands on stdin, one answer line each.
 *
 *   lock_peer PATH
 *
 *   lock KIND TYPE START LEN    wait for the lock (F_SETLKW, F_OFD_SETLKW, flock): "locked" or the errno name
 *                               ("blocking TID" is printed first, so the test knows the call is next)
 *   try KIND TYPE START LEN     take it if free: "locked", "busy" (EAGAIN/EACCES/EWOULDBLOCK) or the errno name
 *   unlock KIND START LEN       "unlocked" or the errno name
 *   getlk KIND TYPE START LEN   F_GETLK / F_OFD_GETLK: "free", or "TYPE PID START LEN" of the lock in the way
 *   close                       close the descriptor ("closed"); reopen opens a new one ("reopened")
 *   mapclose                    map the file, then close the descriptor ("mapped"): the mapping keeps
 *                               the open file description, and its flock and OFD locks, alive
 *   point NAME                  a crash point (io.jipc.testing.Crash)
 *   exit                        exit 0
 * KIND: flock, posix or ofd; TYPE: shared or exclusive; LEN 0 = to the end of the file.
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *path;
static int fd = -1;

static void reopen(void) {
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) die("open");
}

static short type_of(const char *t) {
    if (!strcmp(t, "shared")) return F_RDLCK;
    if (!strcmp(t, "exclusive")) return F_WRLCK;
    fprintf(stderr, "bad type %s\n", t);
    exit(2);
}

static int record_cmd(const char *kind, int wait, int get) {
    int ofd = !strcmp(kind, "ofd");
    if (!ofd && strcmp(kind, "posix")) { fprintf(stderr, "bad kind %s\n", kind); exit(2); }
    if (get) return ofd ? F_OFD_GETLK : F_GETLK;
    if (wait) return ofd ? F_OFD_SETLKW : F_SETLKW;
    return ofd ? F_OFD_SETLK : F_SETLK;
}

/* 0, or the errno of the call. */
static int take(const char *kind, const char *type, long start, long len, int wait) {
    int r;
    if (!strcmp(kind, "flock")) {
        r = flock(fd, (type_of(type) == F_RDLCK ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB));
    } else {
        struct flock fl = {.l_type = type_of(type), .l_whence = SEEK_SET, .l_start = start, .l_len = len};
        r = fcntl(fd, record_cmd(kind, wait, 0), &fl);
    }
    return r == 0 ? 0 : errno;
}

static void answer_errno(int e) {
    if (e == EAGAIN || e == EACCES) printf("busy\n");
    else printf("%s\n", strerrorname_np(e));
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: lock_peer PATH\n"); return 2; }
    path = argv[1];
    reopen();
    ready();
    char line[512], cmd[32], kind[16], type[16], name[64];
    long start, len;
    while (fgets(line, sizeof line, stdin)) {
        if (sscanf(line, "%31s", cmd) != 1) continue;
        if (!strcmp(cmd, "lock") && sscanf(line, "%*s %15s %15s %ld %ld", kind, type, &start, &len) == 4) {
            printf("blocking %d\n", (int) getpid());
            fflush(stdout);
            int e = take(kind, type, start, len, 1);
            if (e == 0) printf("locked\n"); else printf("%s\n", strerrorname_np(e));
        } else if (!strcmp(cmd, "try") && sscanf(line, "%*s %15s %15s %ld %ld", kind, type, &start, &len) == 4) {
            int e = take(kind, type, start, len, 0);
            if (e == 0) printf("locked\n"); else answer_errno(e);
        } else if (!strcmp(cmd, "unlock") && sscanf(line, "%*s %15s %ld %ld", kind, &start, &len) == 3) {
            int r;
            if (!strcmp(kind, "flock")) {
                r = flock(fd, LOCK_UN);
            } else {
                struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
                r = fcntl(fd, record_cmd(kind, 0, 0), &fl);
            }
            if (r == 0) printf("unlocked\n"); else printf("%s\n", strerrorname_np(errno));
        } else if (!strcmp(cmd, "getlk") && sscanf(line, "%*s %15s %15s %ld %ld", kind, type, &start, &len) == 4) {
            struct flock fl = {.l_type = type_of(type), .l_whence = SEEK_SET, .l_start = start, .l_len = len};
            if (fcntl(fd, record_cmd(kind, 0, 1), &fl) != 0) {
                printf("%s\n", strerrorname_np(errno));
            } else if (fl.l_type == F_UNLCK) {
                printf("free\n");
            } else {
                printf("%s %d %ld %ld\n", fl.l_type == F_RDLCK ? "shared" : "exclusive", fl.l_pid, (long) fl.l_start,
                       (long) fl.l_len);
            }
        } else if (!strcmp(cmd, "close")) {
            close(fd);
            fd = -1;
            printf("closed\n");
        } else if (!strcmp(cmd, "mapclose")) {
            void *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) {
                printf("%s\n", strerrorname_np(errno));
            } else {
                close(fd);
                fd = -1;
                printf("mapped\n");
            }
        } else if (!strcmp(cmd, "reopen")) {
            reopen();
            printf("reopened\n");
        } else if (!strcmp(cmd, "point") && sscanf(line, "%*s %63s", name) == 1) {
            crash_point(name);
            printf("passed %s\n", name);
        } else if (!strcmp(cmd, "exit")) {
            return 0;
        } else {
            fprintf(stderr, "lock_peer: bad command: %s", line);
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}
