/* Cinder's libc shim for wasm32-unknown-unknown: <inttypes.h>. */
#ifndef CINDER_INTTYPES_H
#define CINDER_INTTYPES_H
#include <stdint.h>
#define PRId64 "lld"
#define PRIu64 "llu"
#define PRIx64 "llx"
#define PRId32 "d"
#define PRIu32 "u"
#endif
