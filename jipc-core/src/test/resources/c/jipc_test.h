/* Shared by the C peers of jipc's tests: die() with errno, a ready line on stdout, crash points. */
#ifndef JIPC_TEST_H
#define JIPC_TEST_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define die(what) do { fprintf(stderr, "%s: %s (%s)\n", (what), strerror(errno), strerrorname_np(errno)); exit(3); } while (0)
#define ready() do { printf("ready\n"); fflush(stdout); } while (0)
/* A crash point (io.jipc.testing.Crash): announce it, and wait until the test says go or kills us. */
#define crash_point(name) do { char go_[16]; printf("crash-point %s\n", (name)); fflush(stdout); \
        if (!fgets(go_, sizeof go_, stdin)) exit(4); } while (0)

#endif
