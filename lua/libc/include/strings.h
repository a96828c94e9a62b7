/* Cinder's libc shim for wasm32-unknown-unknown: <strings.h>. */
#include <string.h>
