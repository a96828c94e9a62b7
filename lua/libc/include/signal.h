/* Cinder's libc shim for wasm32-unknown-unknown: <signal.h> (declarations only). */
#ifndef CINDER_SIGNAL_H
#define CINDER_SIGNAL_H
typedef int sig_atomic_t;
#define SIGINT 2
#define SIG_DFL ((void (*)(int))0)
void (*signal(int sig, void (*handler)(int)))(int);
#endif
