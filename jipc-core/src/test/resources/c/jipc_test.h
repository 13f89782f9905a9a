/* Shared by the C peers of jipc's tests: die() with errno, and a ready line on stdout. */
#ifndef JIPC_TEST_H
#define JIPC_TEST_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define die(what) do { fprintf(stderr, "%s: %s (%s)\n", (what), strerror(errno), strerrorname_np(errno)); exit(3); } while (0)
#define ready() do { printf("ready\n"); fflush(stdout); } while (0)

#endif
