/* System V message queue peer for jipc's tests.
 *   msg_peer send MSQID TYPE:TEXT...          send each message (blocking), print "sent N"
 *   msg_peer receive MSQID MSGTYP FLAGS COUNT  receive COUNT messages with msgrcv(MSGTYP, FLAGS|IPC_NOWAIT),
 *                                              print "TYPE TEXT" per line, or the errno name and stop
 *   msg_peer wait MSQID                        print ready, block in msgrcv(any), print "TYPE TEXT" or the errno name
 *   msg_peer remove MSQID                      IPC_RMID
 *   msg_peer ftok PATH PROJ                    print the key as 0x%08x
 *   msg_peer get KEY                           msgget(KEY, 0), print the msqid
 *   msg_peer stat MSQID                        print "qnum cbytes qbytes lspid lrpid mode"
 * FLAGS: a sum of 4096 (MSG_NOERROR) and 8192 (MSG_EXCEPT), as decimal.
 */
#include "jipc_test.h"
#include <sys/ipc.h>
#include <sys/msg.h>

struct msg { long mtype; char mtext[65536]; };
static struct msg m;

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage\n"); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "ftok")) {
        key_t k = ftok(argv[2], atoi(argv[3]));
        if (k == -1) die("ftok");
        printf("0x%08x\n", (unsigned) k);
        return 0;
    }
    if (!strcmp(cmd, "get")) {
        int id = msgget((key_t) strtoul(argv[2], NULL, 0), 0);
        if (id < 0) die("msgget");
        printf("%d\n", id);
        return 0;
    }
    int id = atoi(argv[2]);
    if (!strcmp(cmd, "send")) {
        for (int i = 3; i < argc; i++) {
            char *colon = strchr(argv[i], ':');
            if (!colon) return 2;
            m.mtype = atol(argv[i]);
            size_t len = strlen(colon + 1);
            memcpy(m.mtext, colon + 1, len);
            if (msgsnd(id, &m, len, 0) != 0) die("msgsnd");
        }
        printf("sent %d\n", argc - 3);
    } else if (!strcmp(cmd, "receive")) {
        long type = atol(argv[3]);
        int flags = atoi(argv[4]);
        int count = atoi(argv[5]);
        for (int i = 0; i < count; i++) {
            ssize_t n = msgrcv(id, &m, sizeof m.mtext - 1, type, flags | IPC_NOWAIT);
            if (n < 0) { printf("%s\n", strerrorname_np(errno)); break; }
            m.mtext[n] = 0;
            printf("%ld %s\n", m.mtype, m.mtext);
        }
    } else if (!strcmp(cmd, "wait")) {
        ready();
        ssize_t n = msgrcv(id, &m, sizeof m.mtext - 1, 0, 0);
        if (n < 0) { printf("%s\n", strerrorname_np(errno)); return 0; }
        m.mtext[n] = 0;
        printf("%ld %s\n", m.mtype, m.mtext);
    } else if (!strcmp(cmd, "remove")) {
        if (msgctl(id, IPC_RMID, NULL) != 0) die("msgctl");
        printf("removed\n");
    } else if (!strcmp(cmd, "stat")) {
        struct msqid_ds ds;
        if (msgctl(id, IPC_STAT, &ds) != 0) die("msgctl");
        printf("%lu %lu %lu %d %d %o\n", (unsigned long) ds.msg_qnum, (unsigned long) ds.__msg_cbytes,
               (unsigned long) ds.msg_qbytes, ds.msg_lspid, ds.msg_lrpid, ds.msg_perm.mode & 0777);
    } else {
        return 2;
    }
    return 0;
}
