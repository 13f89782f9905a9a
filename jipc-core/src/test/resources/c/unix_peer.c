/*
 * The C side of jipc's UNIX socket tests, written with nothing but libc.
 *
 *   unix_peer echo-server TYPE ADDR        bind (+listen), print "ready", then echo: stream/seqpacket
 *                                          serve one connection until EOF; dgram answer one datagram
 *                                          to its sender. Prints "peer pid=P uid=U gid=G" (SO_PEERCRED)
 *                                          for connections.
 *   unix_peer client TYPE ADDR TEXT        connect, send TEXT, print the reply as "reply=...";
 *                                          dgram binds an abstract autobind name first to get a reply
 *   unix_peer send-pipe TYPE ADDR N        connect, make N pipes, write "pipe-K" into pipe K, pass
 *                                          every read end in ONE message (data "P"), close them
 *   unix_peer recv-fd TYPE ADDR            bind (+listen), "ready", accept, recvmsg one fd,
 *                                          lseek(0) and print "fd-content=..." (readlink too)
 *   unix_peer hold TYPE ADDR               bind (+listen), print "ready", sleep until killed
 *   unix_peer connect-as UID TYPE ADDR     setuid(UID) (when root), connect, send "x", print "sent"
 *   unix_peer fan N ADDR                   connect N stream sockets, print "connected", then for each
 *                                          line "I J ..." of stdin send "I" on socket I (and J...)
 *                                          and print "done R" (R counts lines); exits at EOF of stdin
 *   unix_peer mmsg-echo TYPE ADDR N        bind (+listen), "ready" (seqpacket: accept), recv N datagrams
 *                                          or records ONE per call, printing "got=LEN:DATA" each, then
 *                                          send them all back in ONE sendmmsg (dgram: to the last
 *                                          sender), print "sent=K"; seqpacket then shuts down its side
 *   unix_peer whoami                       print "pid=P uid=U gid=G"
 *
 * TYPE is stream, dgram or seqpacket; ADDR a path or @abstract (length-counted, no trailing NUL).
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

static int type_of(const char *t) {
    if (!strcmp(t, "stream")) return SOCK_STREAM;
    if (!strcmp(t, "dgram")) return SOCK_DGRAM;
    if (!strcmp(t, "seqpacket")) return SOCK_SEQPACKET;
    fprintf(stderr, "bad type %s\n", t);
    exit(2);
}

static socklen_t addr_of(const char *text, struct sockaddr_un *a) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    size_t n = strlen(text);
    if (text[0] == '@') {
        memcpy(a->sun_path + 1, text + 1, n - 1);
        return offsetof(struct sockaddr_un, sun_path) + n; /* NUL + name */
    }
    memcpy(a->sun_path, text, n);
    return offsetof(struct sockaddr_un, sun_path) + n + 1;
}

static int bound(int type, const char *addr) {
    struct sockaddr_un a;
    socklen_t len = addr_of(addr, &a);
    int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    if (bind(s, (struct sockaddr *) &a, len) < 0) die("bind");
    if (type != SOCK_DGRAM && listen(s, 16) < 0) die("listen");
    return s;
}

static int connected(int type, const char *addr) {
    struct sockaddr_un a;
    socklen_t len = addr_of(addr, &a);
    int s = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (s < 0) die("socket");
    if (type == SOCK_DGRAM) {
        /* autobind so that the server can answer */
        struct sockaddr_un me = {.sun_family = AF_UNIX};
        if (bind(s, (struct sockaddr *) &me, sizeof(sa_family_t)) < 0) die("bind(autobind)");
    }
    if (connect(s, (struct sockaddr *) &a, len) < 0) die("connect");
    return s;
}

static void print_peer(int s) {
    struct ucred c;
    socklen_t l = sizeof c;
    if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &c, &l) < 0) die("getsockopt(SO_PEERCRED)");
    printf("peer pid=%d uid=%d gid=%d\n", c.pid, c.uid, c.gid);
    fflush(stdout);
}

static int echo_server(int type, const char *addr) {
    int s = bound(type, addr);
    ready();
    char buf[65536];
    if (type == SOCK_DGRAM) {
        struct sockaddr_un from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *) &from, &fl);
        if (n < 0) die("recvfrom");
        printf("got=%.*s\n", (int) n, buf);
        fflush(stdout);
        if (sendto(s, buf, n, 0, (struct sockaddr *) &from, fl) < 0) die("sendto");
        return 0;
    }
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) die("accept4");
    print_peer(c);
    for (;;) {
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n < 0) die("recv");
        if (n == 0) break;
        printf("got=%.*s\n", (int) n, buf);
        fflush(stdout);
        if (send(c, buf, n, MSG_NOSIGNAL) < 0) die("send");
    }
    printf("eof\n");
    return 0;
}

static int client(int type, const char *addr, const char *text) {
    int s = connected(type, addr);
    if (send(s, text, strlen(text), MSG_NOSIGNAL) < 0) die("send");
    char buf[65536];
    size_t got = 0, want = strlen(text);
    while (got < want) {
        ssize_t n = recv(s, buf + got, sizeof buf - got, 0);
        if (n < 0) die("recv");
        if (n == 0) break;
        got += n;
        if (type != SOCK_STREAM) break;
    }
    printf("reply=%.*s\n", (int) got, buf);
    return 0;
}

static int send_pipe(int type, const char *addr, int count) {
    int s = connected(type, addr);
    int fds[64];
    for (int i = 0; i < count; i++) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) die("pipe2");
        char text[32];
        int n = snprintf(text, sizeof text, "pipe-%d", i);
        if (write(p[1], text, n) != n) die("write");
        close(p[1]);
        fds[i] = p[0];
    }
    char data = 'P';
    struct iovec iov = {.iov_base = &data, .iov_len = 1};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 64)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof u);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * count)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * count);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * count);
    if (sendmsg(s, &m, MSG_NOSIGNAL) < 0) die("sendmsg");
    for (int i = 0; i < count; i++) close(fds[i]);
    printf("sent %d\n", count);
    fflush(stdout);
    /* wait for the receiver to finish before closing (a stream close would be fine too) */
    char b;
    recv(s, &b, 1, 0);
    return 0;
}

static int recv_fd(int type, const char *addr) {
    int s = bound(type, addr);
    ready();
    int c = s;
    if (type != SOCK_DGRAM) {
        c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) die("accept4");
    }
    char data[64];
    struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 4)];
        struct cmsghdr align;
    } u;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
    if (n < 0) die("recvmsg");
    printf("data=%.*s\n", (int) n, data);
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
        int nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (int i = 0; i < nfds; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
            char link[256], proc[64];
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            ssize_t l = readlink(proc, link, sizeof link - 1);
            link[l < 0 ? 0 : l] = 0;
            int flags = fcntl(fd, F_GETFD);
            lseek(fd, 0, SEEK_SET);
            char content[256];
            ssize_t r = read(fd, content, sizeof content);
            if (r < 0) die("read");
            printf("fd-content=%.*s link=%s cloexec=%d\n", (int) r, content, link, (flags & FD_CLOEXEC) != 0);
            close(fd);
        }
    }
    printf("ctrunc=%d\n", (m.msg_flags & MSG_CTRUNC) != 0);
    if (c != s) send(c, "k", 1, MSG_NOSIGNAL);
    return 0;
}

static int hold(int type, const char *addr) {
    bound(type, addr);
    ready();
    while (pause() < 0 || 1) {
    }
    return 0;
}

static int connect_as(int uid, int type, const char *addr) {
    if (getuid() == 0 && setuid(uid) < 0) die("setuid");
    int s = connected(type, addr);
    if (send(s, "x", 1, MSG_NOSIGNAL) < 0) die("send");
    printf("sent pid=%d uid=%d\n", getpid(), getuid());
    fflush(stdout);
    char b;
    recv(s, &b, 1, 0); /* until the server closes */
    return 0;
}

static int fan(int n, const char *addr) {
    int *s = calloc(n, sizeof(int));
    for (int i = 0; i < n; i++) s[i] = connected(SOCK_STREAM, addr);
    printf("connected\n");
    fflush(stdout);
    char line[4096];
    int round = 0;
    while (fgets(line, sizeof line, stdin)) {
        char *save = NULL;
        for (char *w = strtok_r(line, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
            int i = atoi(w);
            if (i < 0 || i >= n) continue;
            if (send(s[i], w, strlen(w), MSG_NOSIGNAL) < 0) die("send");
        }
        printf("done %d\n", ++round);
        fflush(stdout);
    }
    return 0;
}

static int mmsg_echo(int type, const char *addr, int count) {
    int s = bound(type, addr);
    ready();
    int c = s;
    if (type != SOCK_DGRAM) {
        c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) die("accept4");
    }
    static char bufs[64][256];
    struct iovec iov[64];
    struct mmsghdr m[64];
    struct sockaddr_un from;
    socklen_t fl = sizeof from;
    if (count > 64) count = 64;
    memset(m, 0, sizeof m);
    for (int i = 0; i < count; i++) {
        fl = sizeof from;
        ssize_t n = recvfrom(c, bufs[i], sizeof bufs[i], 0, (struct sockaddr *) &from, &fl);
        if (n < 0) die("recvfrom");
        printf("got=%zd:%.*s\n", n, (int) n, bufs[i]);
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = n;
        m[i].msg_hdr.msg_iov = &iov[i];
        m[i].msg_hdr.msg_iovlen = 1;
        if (type == SOCK_DGRAM) {
            m[i].msg_hdr.msg_name = &from;
            m[i].msg_hdr.msg_namelen = fl;
        }
    }
    fflush(stdout);
    int sent = sendmmsg(c, m, count, MSG_NOSIGNAL);
    if (sent < 0) die("sendmmsg");
    printf("sent=%d\n", sent);
    fflush(stdout);
    if (c != s) {
        shutdown(c, SHUT_WR);
        char b;
        recv(c, &b, 1, 0); /* until the test closes */
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "whoami")) {
        printf("pid=%d uid=%d gid=%d\n", getpid(), getuid(), getgid());
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "echo-server")) return echo_server(type_of(argv[2]), argv[3]);
    if (argc >= 5 && !strcmp(argv[1], "client")) return client(type_of(argv[2]), argv[3], argv[4]);
    if (argc >= 5 && !strcmp(argv[1], "send-pipe")) return send_pipe(type_of(argv[2]), argv[3], atoi(argv[4]));
    if (argc >= 4 && !strcmp(argv[1], "recv-fd")) return recv_fd(type_of(argv[2]), argv[3]);
    if (argc >= 4 && !strcmp(argv[1], "fan")) return fan(atoi(argv[2]), argv[3]);
    if (argc >= 5 && !strcmp(argv[1], "mmsg-echo")) return mmsg_echo(type_of(argv[2]), argv[3], atoi(argv[4]));
    if (argc >= 4 && !strcmp(argv[1], "hold")) return hold(type_of(argv[2]), argv[3]);
    if (argc >= 5 && !strcmp(argv[1], "connect-as")) return connect_as(atoi(argv[2]), type_of(argv[3]), argv[4]);
    fprintf(stderr, "usage: see unix_peer.c\n");
    return 2;
}
