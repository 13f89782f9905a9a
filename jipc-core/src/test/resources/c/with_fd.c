/*
 * Starts a program with extra descriptors, the way a parent hands a child a pipe at fd 3:
 *   with_fd PATH:r|w:N [PATH:r|w:N]... -- PROGRAM ARGS...
 * opens each PATH (blocking, read-only or write-only), places it at number N with dup2, and execs
 * PROGRAM. For a pipe of another process, PATH is /proc/PID/fd/M.
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--"); i++) {
        char *spec = strdup(argv[i]);
        char *colon2 = strrchr(spec, ':');
        if (!colon2 || colon2 == spec) return 2;
        *colon2 = 0;
        char *colon1 = strrchr(spec, ':');
        if (!colon1) return 2;
        *colon1 = 0;
        int target = atoi(colon2 + 1);
        int fd = open(spec, colon1[1] == 'w' ? O_WRONLY : O_RDONLY);
        if (fd < 0) die(spec);
        if (fd != target) {
            if (dup2(fd, target) < 0) die("dup2");
            close(fd);
        }
        free(spec);
    }
    if (i + 1 >= argc) return 2;
    execvp(argv[i + 1], argv + i + 1);
    die("execvp");
}
