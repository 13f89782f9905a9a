/* Prints every signal number with its abbreviation (sigabbrev_np, glibc 2.32+; "-" where it has
 * none) and whether sigaction may ignore it (1) or refuses (0), then SIGRTMIN and SIGRTMAX as
 * this glibc sets them. */
#include "jipc_test.h"
#include <signal.h>

int main(void) {
    struct sigaction ignore, old;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    for (int s = 1; s <= 64; s++) {
        const char *name = sigabbrev_np(s);
        int catchable = sigaction(s, &ignore, &old) == 0;
        if (catchable && sigaction(s, &old, NULL) < 0) die("sigaction");
        printf("%d %s %d\n", s, name ? name : "-", catchable);
    }
    printf("SIGRTMIN %d\nSIGRTMAX %d\n", SIGRTMIN, SIGRTMAX);
    return 0;
}
