/* A child for ChildProcess tests: runs its arguments as a little script of commands and prints
 * what it finds, one line per fact, flushing after each command.
 *   read N       copy fd N to stdout until EOF
 *   write N TEXT write TEXT to fd N
 *   fdinfo N     "fd N nonblock=0|1 cloexec=0|1" or "fd N closed"
 *   fds          "fds 0 1 2 ..." (the descriptors open in this process)
 *   sigstate     "blocked HEX", "ignored HEX", "sigint default|ignore|handler"
 *   cwd          the working directory
 *   env NAME     the value, or "NAME unset"
 *   ids          "pid P pgid G sid S"
 *   raise SIG    raise signal number SIG
 *   pause        sleep until a signal ends the process
 *   exit N       exit with status N
 */
#include "jipc_test.h"
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static void copy(int fd) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) die("fwrite");
    }
}

static void proc_status(const char *key, const char *label) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) die("fopen /proc/self/status");
    char line[256];
    size_t len = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, len) == 0) {
            char *v = line + len;
            while (*v == ' ' || *v == '\t') v++;
            printf("%s %s", label, v);
        }
    }
    fclose(f);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *c = argv[i];
        if (!strcmp(c, "read") && i + 1 < argc) {
            copy(atoi(argv[++i]));
        } else if (!strcmp(c, "write") && i + 2 < argc) {
            int fd = atoi(argv[++i]);
            const char *text = argv[++i];
            if (write(fd, text, strlen(text)) < 0) die("write");
        } else if (!strcmp(c, "fdinfo") && i + 1 < argc) {
            int fd = atoi(argv[++i]);
            int fl = fcntl(fd, F_GETFL), fdfl = fcntl(fd, F_GETFD);
            if (fl < 0 || fdfl < 0) printf("fd %d closed\n", fd);
            else printf("fd %d nonblock=%d cloexec=%d\n", fd, (fl & O_NONBLOCK) != 0, (fdfl & FD_CLOEXEC) != 0);
        } else if (!strcmp(c, "fds")) {
            DIR *d = opendir("/proc/self/fd");
            if (!d) die("opendir");
            int self = dirfd(d), seen[1024], count = 0;
            struct dirent *e;
            while ((e = readdir(d)) != NULL && count < 1024) {
                if (e->d_name[0] == '.') continue;
                int fd = atoi(e->d_name);
                if (fd != self) seen[count++] = fd;
            }
            closedir(d);
            for (int a = 0; a < count; a++)
                for (int b = a + 1; b < count; b++)
                    if (seen[b] < seen[a]) { int t = seen[a]; seen[a] = seen[b]; seen[b] = t; }
            printf("fds");
            for (int a = 0; a < count; a++) printf(" %d", seen[a]);
            printf("\n");
        } else if (!strcmp(c, "sigstate")) {
            proc_status("SigBlk:", "blocked");
            proc_status("SigIgn:", "ignored");
            struct sigaction sa;
            if (sigaction(SIGINT, NULL, &sa) < 0) die("sigaction");
            printf("sigint %s\n", sa.sa_handler == SIG_DFL ? "default" : sa.sa_handler == SIG_IGN ? "ignore" : "handler");
        } else if (!strcmp(c, "cwd")) {
            char buf[4096];
            if (!getcwd(buf, sizeof buf)) die("getcwd");
            printf("%s\n", buf);
        } else if (!strcmp(c, "env") && i + 1 < argc) {
            const char *name = argv[++i], *v = getenv(name);
            if (v) printf("%s=%s\n", name, v);
            else printf("%s unset\n", name);
        } else if (!strcmp(c, "ids")) {
            printf("pid %d pgid %d sid %d\n", (int)getpid(), (int)getpgid(0), (int)getsid(0));
        } else if (!strcmp(c, "raise") && i + 1 < argc) {
            fflush(stdout);
            raise(atoi(argv[++i]));
        } else if (!strcmp(c, "pause")) {
            printf("paused\n");
            fflush(stdout);
            for (;;) pause();
        } else if (!strcmp(c, "exit") && i + 1 < argc) {
            fflush(stdout);
            exit(atoi(argv[++i]));
        } else {
            fprintf(stderr, "child_probe: bad command %s\n", c);
            exit(2);
        }
        fflush(stdout);
    }
    return 0;
}
