/* jipc's signal handler: write(fd, info, 128), counting failures. void stub(int sig, siginfo_t *info, void *uc) */
    .text
    .globl stub
stub:
    ldr     w0, fd                  /* the dispatch pipe's write end */
    mov     x2, #128                /* sizeof(siginfo_t); x1 is info */
    mov     x8, #64                 /* __NR_write: a raw system call, errno untouched */
    svc     #0
    cmp     x0, #128
    b.eq    2f
    ldr     x9, counter             /* the pipe was full: count the lost signal */
1:  ldxr    x10, [x9]
    add     x10, x10, #1
    stxr    w11, x10, [x9]
    cbnz    w11, 1b
2:  ret
    .balign 8
counter: .quad 0                    /* address of the lost-signal counter */
fd:      .word 0
