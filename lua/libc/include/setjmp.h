/* Cinder's libc shim for wasm32-unknown-unknown: <setjmp.h>. clang's -mllvm -wasm-enable-sjlj lowers setjmp and
 * longjmp to the runtime in libc/src/libc.c (__wasm_setjmp, __wasm_setjmp_test, __wasm_longjmp). */
#ifndef CINDER_SETJMP_H
#define CINDER_SETJMP_H
typedef struct {
    void *func_invocation_id;
    unsigned int label;
    struct {
        void *env;
        int val;
    } arg;
} jmp_buf[1];
int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));
#define _setjmp setjmp
#define _longjmp longjmp
#endif
