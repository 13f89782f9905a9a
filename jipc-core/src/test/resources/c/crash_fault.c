/*
 * The peer of io.jipc.reliability's crash-and-fault suite: one side of every mechanism's protocol,
 * killed with SIGKILL by the test wherever its seeded generator says.
 *
 *   crash_fault MODE TARGET COUNT SIZE POINT AT REPORT
 *
 * The peer opens TARGET, prints "ready", stops at crash point "start", then runs COUNT steps of
 * its protocol. When POINT is not "none", step AT stops at crash point POINT (the test kills it
 * there); otherwise the test kills it after a random delay, wherever it is. After each step the
 * kernel acknowledged it appends "sent N" to the file REPORT (N = messages, or bytes for byte
 * streams, so far; a file, not stdout, so that nothing stands between the write and the test); a
 * kill between the call's return and that line is why the test allows one step more than it saw.
 * "done" when every step ran.
 *
 * Senders (message i: SIZE bytes, the first 8 are i, byte k >= 8 is (i * 31 + k) mod 256;
 * stream byte o is pattern(o)):
 *   pipe|fifo PATH          write(2) to PATH opened O_WRONLY (a pipe through /proc/PID/fd/N)
 *                           points: before-write, mid-write (half a message written), after-write
 *   stream|seqpacket PATH   connect, send(2) (same points)
 *   dgram PATH              sendto(2)               points: before-send, after-send
 *   fdpass PATH             sendmsg(2) to PATH with a memfd holding the 8-byte index (same points)
 *   mq NAME                 mq_send(3), priority 0  (same points)
 *   msg ID                  msgsnd(2), type 1       (same points)
 *   sem NAME                sem_post(3)             (same points)
 *   shm NAME                stores i + 1 into 8-byte slot i of the mapped object (same points)
 * Holders (step i: acquire, print "held i", [point "holding"], release, print "sent i+1"):
 *   flock|posix|ofd PATH    flock / F_SETLKW / F_OFD_SETLKW on the whole file
 *   semundo ID              semop(-SIZE, SEM_UNDO) then semop(+SIZE, SEM_UNDO) on semaphore 0
 *   mutex NAME              pthread_mutex_lock on the robust SharedMutex at offset 0 of shm NAME; while
 *                           holding it, moves the guarded pair at offset 256: a = i + 1, then
 *                           [point "mid-update"], b = i + 1 (consistent when a == b)
 */
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "jipc_test.h"

static const char *point;
static long at;
static int reports = -1;

static void maybe(const char *name, long i) {
    if (i == at && !strcmp(point, name)) crash_point(name);
}

static void report(long n) {
    char line[32];
    int len = snprintf(line, sizeof line, "sent %ld\n", n);
    if (write(reports, line, len) != len) exit(4);
}

static unsigned char pattern(long o) {
    return (unsigned char) ((o * 7) ^ (o >> 9));
}

static void message(unsigned char *buf, long i, long size) {
    for (long k = 0; k < size; k++) buf[k] = (unsigned char) (i * 31 + k);
    if (size >= 8) memcpy(buf, &i, 8);
}

static void write_all(int fd, const unsigned char *p, long n, long *sent) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        p += w;
        n -= w;
        *sent += w;
        report(*sent);
    }
}

static struct sockaddr_un address(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    return a;
}

static int connected(int type, const char *path) {
    int fd = socket(AF_UNIX, type, 0);
    if (fd < 0) die("socket");
    struct sockaddr_un a = address(path);
    if (connect(fd, (struct sockaddr *) &a, sizeof a) < 0) die("connect");
    return fd;
}

static void start(void) {
    ready();
    crash_point("start");
}

static int stream(const char *mode, const char *target, long count, long size) {
    int fd;
    if (!strcmp(mode, "stream")) fd = connected(SOCK_STREAM, target);
    else if (!strcmp(mode, "seqpacket")) fd = connected(SOCK_SEQPACKET, target);
    else if ((fd = open(target, O_WRONLY)) < 0) die("open");
    unsigned char *buf = malloc(size);
    long sent = 0;
    start();
    for (long i = 0; i < count; i++) {
        maybe("before-write", i);
        if (!strcmp(mode, "seqpacket")) {
            message(buf, i, size);
            if (send(fd, buf, size, 0) != size) die("send");
            sent++;
            report(sent);
        } else {
            for (long k = 0; k < size; k++) buf[k] = pattern(sent + k);
            long half = i == at && !strcmp(point, "mid-write") ? size / 2 : size;
            write_all(fd, buf, half, &sent);
            maybe("mid-write", i);
            write_all(fd, buf + half, size - half, &sent);
        }
        maybe("after-write", i);
    }
    return 0;
}

static int sender(const char *mode, const char *target, long count, long size) {
    unsigned char *buf = calloc(1, size + 16);
    mqd_t mq = (mqd_t) -1;
    sem_t *sem = NULL;
    uint64_t *slots = NULL;
    int fd = -1;
    int id = atoi(target);
    struct sockaddr_un to = address(target);
    if (!strcmp(mode, "mq") && (mq = mq_open(target, O_WRONLY)) == (mqd_t) -1) die("mq_open");
    if (!strcmp(mode, "sem") && (sem = sem_open(target, 0)) == SEM_FAILED) die("sem_open");
    if ((!strcmp(mode, "dgram") || !strcmp(mode, "fdpass")) && (fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0) die("socket");
    if (!strcmp(mode, "shm")) {
        int sfd = shm_open(target, O_RDWR, 0);
        if (sfd < 0) die("shm_open");
        slots = mmap(NULL, count * 8, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
        if (slots == MAP_FAILED) die("mmap");
    }
    start();
    for (long i = 0; i < count; i++) {
        maybe("before-send", i);
        message(buf + 8, i, size);
        if (!strcmp(mode, "mq")) {
            if (mq_send(mq, (char *) buf + 8, size, 0) < 0) die("mq_send");
        } else if (!strcmp(mode, "msg")) {
            long type = 1;
            memcpy(buf, &type, 8);
            if (msgsnd(id, buf, size, 0) < 0) die("msgsnd");
        } else if (!strcmp(mode, "sem")) {
            if (sem_post(sem) < 0) die("sem_post");
        } else if (!strcmp(mode, "shm")) {
            __atomic_store_n(&slots[i], (uint64_t) i + 1, __ATOMIC_RELEASE);
        } else if (!strcmp(mode, "dgram")) {
            if (sendto(fd, buf + 8, size, 0, (struct sockaddr *) &to, sizeof to) != size) die("sendto");
        } else {
            int mfd = memfd_create("crash-fault", MFD_CLOEXEC);
            if (mfd < 0 || write(mfd, &i, 8) != 8) die("memfd");
            struct iovec iov = {.iov_base = buf + 8, .iov_len = size};
            union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
            struct msghdr mh = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1,
                                .msg_control = control.buf, .msg_controllen = sizeof control.buf};
            struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &mfd, sizeof(int));
            if (sendmsg(fd, &mh, 0) != size) die("sendmsg");
            close(mfd);
        }
        maybe("after-send", i);
        report(i + 1);
    }
    return 0;
}

static int holder(const char *mode, const char *target, long count, long size) {
    int fd = -1, id = atoi(target);
    pthread_mutex_t *m = NULL;
    volatile uint64_t *pair = NULL;
    if (!strcmp(mode, "flock") || !strcmp(mode, "posix") || !strcmp(mode, "ofd")) {
        if ((fd = open(target, O_RDWR)) < 0) die("open");
    }
    if (!strcmp(mode, "mutex")) {
        int sfd = shm_open(target, O_RDWR, 0);
        if (sfd < 0) die("shm_open");
        unsigned char *base = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
        if (base == MAP_FAILED) die("mmap");
        m = (pthread_mutex_t *) (base + 8); /* after io.jipc.sync's 8-byte header */
        pair = (volatile uint64_t *) (base + 256);
    }
    start();
    struct flock whole = {.l_whence = SEEK_SET};
    for (long i = 0; i < count; i++) {
        if (fd >= 0 && !strcmp(mode, "flock")) {
            if (flock(fd, LOCK_EX) < 0) die("flock");
        } else if (fd >= 0) {
            whole.l_type = F_WRLCK;
            if (fcntl(fd, !strcmp(mode, "ofd") ? F_OFD_SETLKW : F_SETLKW, &whole) < 0) die("fcntl");
        } else if (m) {
            int r = pthread_mutex_lock(m);
            if (r == EOWNERDEAD) {
                pair[1] = pair[0];
                pthread_mutex_consistent(m);
            } else if (r) {
                errno = r;
                die("pthread_mutex_lock");
            }
        } else {
            struct sembuf take = {.sem_num = 0, .sem_op = (short) -size, .sem_flg = SEM_UNDO};
            if (semop(id, &take, 1) < 0) die("semop");
        }
        char line[32];
        int len = snprintf(line, sizeof line, "held %ld\n", i);
        if (write(reports, line, len) != len) exit(4);
        maybe("holding", i);
        if (m) {
            pair[0] = (uint64_t) i + 1;
            maybe("mid-update", i);
            pair[1] = (uint64_t) i + 1;
        }
        if (fd >= 0 && !strcmp(mode, "flock")) {
            if (flock(fd, LOCK_UN) < 0) die("flock");
        } else if (fd >= 0) {
            whole.l_type = F_UNLCK;
            if (fcntl(fd, !strcmp(mode, "ofd") ? F_OFD_SETLK : F_SETLK, &whole) < 0) die("fcntl");
        } else if (m) {
            if ((errno = pthread_mutex_unlock(m))) die("pthread_mutex_unlock");
        } else {
            struct sembuf give = {.sem_num = 0, .sem_op = (short) size, .sem_flg = SEM_UNDO};
            if (semop(id, &give, 1) < 0) die("semop");
        }
        report(i + 1);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: crash_fault MODE TARGET COUNT SIZE POINT AT REPORT\n");
        return 2;
    }
    const char *mode = argv[1];
    const char *target = argv[2];
    long count = atol(argv[3]);
    long size = atol(argv[4]);
    point = argv[5];
    at = atol(argv[6]);
    if ((reports = open(argv[7], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600)) < 0) die("open");
    int r;
    if (!strcmp(mode, "pipe") || !strcmp(mode, "fifo") || !strcmp(mode, "stream") || !strcmp(mode, "seqpacket")) {
        r = stream(mode, target, count, size);
    } else if (!strcmp(mode, "dgram") || !strcmp(mode, "fdpass") || !strcmp(mode, "mq") || !strcmp(mode, "msg")
            || !strcmp(mode, "sem") || !strcmp(mode, "shm")) {
        r = sender(mode, target, count, size);
    } else {
        r = holder(mode, target, count, size);
    }
    printf("done\n");
    return r;
}
