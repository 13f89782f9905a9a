/* The crash helper's own C peer: writes "after NAME" past each point it is let through. */
#include "jipc_test.h"

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        crash_point(argv[i]);
        printf("after %s\n", argv[i]);
        fflush(stdout);
    }
    return 0;
}
