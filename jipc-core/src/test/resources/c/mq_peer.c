/* POSIX message queue peer for jipc's tests.
 *   mq_peer send NAME PRIO:TEXT...      send each message (blocking), print "sent N"
 *   mq_peer receive NAME COUNT          receive COUNT messages (blocking), print "PRIO TEXT" per line
 *   mq_peer sendsize NAME SIZE          send one message of SIZE bytes, print "ok" or the errno name
 *   mq_peer create NAME MAXMSG MSGSIZE  create exclusively, print "created MAXMSG MSGSIZE"
 *   mq_peer attr NAME                   print "MAXMSG MSGSIZE CURMSGS"
 *   mq_peer wait NAME                   print ready, receive one message (blocking), print "PRIO TEXT"
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <mqueue.h>

static mqd_t open_queue(const char *name, int flags) {
    mqd_t q = mq_open(name, flags);
    if (q == (mqd_t) -1) die("mq_open");
    return q;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage\n"); return 2; }
    const char *cmd = argv[1], *name = argv[2];
    if (!strcmp(cmd, "send")) {
        mqd_t q = open_queue(name, O_WRONLY);
        for (int i = 3; i < argc; i++) {
            char *colon = strchr(argv[i], ':');
            if (!colon) return 2;
            unsigned prio = (unsigned) atoi(argv[i]);
            if (mq_send(q, colon + 1, strlen(colon + 1), prio) != 0) die("mq_send");
        }
        printf("sent %d\n", argc - 3);
    } else if (!strcmp(cmd, "receive") || !strcmp(cmd, "wait")) {
        mqd_t q = open_queue(name, O_RDONLY);
        struct mq_attr a;
        if (mq_getattr(q, &a) != 0) die("mq_getattr");
        char *buf = malloc(a.mq_msgsize + 1);
        int count = !strcmp(cmd, "wait") ? 1 : atoi(argv[3]);
        if (!strcmp(cmd, "wait")) ready();
        for (int i = 0; i < count; i++) {
            unsigned prio;
            ssize_t n = mq_receive(q, buf, a.mq_msgsize, &prio);
            if (n < 0) die("mq_receive");
            buf[n] = 0;
            printf("%u %s\n", prio, buf);
            fflush(stdout);
        }
    } else if (!strcmp(cmd, "sendsize")) {
        mqd_t q = open_queue(name, O_WRONLY | O_NONBLOCK);
        size_t size = (size_t) atol(argv[3]);
        char *buf = calloc(1, size + 1);
        if (mq_send(q, buf, size, 0) != 0) printf("%s\n", strerrorname_np(errno));
        else printf("ok\n");
    } else if (!strcmp(cmd, "create")) {
        struct mq_attr a = { .mq_maxmsg = atol(argv[3]), .mq_msgsize = atol(argv[4]) };
        mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &a);
        if (q == (mqd_t) -1) die("mq_open");
        printf("created %ld %ld\n", a.mq_maxmsg, a.mq_msgsize);
    } else if (!strcmp(cmd, "attr")) {
        mqd_t q = open_queue(name, O_RDONLY);
        struct mq_attr a;
        if (mq_getattr(q, &a) != 0) die("mq_getattr");
        printf("%ld %ld %ld\n", a.mq_maxmsg, a.mq_msgsize, a.mq_curmsgs);
    } else {
        return 2;
    }
    return 0;
}
