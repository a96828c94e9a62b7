/* `cmsgpack`: MessagePack as Redis 7.0's bundled lua-cmsgpack 0.4.0 produces and reads it (written for
 * Cinder), including its quirks: a table whose keys are exactly 1..n is an array, any other table a map;
 * tables nested 16 deep are encoded as nil; numbers equal to an int64 are integers (smallest encoding),
 * others a float when a float holds them exactly, else a double; strings use the str formats (fixstr, str8,
 * str16, str32); uint64 values above 2^63-1 decode as negative integers; bin/ext types are "Bad data format". */
#include "rl_common.h"

#define MP_MAX_NESTING 16
#define MP_OK 0
#define MP_EOF 1
#define MP_BADFMT 2

/* ------------------------------------------------------------------ encoding */

typedef struct mp_enc {
    lua_State *L;
    rl_scratch *holder;
    rl_scratch s; /* s.a: output */
} mp_enc;

static void mp_enc_release(mp_enc *e) {
    rl_scratch_give_back(e->holder, &e->s);
}

/* Before raising: the scratch goes back and the stack is emptied (room for the message). */
static void mp_enc_abort(mp_enc *e) {
    mp_enc_release(e);
    lua_settop(e->L, 0);
}

static void mp_put(mp_enc *e, const void *p, size_t n) {
    if (!rl_buf_reserve(&e->s.a, n)) {
        mp_enc_abort(e);
        luaL_error(e->L, "not enough memory");
    }
    memcpy(e->s.a.p + e->s.a.len, p, n);
    e->s.a.len += n;
}

/* luaL_checkstack, releasing the scratch before raising. */
static void mp_enc_checkstack(mp_enc *e, int n, const char *what) {
    if (!lua_checkstack(e->L, n)) {
        mp_enc_abort(e);
        luaL_error(e->L, "stack overflow (%s)", what);
    }
}

/* Writes `tag` followed by the low `nbytes` bytes of v, big endian. */
static void mp_put_tagged(mp_enc *e, unsigned char tag, uint64_t v, int nbytes) {
    unsigned char b[9];
    int i;
    b[0] = tag;
    for (i = nbytes; i >= 1; i--) {
        b[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    mp_put(e, b, (size_t)nbytes + 1);
}

static void mp_put_int(mp_enc *e, int64_t n) {
    if (n >= 0) {
        if (n <= 127) {
            unsigned char c = (unsigned char)n;
            mp_put(e, &c, 1);
        } else if (n <= 0xff)
            mp_put_tagged(e, 0xcc, (uint64_t)n, 1);
        else if (n <= 0xffff)
            mp_put_tagged(e, 0xcd, (uint64_t)n, 2);
        else if (n <= 0xffffffffLL)
            mp_put_tagged(e, 0xce, (uint64_t)n, 4);
        else
            mp_put_tagged(e, 0xcf, (uint64_t)n, 8);
    } else {
        if (n >= -32) {
            unsigned char c = (unsigned char)(n & 0xff);
            mp_put(e, &c, 1);
        } else if (n >= -128)
            mp_put_tagged(e, 0xd0, (uint64_t)n, 1);
        else if (n >= -32768)
            mp_put_tagged(e, 0xd1, (uint64_t)n, 2);
        else if (n >= -2147483648LL)
            mp_put_tagged(e, 0xd2, (uint64_t)n, 4);
        else
            mp_put_tagged(e, 0xd3, (uint64_t)n, 8);
    }
}

static void mp_put_number(mp_enc *e, double d) {
    int64_t i = rl_d2i64(d);
    if (d - d == d - d && (double)i == d) {
        mp_put_int(e, i);
    } else {
        float f = (float)d;
        if (d == (double)f) {
            uint32_t bits;
            memcpy(&bits, &f, 4);
            mp_put_tagged(e, 0xca, bits, 4);
        } else {
            uint64_t bits;
            memcpy(&bits, &d, 8);
            mp_put_tagged(e, 0xcb, bits, 8);
        }
    }
}

static void mp_put_string(mp_enc *e, const char *s, size_t len) {
    if (len < 32) {
        unsigned char c = (unsigned char)(0xa0 | len);
        mp_put(e, &c, 1);
    } else if (len <= 0xff)
        mp_put_tagged(e, 0xd9, len, 1);
    else if (len <= 0xffff)
        mp_put_tagged(e, 0xda, len, 2);
    else
        mp_put_tagged(e, 0xdb, (uint64_t)len & 0xffffffffULL, 4);
    mp_put(e, s, len);
}

static void mp_put_header(mp_enc *e, unsigned char fix, unsigned char tag16, uint64_t n) {
    if (n <= 15) {
        unsigned char c = (unsigned char)(fix | n);
        mp_put(e, &c, 1);
    } else if (n <= 65535)
        mp_put_tagged(e, tag16, n, 2);
    else
        mp_put_tagged(e, (unsigned char)(tag16 + 1), n & 0xffffffffULL, 4);
}

/* Whether the table on top has exactly the keys 1..n (every key a number in 1..INT_MAX, none missing). */
static int mp_is_array(mp_enc *e) {
    lua_State *L = e->L;
    int top = lua_gettop(L);
    int count = 0, max = 0;
    mp_enc_checkstack(e, 2, "in function table_is_an_array");
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        double n;
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER || (n = lua_tonumber(L, -1)) <= 0 || (double)rl_d2i32(n) != n) {
            lua_settop(L, top);
            return 0;
        }
        if (n > max) max = (int)n;
        count++;
    }
    lua_settop(L, top);
    return max == count;
}

static void mp_put_value(mp_enc *e, int level);

static void mp_put_table(mp_enc *e, int level) {
    lua_State *L = e->L;
    if (mp_is_array(e)) {
        size_t len = lua_objlen(L, -1), j;
        mp_put_header(e, 0x90, 0xdc, len);
        mp_enc_checkstack(e, 1, "in function mp_encode_lua_table_as_array");
        for (j = 1; j <= len; j++) {
            lua_pushnumber(L, (lua_Number)j);
            lua_gettable(L, -2);
            mp_put_value(e, level + 1);
        }
    } else {
        uint64_t len = 0;
        mp_enc_checkstack(e, 3, "in function mp_encode_lua_table_as_map");
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pop(L, 1);
            len++;
        }
        mp_put_header(e, 0x80, 0xde, len);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            lua_pushvalue(L, -2);
            mp_put_value(e, level + 1); /* key */
            mp_put_value(e, level + 1); /* value */
        }
    }
}

/* Encodes the value on top of the stack and pops it. */
static void mp_put_value(mp_enc *e, int level) {
    lua_State *L = e->L;
    int t = lua_type(L, -1);
    if (t == LUA_TTABLE && level == MP_MAX_NESTING) t = LUA_TNIL;
    switch (t) {
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        mp_put_string(e, s, len);
        break;
    }
    case LUA_TBOOLEAN: {
        unsigned char c = lua_toboolean(L, -1) ? 0xc3 : 0xc2;
        mp_put(e, &c, 1);
        break;
    }
    case LUA_TNUMBER: mp_put_number(e, lua_tonumber(L, -1)); break;
    case LUA_TTABLE: mp_put_table(e, level); break;
    default: {
        unsigned char c = 0xc0;
        mp_put(e, &c, 1);
        break;
    }
    }
    lua_pop(L, 1);
}

static int mp_pack(lua_State *L) {
    int nargs = lua_gettop(L), i;
    mp_enc e;
    if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
    if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
    e.L = L;
    e.holder = (rl_scratch *)lua_touserdata(L, lua_upvalueindex(1));
    rl_scratch_take(e.holder, &e.s);
    for (i = 1; i <= nargs; i++) {
        mp_enc_checkstack(&e, 1, "in function mp_check");
        lua_pushvalue(L, i);
        mp_put_value(&e, 0);
        lua_pushlstring(L, e.s.a.p ? e.s.a.p : "", e.s.a.len);
        e.s.a.len = 0;
    }
    mp_enc_release(&e);
    lua_concat(L, nargs);
    return 1;
}

/* ------------------------------------------------------------------ decoding */

/* One container being filled: `left` elements still to read; arrays also count their index, maps whether
 * the key of the current pair is already on the stack. */
typedef struct mp_frame {
    uint32_t left;
    uint32_t index;
    int is_map;
    int have_key;
} mp_frame;

typedef struct mp_dec {
    lua_State *L;
    rl_scratch *holder;
    rl_scratch s; /* s.b: the frame stack */
    const unsigned char *p;
    size_t left;
    int err;
} mp_dec;

static void mp_dec_release(mp_dec *d) {
    rl_scratch_give_back(d->holder, &d->s);
}

/* Before raising: the scratch goes back and the stack is emptied (room for the message). */
static void mp_dec_abort(mp_dec *d) {
    mp_dec_release(d);
    lua_settop(d->L, 0);
}

static void mp_dec_checkstack(mp_dec *d, int n, const char *what) {
    if (!lua_checkstack(d->L, n)) {
        mp_dec_abort(d);
        luaL_error(d->L, "stack overflow (%s)", what);
    }
}

static uint64_t mp_be(const unsigned char *p, int n) {
    uint64_t v = 0;
    int i;
    for (i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}

static void mp_consume(mp_dec *d, size_t n) {
    d->p += n;
    d->left -= n;
}

static void mp_push_frame(mp_dec *d, uint64_t len, int is_map) {
    mp_frame f;
    lua_newtable(d->L);
    if (!is_map) mp_dec_checkstack(d, 1, "in function mp_decode_to_lua_array");
    f.left = (uint32_t)len;
    f.index = 1;
    f.is_map = is_map;
    f.have_key = 0;
    if (!rl_buf_reserve(&d->s.b, sizeof(f))) {
        mp_dec_abort(d);
        luaL_error(d->L, "not enough memory");
    }
    memcpy(d->s.b.p + d->s.b.len, &f, sizeof(f));
    d->s.b.len += sizeof(f);
}

/* Reads one value's header: a scalar is pushed (returns 1), a container is pushed as an empty table with a
 * new frame (returns 0). Sets d->err on truncated or unknown input. */
static int mp_read_item(mp_dec *d) {
    lua_State *L = d->L;
    const unsigned char *p;
    unsigned char c;
    size_t l;
    if (d->left < 1) {
        d->err = MP_EOF;
        return 1;
    }
    mp_dec_checkstack(d, 1, "too many return values at once; use unpack_one or unpack_limit instead.");
    p = d->p;
    c = p[0];
#define NEED(n)                                                                                                 \
    if (d->left < (size_t)(n)) {                                                                                \
        d->err = MP_EOF;                                                                                        \
        return 1;                                                                                               \
    }
    switch (c) {
    case 0xcc: NEED(2); lua_pushnumber(L, p[1]); mp_consume(d, 2); return 1;
    case 0xd0: NEED(2); lua_pushnumber(L, (signed char)p[1]); mp_consume(d, 2); return 1;
    case 0xcd: NEED(3); lua_pushnumber(L, (double)mp_be(p + 1, 2)); mp_consume(d, 3); return 1;
    case 0xd1: NEED(3); lua_pushnumber(L, (int16_t)mp_be(p + 1, 2)); mp_consume(d, 3); return 1;
    case 0xce: NEED(5); lua_pushnumber(L, (double)mp_be(p + 1, 4)); mp_consume(d, 5); return 1;
    case 0xd2: NEED(5); lua_pushnumber(L, (int32_t)(uint32_t)mp_be(p + 1, 4)); mp_consume(d, 5); return 1;
    case 0xcf: /* pushed through a 64-bit lua_Integer: the top half of the range wraps negative */
    case 0xd3: NEED(9); lua_pushnumber(L, (double)(int64_t)mp_be(p + 1, 8)); mp_consume(d, 9); return 1;
    case 0xc0: lua_pushnil(L); mp_consume(d, 1); return 1;
    case 0xc3: lua_pushboolean(L, 1); mp_consume(d, 1); return 1;
    case 0xc2: lua_pushboolean(L, 0); mp_consume(d, 1); return 1;
    case 0xca: {
        uint32_t bits;
        float f;
        NEED(5);
        bits = (uint32_t)mp_be(p + 1, 4);
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, f);
        mp_consume(d, 5);
        return 1;
    }
    case 0xcb: {
        uint64_t bits;
        double v;
        NEED(9);
        bits = mp_be(p + 1, 8);
        memcpy(&v, &bits, 8);
        lua_pushnumber(L, v);
        mp_consume(d, 9);
        return 1;
    }
    case 0xd9:
        NEED(2);
        l = p[1];
        NEED(2 + l);
        lua_pushlstring(L, (const char *)p + 2, l);
        mp_consume(d, 2 + l);
        return 1;
    case 0xda:
        NEED(3);
        l = (size_t)mp_be(p + 1, 2);
        NEED(3 + l);
        lua_pushlstring(L, (const char *)p + 3, l);
        mp_consume(d, 3 + l);
        return 1;
    case 0xdb:
        NEED(5);
        l = (size_t)mp_be(p + 1, 4);
        mp_consume(d, 5);
        if (d->left < l) {
            d->err = MP_EOF;
            return 1;
        }
        lua_pushlstring(L, (const char *)d->p, l);
        mp_consume(d, l);
        return 1;
    case 0xdc: NEED(3); mp_consume(d, 3); mp_push_frame(d, mp_be(p + 1, 2), 0); return 0;
    case 0xdd: NEED(5); mp_consume(d, 5); mp_push_frame(d, mp_be(p + 1, 4), 0); return 0;
    case 0xde: NEED(3); mp_consume(d, 3); mp_push_frame(d, mp_be(p + 1, 2), 1); return 0;
    case 0xdf: NEED(5); mp_consume(d, 5); mp_push_frame(d, mp_be(p + 1, 4), 1); return 0;
    default:
        if ((c & 0x80) == 0) {
            lua_pushnumber(L, c);
            mp_consume(d, 1);
            return 1;
        }
        if ((c & 0xe0) == 0xe0) {
            lua_pushnumber(L, (signed char)c);
            mp_consume(d, 1);
            return 1;
        }
        if ((c & 0xe0) == 0xa0) {
            l = c & 0x1f;
            NEED(1 + l);
            lua_pushlstring(L, (const char *)p + 1, l);
            mp_consume(d, 1 + l);
            return 1;
        }
        if ((c & 0xf0) == 0x90) {
            mp_consume(d, 1);
            mp_push_frame(d, c & 0xf, 0);
            return 0;
        }
        if ((c & 0xf0) == 0x80) {
            mp_consume(d, 1);
            mp_push_frame(d, c & 0xf, 1);
            return 0;
        }
        d->err = MP_BADFMT;
        return 1;
    }
#undef NEED
}

/* Decodes one complete value onto the stack (iteratively: nesting depth is bounded only by the Lua stack,
 * as with the recursive original, without using the C stack). */
static void mp_read_value(mp_dec *d) {
    lua_State *L = d->L;
    size_t base = d->s.b.len;
    int complete = mp_read_item(d);
    for (;;) {
        mp_frame *f;
        if (d->err) return;
        if (complete) {
            if (d->s.b.len == base) return;
            f = (mp_frame *)(d->s.b.p + d->s.b.len - sizeof(mp_frame));
            if (f->is_map && !f->have_key) {
                f->have_key = 1;
                complete = mp_read_item(d);
                continue;
            }
            if (f->is_map) {
                /* stack: table key value; a nil or NaN key is refused as lua_settable refuses it (a runtime
                 * error raised in a C function: no position prefix) */
                if (lua_isnil(L, -2)) {
                    mp_dec_abort(d);
                    lua_pushliteral(L, "table index is nil");
                    lua_error(L);
                }
                if (lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) != lua_tonumber(L, -2)) {
                    mp_dec_abort(d);
                    lua_pushliteral(L, "table index is NaN");
                    lua_error(L);
                }
                f->have_key = 0;
            }
            lua_settable(L, -3);
            f->left--;
        }
        f = (mp_frame *)(d->s.b.p + d->s.b.len - sizeof(mp_frame));
        if (f->left == 0) {
            d->s.b.len -= sizeof(mp_frame);
            complete = 1;
            continue;
        }
        if (!f->is_map) lua_pushnumber(L, f->index++);
        complete = mp_read_item(d);
    }
}

static int mp_unpack_full(lua_State *L, int64_t limit, int64_t offset) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    int decode_all = !limit && !offset;
    int cnt;
    mp_dec d;
    if (offset < 0 || limit < 0)
        return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", rl_i64_to_int(offset),
                          (int)len);
    if ((uint64_t)offset > (uint64_t)len)
        return luaL_error(L, "Start offset %d greater than input length %d.", rl_i64_to_int(offset), (int)len);
    if (decode_all) limit = INT_MAX;
    d.L = L;
    d.holder = (rl_scratch *)lua_touserdata(L, lua_upvalueindex(1));
    rl_scratch_take(d.holder, &d.s);
    d.p = (const unsigned char *)s + offset;
    d.left = len - (size_t)offset;
    d.err = MP_OK;
    for (cnt = 0; d.left > 0 && cnt < limit; cnt++) {
        mp_read_value(&d);
        if (d.err == MP_EOF) {
            mp_dec_abort(&d);
            return luaL_error(L, "Missing bytes in input.");
        } else if (d.err == MP_BADFMT) {
            mp_dec_abort(&d);
            return luaL_error(L, "Bad data format in input.");
        }
    }
    mp_dec_release(&d);
    if (!decode_all) {
        luaL_checkstack(L, 1, "in function mp_unpack_full");
        lua_pushnumber(L, d.left == 0 ? -1 : (double)(len - d.left));
        lua_insert(L, 2);
        cnt += 1;
    }
    return cnt;
}

static int mp_unpack(lua_State *L) {
    return mp_unpack_full(L, 0, 0);
}

static int mp_unpack_one(lua_State *L) {
    int64_t offset = rl_optinteger(L, 2, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return mp_unpack_full(L, 1, offset);
}

static int mp_unpack_limit(lua_State *L) {
    int64_t limit = rl_checkinteger(L, 2);
    int64_t offset = rl_optinteger(L, 3, 0);
    lua_pop(L, lua_gettop(L) - 1);
    return mp_unpack_full(L, limit, offset);
}

static const luaL_Reg mp_funcs[] = {
    {"pack", mp_pack}, {"unpack", mp_unpack}, {"unpack_one", mp_unpack_one}, {"unpack_limit", mp_unpack_limit}};

/* Opens the library: the module table is returned and set as the global `cmsgpack`. */
int cinder_luaopen_cmsgpack(lua_State *L) {
    size_t i;
    lua_newtable(L);
    rl_scratch_new(L, sizeof(rl_scratch));
    for (i = 0; i < sizeof(mp_funcs) / sizeof(mp_funcs[0]); i++) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, mp_funcs[i].func, 1);
        lua_setfield(L, -3, mp_funcs[i].name);
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "cmsgpack");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "lua-cmsgpack 0.4.0");
    lua_setfield(L, -2, "_VERSION");
    lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
    lua_setfield(L, -2, "_COPYRIGHT");
    lua_pushliteral(L, "MessagePack C implementation for Lua");
    lua_setfield(L, -2, "_DESCRIPTION");
    lua_pushvalue(L, -1);
    lua_setglobal(L, "cmsgpack");
    return 1;
}
