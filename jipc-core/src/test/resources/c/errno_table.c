/* Prints "n<TAB>name<TAB>strerror" for every errno 1..133, as glibc knows them. */
#include "jipc_test.h"

int main(void) {
    for (int n = 1; n <= 133; n++) {
        const char *name = strerrorname_np(n);
        printf("%d\t%s\t%s\n", n, name ? name : "(null)", strerror(n));
    }
    return 0;
}
