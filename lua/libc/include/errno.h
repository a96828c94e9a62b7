/* Cinder's libc shim for wasm32-unknown-unknown: <errno.h>. */
#ifndef CINDER_ERRNO_H
#define CINDER_ERRNO_H
extern int errno;
#define ENOENT 2
#define EINVAL 22
#define ERANGE 34
#define ENOMEM 12
#endif
