/* Shared helpers of Cinder's Redis Lua libraries (cjson, cmsgpack, struct, bit).
 *
 * Everything here is written for Cinder against the Lua 5.1 C API. The libraries reproduce what Redis 7.0's
 * bundled ones do on x86-64 Linux, on every target (including wasm32, where `long`, `size_t` and
 * `lua_Integer` are 32 bits wide): integer widths are spelled out (int64_t), and the conversions a C compiler
 * leaves undefined for out-of-range doubles are written here the way x86-64 performs them.
 * Only string.h, stdlib.h (malloc/realloc/free, strtod), stdio.h (snprintf) and stdint/limits are used. */
#ifndef CINDER_RL_COMMON_H
#define CINDER_RL_COMMON_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

/* The largest number of stack slots a C function may hold (LUAI_MAXCSTACK of stock Lua 5.1). */
#define RL_MAXCSTACK 8000

/* double -> int64 as x86-64's cvttsd2si: NaN and out-of-range values give INT64_MIN. */
static inline int64_t rl_d2i64(double d) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return INT64_MIN;
    return (int64_t)d;
}

/* double -> int32 as x86-64's 32-bit cvttsd2si: NaN and out-of-range values give INT32_MIN. */
static inline int32_t rl_d2i32(double d) {
    if (!(d > -2147483649.0 && d < 2147483648.0)) return INT32_MIN;
    return (int32_t)d;
}

/* double -> uint64 as GCC compiles it on x86-64 (two cvttsd2si paths around 2^63; NaN takes the first). */
static inline uint64_t rl_d2u64(double d) {
    if (!(d >= 9223372036854775808.0)) return (uint64_t)rl_d2i64(d);
    return (uint64_t)rl_d2i64(d - 9223372036854775808.0) ^ 0x8000000000000000ULL;
}

/* Truncation of a 64-bit integer to C `int` (two's complement wrap, as on every target we build for). */
static inline int rl_i64_to_int(int64_t v) {
    return (int)(int32_t)(uint32_t)(uint64_t)v;
}

/* What luaL_checkinteger/luaL_optinteger return on x86-64 (lua_Integer is 64-bit there). */
static inline int64_t rl_checkinteger(lua_State *L, int narg) {
    return rl_d2i64(luaL_checknumber(L, narg));
}
static inline int64_t rl_optinteger(lua_State *L, int narg, int64_t def) {
    return lua_isnoneornil(L, narg) ? def : rl_checkinteger(L, narg);
}

/* A growable byte buffer on malloc/realloc. */
typedef struct rl_buf {
    char *p;
    size_t len, cap;
} rl_buf;

/* Makes room for `extra` more bytes; returns 0 when memory is exhausted. */
static inline int rl_buf_reserve(rl_buf *b, size_t extra) {
    size_t need, cap;
    char *p;
    if (b->cap - b->len >= extra) return 1;
    if (extra > (size_t)-1 / 4 - b->len) return 0;
    need = b->len + extra;
    cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    p = (char *)realloc(b->p, cap);
    if (!p) return 0;
    b->p = p;
    b->cap = cap;
    return 1;
}

static inline void rl_buf_free(rl_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Per-interpreter scratch memory of a library, kept in a userdata (freed by its __gc) that the library's
 * functions hold as an upvalue. A call *leases* the memory (takes it out of the holder) and gives it back when
 * done, so a reentrant call (a finaliser running during an allocation) gets fresh memory instead of sharing. */
typedef struct rl_scratch {
    rl_buf a;
    rl_buf b;
} rl_scratch;

static inline void rl_scratch_take(rl_scratch *holder, rl_scratch *out) {
    *out = *holder;
    memset(holder, 0, sizeof(*holder));
    out->a.len = 0;
    out->b.len = 0;
}

static inline void rl_scratch_give_back(rl_scratch *holder, rl_scratch *s) {
    if (holder->a.p == NULL && holder->b.p == NULL) {
        *holder = *s;
    } else {
        rl_buf_free(&s->a);
        rl_buf_free(&s->b);
    }
    memset(s, 0, sizeof(*s));
}

static int rl_scratch_gc(lua_State *L) {
    rl_scratch *s = (rl_scratch *)lua_touserdata(L, 1);
    if (s) {
        rl_buf_free(&s->a);
        rl_buf_free(&s->b);
    }
    return 0;
}

/* Pushes a new scratch holder (a userdata with a __gc metamethod) and returns it. */
static inline rl_scratch *rl_scratch_new(lua_State *L, size_t size) {
    rl_scratch *s = (rl_scratch *)lua_newuserdata(L, size);
    memset(s, 0, size);
    lua_newtable(L);
    lua_pushcfunction(L, rl_scratch_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    return s;
}

#endif
