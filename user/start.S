/*
 * _start: the entry point of every user program (ENTRY in user/user.ld).
 *
 * The kernel's exec starts the program here with
 *   a0 = argc, a1 = argv (a NULL-terminated array on the user stack), sp = top of the stack.
 * We call exit(main(argc, argv)); exit does not return.
 */
    .section .text.start, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    andi sp, sp, -16        /* the C calling convention wants a 16-byte aligned stack */
    mv fp, zero             /* end of the frame-pointer chain, for debuggers */
    mv ra, zero
    call main               /* a0, a1 already hold argc, argv */
    call exit               /* a0 = main's return value */
1:  j 1b                    /* not reached */
    .size _start, . - _start
