/*
 * The C side of jipc's shared-memory tests, written with nothing but libc.
 *
 *   shm_peer posix-create NAME SIZE TEXT     shm_open(O_CREAT|O_EXCL, 0600) + ftruncate + mmap, TEXT at 0, print "created"
 *   shm_peer posix-write NAME OFFSET TEXT    shm_open(O_RDWR), mmap the whole object (size from fstat), TEXT at OFFSET,
 *                                            print "wrote SIZE"
 *   shm_peer posix-read NAME OFFSET LEN      shm_open(O_RDONLY), mmap PROT_READ, print LEN bytes from OFFSET and "\n"
 *   shm_peer posix-truncate NAME SIZE        shm_open(O_RDWR), ftruncate(SIZE), print "truncated"
 *   shm_peer posix-mode NAME                 print the object's size and mode: "SIZE 0MODE"
 *   shm_peer sysv-create KEY SIZE TEXT       shmget(IPC_CREAT|IPC_EXCL|0600), attach, TEXT at 0, detach, print the shmid
 *   shm_peer sysv-write ID OFFSET TEXT       shmat, TEXT at OFFSET, shmdt, print "wrote"
 *   shm_peer sysv-read ID OFFSET LEN         shmat(SHM_RDONLY), print LEN bytes from OFFSET and "\n", shmdt
 *   shm_peer sysv-hold ID                    shmat, print "attached", wait for a line on stdin, then read the first
 *                                            8 bytes, shmdt, print them and "detached"
 *   shm_peer sysv-stat ID                    print "SEGSZ NATTCH CPID LPID 0MODE" (mode with SHM_DEST, SHM_LOCKED bits)
 *   shm_peer sysv-get KEY                    shmget(KEY, 0, 0): print the shmid, or the errno name
 *   shm_peer sysv-attach ID                  shmat + shmdt: print "attached", or the errno name
 *   shm_peer memfd-recv ADDR                 bind (abstract if @), listen, print "ready", accept, receive one descriptor;
 *                                            print "seals=S" (F_GET_SEALS), then what the kernel says to
 *                                            write(2), ftruncate larger and smaller, mmap PROT_WRITE, F_ADD_SEALS(GROW):
 *                                            "write=R ftruncate-grow=R ftruncate-shrink=R mmap-write=R add-seal=R"
 *                                            (R: ok or the errno name), then "content=" and the bytes up to the first
 *                                            NUL, read through a PROT_READ mapping
 *   shm_peer memfd-send ADDR TEXT SEALS      memfd_create(MFD_ALLOW_SEALING), TEXT, F_ADD_SEALS(SEALS, a decimal mask),
 *                                            connect to ADDR, pass the descriptor with data "m", print "sent"
 *   shm_peer fd-dump FD LEN                  mmap descriptor FD PROT_READ, print LEN bytes and "\n"
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t addr_of(const char *text, struct sockaddr_un *a) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(text);
    if (text[0] == '@') {
        memcpy(a->sun_path + 1, text + 1, n - 1);
        return offsetof(struct sockaddr_un, sun_path) + n;
    }
    memcpy(a->sun_path, text, n);
    return offsetof(struct sockaddr_un, sun_path) + n + 1;
}

static const char *result(int r) {
    return r < 0 ? strerrorname_np(errno) : "ok";
}

static void print_bytes(const char *p, long len) {
    fwrite(p, 1, len, stdout);
    printf("\n");
}

static int posix_create(char **argv) {
    long size = atol(argv[3]);
    int fd = shm_open(argv[2], O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) die("shm_open");
    if (ftruncate(fd, size) < 0) die("ftruncate");
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    memcpy(p, argv[4], strlen(argv[4]));
    munmap(p, size);
    close(fd);
    printf("created\n");
    return 0;
}

static int posix_write(char **argv) {
    int fd = shm_open(argv[2], O_RDWR, 0);
    if (fd < 0) die("shm_open");
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    char *p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    memcpy(p + atol(argv[3]), argv[4], strlen(argv[4]));
    munmap(p, st.st_size);
    close(fd);
    printf("wrote %ld\n", (long) st.st_size);
    return 0;
}

static int posix_read(char **argv) {
    int fd = shm_open(argv[2], O_RDONLY, 0);
    if (fd < 0) die("shm_open");
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    char *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    print_bytes(p + atol(argv[3]), atol(argv[4]));
    munmap(p, st.st_size);
    close(fd);
    return 0;
}

static int posix_truncate(char **argv) {
    int fd = shm_open(argv[2], O_RDWR, 0);
    if (fd < 0) die("shm_open");
    if (ftruncate(fd, atol(argv[3])) < 0) die("ftruncate");
    close(fd);
    printf("truncated\n");
    return 0;
}

static int posix_mode(char **argv) {
    int fd = shm_open(argv[2], O_RDONLY, 0);
    if (fd < 0) die("shm_open");
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    printf("%ld 0%o\n", (long) st.st_size, st.st_mode & 07777);
    close(fd);
    return 0;
}

static int sysv_create(char **argv) {
    long size = atol(argv[3]);
    int id = shmget((key_t) strtoul(argv[2], NULL, 0), size, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) die("shmget");
    char *p = shmat(id, NULL, 0);
    if (p == (void *) -1) die("shmat");
    memcpy(p, argv[4], strlen(argv[4]));
    shmdt(p);
    printf("%d\n", id);
    return 0;
}

static int sysv_write(char **argv) {
    char *p = shmat(atoi(argv[2]), NULL, 0);
    if (p == (void *) -1) die("shmat");
    memcpy(p + atol(argv[3]), argv[4], strlen(argv[4]));
    shmdt(p);
    printf("wrote\n");
    return 0;
}

static int sysv_read(char **argv) {
    char *p = shmat(atoi(argv[2]), NULL, SHM_RDONLY);
    if (p == (void *) -1) die("shmat");
    print_bytes(p + atol(argv[3]), atol(argv[4]));
    shmdt(p);
    return 0;
}

static int sysv_hold(char **argv) {
    char *p = shmat(atoi(argv[2]), NULL, 0);
    if (p == (void *) -1) die("shmat");
    printf("attached\n");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return 4;
    char first[9] = {0};
    memcpy(first, p, 8);
    if (shmdt(p) < 0) die("shmdt");
    printf("%s\ndetached\n", first);
    return 0;
}

static int sysv_stat(char **argv) {
    struct shmid_ds ds;
    if (shmctl(atoi(argv[2]), IPC_STAT, &ds) < 0) die("shmctl");
    printf("%lu %lu %d %d 0%o\n", (unsigned long) ds.shm_segsz, (unsigned long) ds.shm_nattch, ds.shm_cpid,
           ds.shm_lpid, ds.shm_perm.mode & 07777);
    return 0;
}

static int sysv_get(char **argv) {
    int id = shmget((key_t) strtoul(argv[2], NULL, 0), 0, 0);
    if (id < 0) printf("%s\n", strerrorname_np(errno));
    else printf("%d\n", id);
    return 0;
}

static int sysv_attach(char **argv) {
    char *p = shmat(atoi(argv[2]), NULL, 0);
    if (p == (void *) -1) {
        printf("%s\n", strerrorname_np(errno));
        return 0;
    }
    shmdt(p);
    printf("attached\n");
    return 0;
}

static int memfd_recv(char **argv) {
    struct sockaddr_un a;
    socklen_t len = addr_of(argv[2], &a);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    if (bind(s, (struct sockaddr *) &a, len) < 0) die("bind");
    if (listen(s, 4) < 0) die("listen");
    ready();
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) die("accept");
    char data[16];
    struct iovec iov = {data, sizeof data};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    if (recvmsg(c, &m, MSG_CMSG_CLOEXEC) < 0) die("recvmsg");
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    if (!h || h->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "no descriptor\n"); return 3; }
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof fd);
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    printf("seals=%d\n", fcntl(fd, F_GET_SEALS));
    int w = (int) pwrite(fd, "X", 1, 0);
    const char *write_r = result(w);
    int g = ftruncate(fd, st.st_size * 2);
    const char *grow_r = result(g);
    int k = ftruncate(fd, st.st_size / 2);
    const char *shrink_r = result(k);
    void *pw = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const char *map_r = pw == MAP_FAILED ? strerrorname_np(errno) : "ok";
    if (pw != MAP_FAILED) munmap(pw, st.st_size);
    int add = fcntl(fd, F_ADD_SEALS, F_SEAL_GROW);
    printf("write=%s ftruncate-grow=%s ftruncate-shrink=%s mmap-write=%s add-seal=%s\n", write_r, grow_r, shrink_r,
           map_r, result(add));
    if (fstat(fd, &st) < 0) die("fstat");
    char *p = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) die("mmap");
    printf("content=%.*s\n", (int) strnlen(p, st.st_size), p);
    munmap(p, st.st_size);
    close(fd);
    close(c);
    close(s);
    return 0;
}

static int memfd_send(char **argv) {
    int fd = memfd_create("from-c", MFD_ALLOW_SEALING | MFD_CLOEXEC);
    if (fd < 0) die("memfd_create");
    size_t n = strlen(argv[3]);
    if (ftruncate(fd, 4096) < 0) die("ftruncate");
    if (pwrite(fd, argv[3], n, 0) != (ssize_t) n) die("pwrite");
    int seals = atoi(argv[4]);
    if (seals && fcntl(fd, F_ADD_SEALS, seals) < 0) die("F_ADD_SEALS");
    struct sockaddr_un a;
    socklen_t len = addr_of(argv[2], &a);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    if (connect(s, (struct sockaddr *) &a, len) < 0) die("connect");
    struct iovec iov = {"m", 1};
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr m = {0};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = control.buf;
    m.msg_controllen = sizeof control.buf;
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(h), &fd, sizeof fd);
    if (sendmsg(s, &m, 0) < 0) die("sendmsg");
    printf("sent\n");
    close(s);
    close(fd);
    return 0;
}

static int fd_dump(char **argv) {
    long len = atol(argv[3]);
    char *p = mmap(NULL, len, PROT_READ, MAP_SHARED, atoi(argv[2]), 0);
    if (p == MAP_FAILED) die("mmap");
    print_bytes(p, len);
    munmap(p, len);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of shm_peer.c\n");
        return 2;
    }
    static const struct { const char *name; int args; int (*run)(char **); } commands[] = {
        {"posix-create", 5, posix_create}, {"posix-write", 5, posix_write}, {"posix-read", 5, posix_read},
        {"posix-truncate", 4, posix_truncate}, {"posix-mode", 3, posix_mode},
        {"sysv-create", 5, sysv_create}, {"sysv-write", 5, sysv_write}, {"sysv-read", 5, sysv_read},
        {"sysv-hold", 3, sysv_hold}, {"sysv-stat", 3, sysv_stat}, {"sysv-get", 3, sysv_get},
        {"sysv-attach", 3, sysv_attach},
        {"memfd-recv", 3, memfd_recv}, {"memfd-send", 5, memfd_send}, {"fd-dump", 4, fd_dump},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            if (argc != commands[i].args) {
                fprintf(stderr, "%s takes %d arguments\n", argv[1], commands[i].args - 2);
                return 2;
            }
            return commands[i].run(argv);
        }
    }
    fprintf(stderr, "unknown command %s\n", argv[1]);
    return 2;
}
