/* jipc's signal handler: write(fd, info, 128), counting failures. void stub(int sig, siginfo_t *info, void *uc) */
    .text
    .globl stub
stub:
    movl    fd(%rip), %edi          /* the dispatch pipe's write end */
    movl    $128, %edx              /* sizeof(siginfo_t); %rsi is info */
    movl    $1, %eax                /* SYS_write: a raw system call, errno untouched */
    syscall
    cmpq    $128, %rax
    je      1f
    movq    counter(%rip), %rcx     /* the pipe was full: count the lost signal */
    lock incq (%rcx)
1:  ret
    .balign 8
counter: .quad 0                    /* address of the lost-signal counter */
fd:      .long 0
