/*
 * The C end of jipc's pipe and FIFO tests: plain blocking libc calls, as any C program would make.
 *
 *   pipe_peer echo RPATH WPATH      open both (blocking), print "ready", copy RPATH to WPATH until EOF
 *   pipe_peer drop-reader RPATH     open RPATH, print "ready", close it when stdin gives a line,
 *                                   print "closed", then wait for stdin EOF
 *   pipe_peer fifo-write PATH DATA [MS]  blocking open for writing, print "opened", sleep MS, write DATA
 *   pipe_peer fifo-read PATH        blocking open for reading, then copy to stdout until EOF
 *   pipe_peer fifo-hold PATH        blocking open for writing, print "opened", hold it until stdin EOF
 *   pipe_peer fifo-hold-reader PATH blocking open for reading, print "opened", hold it until stdin EOF
 *   pipe_peer flags FD              print fd FD's O_NONBLOCK as "blocking" or "nonblocking"
 */
#include "jipc_test.h"
#include <fcntl.h>
#include <unistd.h>

static void copy(int in, int out) {
    char buf[65536];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read");
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, n - done);
            if (w < 0) {
                if (errno == EINTR) continue;
                die("write");
            }
            done += w;
        }
    }
}

static void wait_stdin_eof(void) {
    char buf[256];
    while (read(0, buf, sizeof buf) > 0) {
    }
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: pipe_peer MODE ARGS...\n");
        return 2;
    }
    const char *mode = argv[1];
    if (!strcmp(mode, "echo") && argc == 4) {
        int in = open(argv[2], O_RDONLY);
        if (in < 0) die("open read");
        int out = open(argv[3], O_WRONLY);
        if (out < 0) die("open write");
        ready();
        copy(in, out);
        return 0;
    }
    if (!strcmp(mode, "drop-reader") && argc == 3) {
        int in = open(argv[2], O_RDONLY);
        if (in < 0) die("open read");
        ready();
        char line[64];
        if (!fgets(line, sizeof line, stdin)) return 1;
        close(in);
        printf("closed\n");
        fflush(stdout);
        wait_stdin_eof();
        return 0;
    }
    if (!strcmp(mode, "fifo-write") && (argc == 4 || argc == 5)) {
        int out = open(argv[2], O_WRONLY);
        if (out < 0) die("open");
        printf("opened\n");
        fflush(stdout);
        if (argc == 5) usleep(atoi(argv[4]) * 1000);
        size_t len = strlen(argv[3]);
        if (write(out, argv[3], len) != (ssize_t) len) die("write");
        return 0;
    }
    if (!strcmp(mode, "fifo-read") && argc == 3) {
        int in = open(argv[2], O_RDONLY);
        if (in < 0) die("open");
        copy(in, 1);
        return 0;
    }
    if (!strcmp(mode, "fifo-hold") && argc == 3) {
        int out = open(argv[2], O_WRONLY);
        if (out < 0) die("open");
        printf("opened\n");
        fflush(stdout);
        wait_stdin_eof();
        return 0;
    }
    if (!strcmp(mode, "fifo-hold-reader") && argc == 3) {
        int in = open(argv[2], O_RDONLY);
        if (in < 0) die("open");
        printf("opened\n");
        fflush(stdout);
        wait_stdin_eof();
        return 0;
    }
    if (!strcmp(mode, "flags") && argc == 3) {
        int fl = fcntl(atoi(argv[2]), F_GETFL);
        if (fl < 0) die("fcntl");
        printf("%s\n", (fl & O_NONBLOCK) ? "nonblocking" : "blocking");
        return 0;
    }
    fprintf(stderr, "pipe_peer: bad arguments\n");
    return 2;
}
