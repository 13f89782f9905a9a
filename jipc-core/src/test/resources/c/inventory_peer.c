/* Makes one object of each kind jipc ls lists, as a C program would, for io.jipc.inspect's tests.
 *   inventory_peer NAME KEY hold|exit
 * POSIX shm NAME-shm (4096 bytes, mode 0640), POSIX semaphore NAME-sem (value 2), System V queue
 * KEY with one 5-byte message, segment KEY+1 (100 bytes), set KEY+2 (3 semaphores, one semop), a
 * UNIX socket listening at @NAME-sock. Prints "ids MSQID SHMID SEMID" then "ready". With hold it
 * keeps the shm mapped, the segment attached and the socket open until stdin closes. */
#include "jipc_test.h"
#include <fcntl.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <stddef.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: inventory_peer NAME KEY hold|exit\n"); return 2; }
    char name[256];
    key_t key = (key_t) strtoul(argv[2], NULL, 0);
    int hold = strcmp(argv[3], "hold") == 0;

    snprintf(name, sizeof name, "%s-shm", argv[1]);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0640);
    if (fd < 0) die("shm_open");
    if (fchmod(fd, 0640) < 0) die("fchmod");
    if (ftruncate(fd, 4096) < 0) die("ftruncate");
    void *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) die("mmap");
    close(fd);

    snprintf(name, sizeof name, "%s-sem", argv[1]);
    sem_t *sem = sem_open(name, O_CREAT | O_EXCL, 0600, 2);
    if (sem == SEM_FAILED) die("sem_open");
    sem_close(sem);

    int msqid = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
    if (msqid < 0) die("msgget");
    struct { long type; char text[5]; } m = { 1, "hello" };
    if (msgsnd(msqid, &m, 5, 0) < 0) die("msgsnd");

    int shmid = shmget(key + 1, 100, IPC_CREAT | IPC_EXCL | 0600);
    if (shmid < 0) die("shmget");
    void *seg = shmat(shmid, NULL, 0);
    if (seg == (void *) -1) die("shmat");

    int semid = semget(key + 2, 3, IPC_CREAT | IPC_EXCL | 0600);
    if (semid < 0) die("semget");
    struct sembuf op = { 1, 1, 0 };
    if (semop(semid, &op, 1) < 0) die("semop");

    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) die("socket");
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "%s-sock", argv[1] + 1);
    if (bind(s, (struct sockaddr *) &a, offsetof(struct sockaddr_un, sun_path) + 1 + n) < 0) die("bind");
    if (listen(s, 1) < 0) die("listen");

    printf("ids %d %d %d\n", msqid, shmid, semid);
    ready();
    if (hold) {
        char buf[16];
        while (fread(buf, 1, sizeof buf, stdin) > 0) {
        }
    }
    shmdt(seg);
    munmap(map, 4096);
    return 0;
}
