/* System V semaphore set peer for jipc's tests.
 *   sysv_sem_peer create KEY COUNT V0,V1,...  jipc's protocol: semget(IPC_CREAT|IPC_EXCL|0600), crash
 *                                             point "created", one semop adding the values (sets
 *                                             sem_otime); print the semid (or the errno name, exit 3)
 *   sysv_sem_peer get KEY                     semget(KEY, 0, 0), print the semid
 *   sysv_sem_peer op ID FLAGS I:D...          one semop of every I:D with FLAGS (decimal: 2048
 *                                             IPC_NOWAIT, 4096 SEM_UNDO) on each; print "done" or the
 *                                             errno name
 *   sysv_sem_peer wait ID I:D...              print ready, the same semop blocking, print "done" or
 *                                             the errno name
 *   sysv_sem_peer hold ID N                   take N with SEM_UNDO, crash point "holding", give them
 *                                             back with SEM_UNDO, print "released"
 *   sysv_sem_peer values ID                   GETALL, the values separated by spaces
 *   sysv_sem_peer counts ID I                 "GETNCNT GETZCNT GETPID" of semaphore I
 *   sysv_sem_peer stat ID                     "nsems otime-set(0/1) mode"
 *   sysv_sem_peer remove ID                   IPC_RMID, print "removed"
 */
#include "jipc_test.h"
#include <sys/ipc.h>
#include <sys/sem.h>

union semun { int val; struct semid_ds *buf; unsigned short *array; };

static int parse_ops(struct sembuf *ops, int n, char **args, short flags) {
    for (int i = 0; i < n; i++) {
        char *colon = strchr(args[i], ':');
        if (!colon) exit(2);
        ops[i].sem_num = (unsigned short) atoi(args[i]);
        ops[i].sem_op = (short) atoi(colon + 1);
        ops[i].sem_flg = flags;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage\n"); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "create")) {
        key_t key = (key_t) strtoul(argv[2], NULL, 0);
        int count = atoi(argv[3]);
        int id = semget(key, count, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0) { printf("%s\n", strerrorname_np(errno)); return 3; }
        crash_point("created");
        struct sembuf ops[64];
        int n = 0;
        char *p = argv[4];
        for (int i = 0; i < count && p && *p; i++) {
            int v = atoi(p);
            if (v > 0) { ops[n].sem_num = (unsigned short) i; ops[n].sem_op = (short) v; ops[n].sem_flg = IPC_NOWAIT; n++; }
            p = strchr(p, ',');
            if (p) p++;
        }
        if (n == 0) { ops[0].sem_num = 0; ops[0].sem_op = 0; ops[0].sem_flg = IPC_NOWAIT; n = 1; }
        if (semop(id, ops, (size_t) n) != 0) die("semop");
        printf("%d\n", id);
        return 0;
    }
    if (!strcmp(cmd, "get")) {
        int id = semget((key_t) strtoul(argv[2], NULL, 0), 0, 0);
        if (id < 0) { printf("%s\n", strerrorname_np(errno)); return 3; }
        printf("%d\n", id);
        return 0;
    }
    int id = atoi(argv[2]);
    struct sembuf ops[64];
    if (!strcmp(cmd, "op")) {
        int n = parse_ops(ops, argc - 4, argv + 4, (short) atoi(argv[3]));
        printf("%s\n", semop(id, ops, (size_t) n) == 0 ? "done" : strerrorname_np(errno));
    } else if (!strcmp(cmd, "wait")) {
        int n = parse_ops(ops, argc - 3, argv + 3, 0);
        ready();
        printf("%s\n", semop(id, ops, (size_t) n) == 0 ? "done" : strerrorname_np(errno));
    } else if (!strcmp(cmd, "hold")) {
        struct sembuf op = {0, (short) -atoi(argv[3]), SEM_UNDO};
        if (semop(id, &op, 1) != 0) die("semop");
        crash_point("holding");
        op.sem_op = (short) atoi(argv[3]);
        if (semop(id, &op, 1) != 0) die("semop");
        printf("released\n");
    } else if (!strcmp(cmd, "values")) {
        struct semid_ds ds;
        union semun arg = {.buf = &ds};
        if (semctl(id, 0, IPC_STAT, arg) != 0) die("semctl IPC_STAT");
        static unsigned short values[32000];
        if (ds.sem_nsems > 32000) exit(2);
        arg.array = values;
        if (semctl(id, 0, GETALL, arg) != 0) die("semctl GETALL");
        for (unsigned long i = 0; i < ds.sem_nsems; i++) printf(i ? " %u" : "%u", values[i]);
        printf("\n");
    } else if (!strcmp(cmd, "counts")) {
        int i = atoi(argv[3]);
        printf("%d %d %d\n", semctl(id, i, GETNCNT), semctl(id, i, GETZCNT), semctl(id, i, GETPID));
    } else if (!strcmp(cmd, "stat")) {
        struct semid_ds ds;
        union semun arg = {.buf = &ds};
        if (semctl(id, 0, IPC_STAT, arg) != 0) die("semctl IPC_STAT");
        printf("%lu %d %o\n", (unsigned long) ds.sem_nsems, ds.sem_otime != 0, ds.sem_perm.mode & 0777);
    } else if (!strcmp(cmd, "remove")) {
        if (semctl(id, 0, IPC_RMID) != 0) die("semctl IPC_RMID");
        printf("removed\n");
    } else {
        return 2;
    }
    fflush(stdout);
    return 0;
}
