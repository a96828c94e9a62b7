/* Cinder's Lua glue: what Redis 7.0.15's src/script_lua.c, the Lua half of src/eval.c and src/function_lua.c do,
 * written for Cinder against the Lua 5.1 C API (Redis-patched at build time with read-only tables).
 * Every Lua error is raised here in C: the Rust callbacks (cinder_rs_*) only return statuses and byte buffers,
 * so no longjmp crosses a Rust frame. Values cross the boundary in a small tagged binary format (see src/wire.rs). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

void cinder_open_redis_libs(lua_State *L);

/* ---- Rust callbacks (src/vm.rs). `host` is an opaque pointer to the running call's host. ---- */
int cinder_rs_call(void *host, int argc, const char **argv, const size_t *lens, int resp, const char **out,
                   size_t *outlen);
void cinder_rs_log(void *host, int level, const char *msg, size_t len);
int cinder_rs_set_repl(void *host, int flags, const char **err, size_t *errlen);
int cinder_rs_acl(void *host, int argc, const char **argv, const size_t *lens, const char **err, size_t *errlen);
int cinder_rs_hook(void *host, const char **err, size_t *errlen);
int cinder_rs_register(void *host, const char *name, size_t nlen, const char *desc, size_t dlen, int has_desc,
                       const char *flags, size_t flen, int ref, const char **err, size_t *errlen);

#define RUN_CTX "__RUN_CTX__"
#define LOAD_CTX "__LIBRARY_CTX__"
#define ERROR_HANDLER_NAME "__ERROR_HANDLER__"
#define LIBRARY_API_NAME "__LIBRARY_API__"
#define GLOBALS_API_NAME "__GLOBALS_API__"

/* The state of one script call or library load. */
typedef struct cinder_run {
    void *host;
    int resp;            /* redis.setresp: the protocol of redis.call replies and of the conversion of the result */
    int killed;          /* the hook ended the script: every following line raises again */
    char *kill_msg;      /* the error text the hook gave (malloc) */
    const char *funcname;
    int is_eval;
    int nkeys, nargs;
    const char **keys, **args;
    const size_t *keys_len, *args_len;
    int fref;            /* functions: the callback's registry ref; eval: -1 (looked up by name) */
    const char *code;    /* load: the library code */
    size_t code_len;
    /* results */
    char *out;
    size_t out_len, out_cap;
    int out_oom;
    int ignore_stats;
    int status;          /* 0 ok, 1 error (out holds the error text), 2 no such function */
    int depth;           /* nesting of the result being converted */
} cinder_run;

/* Memory accounting of one interpreter (lua_Alloc's ud). */
typedef struct cinder_mem {
    size_t used;
    size_t limit; /* 0: none */
} cinder_mem;

static void *cinder_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    cinder_mem *m = ud;
    if (nsize == 0) {
        free(ptr);
        m->used -= osize;
        return NULL;
    }
    if (m->limit && nsize > osize && m->used + (nsize - osize) > m->limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) m->used = m->used - osize + nsize;
    return p;
}

/* ---- registry helpers (luaSaveOnRegistry / luaGetFromRegistry) ---- */
static void save_on_registry(lua_State *L, const char *name, void *ptr) {
    lua_pushstring(L, name);
    if (ptr) lua_pushlightuserdata(L, ptr);
    else lua_pushnil(L);
    lua_settable(L, LUA_REGISTRYINDEX);
}

static void *get_from_registry(lua_State *L, const char *name) {
    lua_pushstring(L, name);
    lua_gettable(L, LUA_REGISTRYINDEX);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return NULL;
    }
    void *p = (void *)lua_topointer(L, -1);
    lua_pop(L, 1);
    return p;
}

/* ---- output buffer (the wire format) ---- */
static void out_raw(cinder_run *r, const void *p, size_t n) {
    if (r->out_oom) return;
    if (r->out_len + n > r->out_cap) {
        size_t cap = r->out_cap ? r->out_cap : 256;
        while (cap < r->out_len + n) cap *= 2;
        char *q = realloc(r->out, cap);
        if (!q) {
            r->out_oom = 1;
            return;
        }
        r->out = q;
        r->out_cap = cap;
    }
    memcpy(r->out + r->out_len, p, n);
    r->out_len += n;
}
static void out_tag(cinder_run *r, char t) { out_raw(r, &t, 1); }
static void out_u32(cinder_run *r, uint32_t v) {
    unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >> 24) & 255};
    out_raw(r, b, 4);
}
static void out_u64(cinder_run *r, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (v >> (8 * i)) & 255;
    out_raw(r, b, 8);
}
static void out_str(cinder_run *r, char t, const char *s, size_t n) {
    out_tag(r, t);
    out_u32(r, (uint32_t)n);
    out_raw(r, s, n);
}
static size_t out_defer(cinder_run *r, char t) {
    out_tag(r, t);
    size_t at = r->out_len;
    out_u32(r, 0);
    return at;
}
static void out_patch(cinder_run *r, size_t at, uint32_t v) {
    if (r->out_oom) return;
    unsigned char b[4] = {v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >> 24) & 255};
    memcpy(r->out + at, b, 4);
}

/* ---- errors (luaPushErrorBuff / luaPushError / luaExtractErrorInformation) ---- */

/* Pushes {err = "<CODE> <msg>"} built from err (which may start with "-CODE "). */
static void push_error_buff(lua_State *L, const char *err) {
    const char *code = "ERR", *msg = err;
    size_t code_len = 3;
    if (err[0] == '-') {
        const char *sp = strchr(err, ' ');
        if (!sp) {
            msg = err + 1;
        } else {
            msg = sp + 1;
            code = err + 1;
            code_len = (size_t)(sp - err - 1);
        }
    }
    /* trim \r and \n at both ends of msg (sdstrim) */
    size_t len = strlen(msg);
    while (len && (msg[0] == '\r' || msg[0] == '\n')) msg++, len--;
    while (len && (msg[len - 1] == '\r' || msg[len - 1] == '\n')) len--;
    lua_newtable(L);
    lua_pushstring(L, "err");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addlstring(&b, code, code_len);
    luaL_addchar(&b, ' ');
    luaL_addlstring(&b, msg, len);
    luaL_pushresult(&b);
    lua_settable(L, -3);
}

static void push_error(lua_State *L, const char *err) { push_error_buff(L, err); }

/* Pushes an error table whose text is host-given (a full error text such as "ERR ..." or "BUSY ..."). */
static void push_error_text(lua_State *L, const char *text, size_t len) {
    lua_pushlstring(L, "-", 1);
    lua_pushlstring(L, text, len);
    lua_concat(L, 2);
    char *copy = malloc(lua_strlen(L, -1) + 1);
    if (!copy) luaL_error(L, "not enough memory");
    memcpy(copy, lua_tostring(L, -1), lua_strlen(L, -1) + 1);
    lua_pop(L, 1);
    push_error_buff(L, copy);
    free(copy);
}

/* ---- Lua -> Redis reply (luaReplyToRedisReply) ---- */
/* Nesting cap of a converted result: Redis nests until the Lua C stack limit (7995 levels of a self-referencing
 * table); Cinder stops at this depth with the same error, so the Rust side (decoding, dropping, serializing,
 * recursive) stays far from the 1 MB stack of wasm32. */
#define CINDER_MAX_REPLY_DEPTH 1000

static void reply_to_wire_inner(lua_State *L, cinder_run *r);

static void reply_to_wire(lua_State *L, cinder_run *r) {
    r->depth++;
    reply_to_wire_inner(L, r);
    r->depth--;
}

static void reply_to_wire_inner(lua_State *L, cinder_run *r) {
    int t = lua_type(L, -1);
    if (r->depth > CINDER_MAX_REPLY_DEPTH || !lua_checkstack(L, 4)) {
        const char *m = "ERR reached lua stack limit";
        out_str(r, 'e', m, strlen(m));
        lua_pop(L, 1);
        return;
    }
    switch (t) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        out_str(r, 'b', s, n);
        break;
    }
    case LUA_TBOOLEAN:
        if (r->resp == 2) {
            if (lua_toboolean(L, -1)) {
                out_tag(r, 'i');
                out_u64(r, 1);
            } else {
                out_tag(r, 'n');
            }
        } else {
            out_tag(r, lua_toboolean(L, -1) ? 't' : 'f');
        }
        break;
    case LUA_TNUMBER:
        out_tag(r, 'i');
        out_u64(r, (uint64_t)cinder_d2ll(lua_tonumber(L, -1)));
        break;
    case LUA_TTABLE: {
        lua_pushstring(L, "err");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TSTRING) {
            lua_pop(L, 1);
            /* luaExtractErrorInformation + addReplyErrorFormatEx("-%s"): trimmed, newlines mapped to spaces */
            lua_getfield(L, -1, "err");
            const char *msg = lua_tostring(L, -1);
            size_t len = strlen(msg);
            while (len && (msg[0] == '\r' || msg[0] == '\n')) msg++, len--;
            while (len && (msg[len - 1] == '\r' || msg[len - 1] == '\n')) len--;
            out_tag(r, 'e');
            out_u32(r, (uint32_t)len);
            for (size_t i = 0; i < len; i++) {
                char c = (msg[i] == '\r' || msg[i] == '\n') ? ' ' : msg[i];
                out_raw(r, &c, 1);
            }
            lua_pop(L, 1);
            lua_getfield(L, -1, "ignore_error_stats_update");
            if (lua_isboolean(L, -1)) r->ignore_stats = lua_toboolean(L, -1);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "ok");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *s = lua_tostring(L, -1); /* sdsnew: up to the first NUL */
            size_t len = strlen(s);
            out_tag(r, 's');
            out_u32(r, (uint32_t)len);
            for (size_t i = 0; i < len; i++) {
                char c = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
                out_raw(r, &c, 1);
            }
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "double");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TNUMBER) {
            double d = lua_tonumber(L, -1);
            uint64_t bits;
            memcpy(&bits, &d, 8);
            out_tag(r, 'd');
            out_u64(r, bits);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "big_number");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char *s = lua_tolstring(L, -1, &len);
            out_tag(r, 'B');
            out_u32(r, (uint32_t)len);
            for (size_t i = 0; i < len; i++) {
                char c = (s[i] == '\r' || s[i] == '\n') ? ' ' : s[i];
                out_raw(r, &c, 1);
            }
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "verbatim_string");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TTABLE) {
            lua_pushstring(L, "format");
            lua_rawget(L, -2);
            if (lua_type(L, -1) == LUA_TSTRING) {
                const char *format = lua_tostring(L, -1);
                lua_pushstring(L, "string");
                lua_rawget(L, -3);
                if (lua_type(L, -1) == LUA_TSTRING) {
                    size_t len;
                    const char *s = lua_tolstring(L, -1, &len);
                    char fmt3[3] = {' ', ' ', ' '};
                    for (int i = 0; i < 3 && format[i]; i++) fmt3[i] = format[i];
                    /* addReplyVerbatim copies 3 bytes of format whatever its length */
                    if (strlen(format) < 3) {
                        for (size_t i = strlen(format); i < 3; i++) fmt3[i] = format[i];
                    }
                    out_tag(r, 'v');
                    out_raw(r, fmt3, 3);
                    out_u32(r, (uint32_t)len);
                    out_raw(r, s, len);
                    lua_pop(L, 4);
                    return;
                }
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);

        lua_pushstring(L, "map");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TTABLE) {
            uint32_t n = 0;
            size_t at = out_defer(r, 'm');
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pushvalue(L, -2);
                reply_to_wire(L, r); /* key */
                reply_to_wire(L, r); /* value */
                n++;
            }
            out_patch(r, at, n);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        lua_pushstring(L, "set");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TTABLE) {
            uint32_t n = 0;
            size_t at = out_defer(r, 'S');
            lua_pushnil(L);
            while (lua_next(L, -2)) {
                lua_pop(L, 1);
                lua_pushvalue(L, -1);
                reply_to_wire(L, r);
                n++;
            }
            out_patch(r, at, n);
            lua_pop(L, 2);
            return;
        }
        lua_pop(L, 1);

        {
            uint32_t n = 0;
            size_t at = out_defer(r, 'a');
            int j = 1;
            while (1) {
                lua_pushnumber(L, j++);
                lua_rawget(L, -2);
                if (lua_type(L, -1) == LUA_TNIL) {
                    lua_pop(L, 1);
                    break;
                }
                reply_to_wire(L, r);
                n++;
            }
            out_patch(r, at, n);
        }
        break;
    }
    default:
        out_tag(r, 'n');
    }
    lua_pop(L, 1);
}

/* ---- Redis reply (wire) -> Lua (redisProtocolToLuaType) ---- */
typedef struct {
    const unsigned char *p, *end;
} rd_t;

static uint32_t rd_u32(rd_t *d) {
    uint32_t v = d->p[0] | (d->p[1] << 8) | (d->p[2] << 16) | ((uint32_t)d->p[3] << 24);
    d->p += 4;
    return v;
}
static uint64_t rd_u64(rd_t *d) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)d->p[i] << (8 * i);
    d->p += 8;
    return v;
}

static void wire_to_lua(lua_State *L, rd_t *d, int resp) {
    if (!lua_checkstack(L, 5)) luaL_error(L, "reached lua stack limit");
    char t = (char)*d->p++;
    switch (t) {
    case 'n':
    case 'N':
        if (resp == 2) lua_pushboolean(L, 0);
        else lua_pushnil(L);
        break;
    case 'i':
        lua_pushnumber(L, (lua_Number)(int64_t)rd_u64(d));
        break;
    case 'b': {
        uint32_t n = rd_u32(d);
        lua_pushlstring(L, (const char *)d->p, n);
        d->p += n;
        break;
    }
    case 's': {
        uint32_t n = rd_u32(d);
        lua_newtable(L);
        lua_pushstring(L, "ok");
        lua_pushlstring(L, (const char *)d->p, n);
        lua_settable(L, -3);
        d->p += n;
        break;
    }
    case 'e': {
        uint32_t n = rd_u32(d);
        push_error_text(L, (const char *)d->p, n);
        d->p += n;
        lua_pushstring(L, "ignore_error_stats_update");
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
        break;
    }
    case 'a': {
        uint32_t n = rd_u32(d);
        lua_newtable(L);
        for (uint32_t j = 0; j < n; j++) {
            lua_pushnumber(L, j + 1);
            wire_to_lua(L, d, resp);
            lua_settable(L, -3);
        }
        break;
    }
    case 'm': {
        uint32_t n = rd_u32(d);
        lua_newtable(L);
        lua_pushstring(L, "map");
        lua_newtable(L);
        for (uint32_t j = 0; j < n; j++) {
            wire_to_lua(L, d, resp);
            wire_to_lua(L, d, resp);
            lua_settable(L, -3);
        }
        lua_settable(L, -3);
        break;
    }
    case 'S': {
        uint32_t n = rd_u32(d);
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
        for (uint32_t j = 0; j < n; j++) {
            wire_to_lua(L, d, resp);
            lua_pushboolean(L, 1);
            lua_settable(L, -3);
        }
        lua_settable(L, -3);
        break;
    }
    case 't':
    case 'f':
        lua_pushboolean(L, t == 't');
        break;
    case 'd': {
        uint64_t bits = rd_u64(d);
        double v;
        memcpy(&v, &bits, 8);
        lua_newtable(L);
        lua_pushstring(L, "double");
        lua_pushnumber(L, v);
        lua_settable(L, -3);
        break;
    }
    case 'B': {
        uint32_t n = rd_u32(d);
        lua_newtable(L);
        lua_pushstring(L, "big_number");
        lua_pushlstring(L, (const char *)d->p, n);
        lua_settable(L, -3);
        d->p += n;
        break;
    }
    case 'v': {
        const char *fmt = (const char *)d->p;
        d->p += 3;
        uint32_t n = rd_u32(d);
        lua_newtable(L);
        lua_pushstring(L, "verbatim_string");
        lua_newtable(L);
        lua_pushstring(L, "string");
        lua_pushlstring(L, (const char *)d->p, n);
        lua_settable(L, -3);
        lua_pushstring(L, "format");
        lua_pushlstring(L, fmt, 3);
        lua_settable(L, -3);
        lua_settable(L, -3);
        d->p += n;
        break;
    }
    default:
        lua_pushnil(L);
    }
}

/* ---- the redis table ---- */
static cinder_run *run_ctx(lua_State *L) { return get_from_registry(L, RUN_CTX); }

/* luaArgsToRedisArgv: converts the stack to strings in place; returns 0 (and pushes an error table) on failure. */
static int args_to_argv(lua_State *L, int argc) {
    if (argc == 0) {
        push_error(L, "Please specify at least one argument for this redis lib call");
        return 0;
    }
    int j;
    for (j = 0; j < argc; j++) {
        if (lua_type(L, j + 1) == LUA_TNUMBER) {
            char dbuf[64];
            snprintf(dbuf, sizeof(dbuf), "%.17g", (double)lua_tonumber(L, j + 1));
            lua_pushstring(L, dbuf);
            lua_replace(L, j + 1);
        } else if (lua_type(L, j + 1) != LUA_TSTRING) {
            break;
        }
    }
    if (j != argc) {
        lua_pop(L, argc);
        push_error(L, "Lua redis lib command arguments must be strings or integers");
        return 0;
    }
    return 1;
}

/* Points argv/lens at the stack's strings: a caller-provided array for up to 16 arguments, a userdata (freed by the
 * collector) beyond. */
#define SMALL_ARGC 16
static void collect_argv(lua_State *L, int argc, const char **small_argv, size_t *small_lens, const char ***argv,
                         size_t **lens) {
    if (argc <= SMALL_ARGC) {
        *argv = small_argv;
        *lens = small_lens;
    } else {
        *argv = lua_newuserdata(L, sizeof(char *) * argc + sizeof(size_t) * argc);
        *lens = (size_t *)(*argv + argc);
    }
    for (int j = 0; j < argc; j++) (*argv)[j] = lua_tolstring(L, j + 1, &(*lens)[j]);
}

static int redis_generic_command(lua_State *L, int raise_error) {
    cinder_run *r = run_ctx(L);
    if (!r) {
        push_error(L, "redis.call/pcall can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (!args_to_argv(L, argc)) return raise_error ? lua_error(L) : 1;
    const char **argv, *small_argv[SMALL_ARGC];
    size_t *lens, small_lens[SMALL_ARGC];
    collect_argv(L, argc, small_argv, small_lens, &argv, &lens);
    const char *out;
    size_t outlen;
    cinder_rs_call(r->host, argc, argv, lens, r->resp, &out, &outlen);
    lua_settop(L, 0);
    rd_t d = {(const unsigned char *)out, (const unsigned char *)out + outlen};
    if (raise_error && outlen && out[0] != 'e') raise_error = 0;
    wire_to_lua(L, &d, r->resp);
    if (raise_error) return lua_error(L);
    return 1;
}

static int redis_call(lua_State *L) { return redis_generic_command(L, 1); }
static int redis_pcall_command(lua_State *L) { return redis_generic_command(L, 0); }

/* The global pcall (luaRedisPcall): an error table's err field becomes the message. */
static int redis_lua_pcall(lua_State *L) {
    int argc = lua_gettop(L);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
        lua_remove(L, 1);
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) {
                lua_replace(L, -2);
            } /* else the nil stays: Redis returns false, the table, nil */
        }
        lua_pushboolean(L, 0);
        lua_insert(L, 1);
    }
    return lua_gettop(L);
}

void cinder_sha1_hex(const char *data, size_t len, char *out40);

static int redis_sha1hex(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc != 1) {
        push_error(L, "wrong number of arguments");
        return lua_error(L);
    }
    size_t len;
    const char *s = lua_tolstring(L, 1, &len);
    char digest[41];
    cinder_sha1_hex(s ? s : "", s ? len : 0, digest);
    digest[40] = 0;
    lua_pushstring(L, digest);
    return 1;
}

static int redis_error_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "wrong number or type of arguments");
        return 1;
    }
    const char *err = lua_tostring(L, -1);
    if (err[0] != '-') {
        lua_pushstring(L, "-");
        lua_pushvalue(L, 1);
        lua_concat(L, 2);
        err = lua_tostring(L, -1);
    }
    char *copy = malloc(strlen(err) + 1);
    if (!copy) return luaL_error(L, "not enough memory");
    strcpy(copy, err);
    push_error_buff(L, copy);
    free(copy);
    return 1;
}

static int redis_status_reply(lua_State *L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
        push_error(L, "wrong number or type of arguments");
        return 1;
    }
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushvalue(L, -3);
    lua_settable(L, -3);
    return 1;
}

static int redis_set_repl(lua_State *L) {
    cinder_run *r = run_ctx(L);
    if (!r) {
        push_error(L, "redis.set_repl can only be called inside a script invocation");
        return lua_error(L);
    }
    if (lua_gettop(L) != 1) {
        push_error(L, "redis.set_repl() requires two arguments.");
        return lua_error(L);
    }
    int flags = (int)lua_tonumber(L, -1);
    if ((flags & ~3) != 0) {
        push_error(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
        return lua_error(L);
    }
    const char *err;
    size_t errlen;
    if (cinder_rs_set_repl(r->host, flags, &err, &errlen)) {
        push_error_text(L, err, errlen);
        return lua_error(L);
    }
    return 0;
}

static int redis_acl_check_cmd(lua_State *L) {
    cinder_run *r = run_ctx(L);
    if (!r) {
        push_error(L, "redis.acl_check_cmd can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (!args_to_argv(L, argc)) return lua_error(L);
    const char **argv, *small_argv[SMALL_ARGC];
    size_t *lens, small_lens[SMALL_ARGC];
    collect_argv(L, argc, small_argv, small_lens, &argv, &lens);
    const char *err;
    size_t errlen;
    int res = cinder_rs_acl(r->host, argc, argv, lens, &err, &errlen);
    if (res < 0) {
        push_error_text(L, err, errlen);
        return lua_error(L);
    }
    lua_pushboolean(L, res);
    return 1;
}

static int redis_log(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc < 2) {
        push_error(L, "redis.log() requires two arguments or more.");
        return lua_error(L);
    } else if (!lua_isnumber(L, -argc)) {
        push_error(L, "First argument must be a number (log level).");
        return lua_error(L);
    }
    int level = (int)lua_tonumber(L, -argc);
    if (level < 0 || level > 3) {
        push_error(L, "Invalid debug level.");
        return lua_error(L);
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int j = 1; j < argc; j++) {
        size_t len;
        const char *s = lua_tolstring(L, j + 1, &len);
        if (s) {
            if (j != 1) luaL_addchar(&b, ' ');
            luaL_addlstring(&b, s, len);
        }
    }
    luaL_pushresult(&b);
    size_t len;
    const char *msg = lua_tolstring(L, -1, &len);
    void *host = NULL;
    cinder_run *r = run_ctx(L);
    if (r) host = r->host;
    else {
        cinder_run *lr = get_from_registry(L, LOAD_CTX);
        if (lr) host = lr->host;
    }
    if (host) cinder_rs_log(host, level, msg, len);
    return 0;
}

static int redis_setresp(lua_State *L) {
    cinder_run *r = run_ctx(L);
    if (!r) {
        push_error(L, "redis.setresp can only be called inside a script invocation");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    if (argc != 1) {
        push_error(L, "redis.setresp() requires one argument.");
        return lua_error(L);
    }
    int resp = (int)lua_tonumber(L, -argc);
    if (resp != 2 && resp != 3) {
        push_error(L, "RESP version must be 2 or 3.");
        return lua_error(L);
    }
    r->resp = resp;
    return 0;
}

static int redis_breakpoint(lua_State *L) {
    lua_pushboolean(L, 0);
    return 1;
}
static int redis_debug(lua_State *L) {
    (void)L;
    return 0;
}
static int redis_replicate_commands(lua_State *L) {
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- math.random with Redis's redisLrand48 (rand.c): one sequence shared by every interpreter of the thread (the
 * process in Redis), never reseeded except by math.randomseed ---- */
static _Thread_local uint32_t rx[3] = {0x330E, 0xABCD, 0x1234};
static const uint32_t ra[3] = {0xE66D, 0xDEEC, 0x5};
static const uint32_t rc = 0xB;
#define RMASK 0xffffu
static void rand_next(void) {
    uint64_t x = (uint64_t)rx[0] | ((uint64_t)rx[1] << 16) | ((uint64_t)rx[2] << 32);
    uint64_t a = (uint64_t)ra[0] | ((uint64_t)ra[1] << 16) | ((uint64_t)ra[2] << 32);
    x = (a * x + rc) & 0xffffffffffffULL;
    rx[0] = x & RMASK;
    rx[1] = (x >> 16) & RMASK;
    rx[2] = (x >> 32) & RMASK;
}
static int32_t redis_lrand48(void) {
    rand_next();
    return (int32_t)(((uint32_t)rx[2] << 15) + (rx[1] >> 1));
}
static void redis_srand48(int32_t seed) {
    rx[0] = 0x330E;
    rx[1] = (uint32_t)seed & RMASK;
    rx[2] = ((uint32_t)seed >> 16) & RMASK;
}

static int redis_math_random(lua_State *L) {
    if (!run_ctx(L)) return luaL_error(L, "math.random can only be called inside a script invocation");
    lua_Number r = (lua_Number)(redis_lrand48() % 2147483647) / (lua_Number)2147483647;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, r);
        break;
    case 1: {
        int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, floor(r * u) + 1);
        break;
    }
    case 2: {
        int l = luaL_checkint(L, 1);
        int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, floor(r * (u - l + 1)) + l);
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
}

static int redis_math_randomseed(lua_State *L) {
    if (!run_ctx(L)) return luaL_error(L, "math.randomseed can only be called inside a script invocation");
    redis_srand48(luaL_checkint(L, 1));
    return 0;
}

/* ---- globals protection ---- */
static const char *allow_list[] = {
    /* libraries */
    "string", "cjson", "bit", "cmsgpack", "math", "table", "struct",
    /* Redis API */
    "redis", "__redis__err__handler",
    /* builtins (as the installed Redis 7.0.15 runs them: Debian's security updates dropped getfenv, setfenv and
     * newproxy from 7.0.15's list) */
    "xpcall", "tostring", "setmetatable", "next", "assert", "tonumber", "rawequal", "collectgarbage",
    "getmetatable", "rawset", "pcall", "coroutine", "type", "_G", "select", "unpack", "gcinfo", "pairs", "rawget",
    "loadstring", "ipairs", "_VERSION", "load", "error",
    /* removed after initialization */
    "debug", NULL};

static int protected_table_error(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc != 2) luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
    if (!lua_isstring(L, -1) && !lua_isnumber(L, -1))
        luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
    const char *name = lua_tostring(L, -1);
    luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
    return 0;
}

static void set_error_metatable(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, protected_table_error);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

static int new_index_allow_list(lua_State *L) {
    int argc = lua_gettop(L);
    if (argc != 3) luaL_error(L, "Wrong number of arguments to luaNewIndexAllowList");
    if (!lua_istable(L, -3)) luaL_error(L, "first argument to luaNewIndexAllowList must be a table");
    if (!lua_isstring(L, -2) && !lua_isnumber(L, -2))
        luaL_error(L, "Second argument to luaNewIndexAllowList must be a string or number");
    const char *name = lua_tostring(L, -2);
    for (const char **c = allow_list; *c; c++) {
        if (strcmp(*c, name) == 0) {
            lua_rawset(L, -3);
            return 0;
        }
    }
    return 0; /* not allowed: dropped (Redis logs a warning unless it is on the deny list) */
}

static void set_allow_list_protection(lua_State *L) {
    lua_newtable(L);
    lua_pushcfunction(L, new_index_allow_list);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
}

static void set_table_protection_recursively(lua_State *L) {
    if (lua_isreadonlytable(L, -1)) return;
    lua_enablereadonlytable(L, -1, 1);
    lua_checkstack(L, 2);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_istable(L, -1)) set_table_protection_recursively(L);
        lua_pop(L, 1);
    }
    if (lua_getmetatable(L, -1)) {
        set_table_protection_recursively(L);
        lua_pop(L, 1);
    }
}

static void register_version(lua_State *L) {
    lua_pushstring(L, "REDIS_VERSION_NUM");
    lua_pushnumber(L, 0x0007000f);
    lua_settable(L, -3);
    lua_pushstring(L, "REDIS_VERSION");
    lua_pushstring(L, "7.0.15");
    lua_settable(L, -3);
}

static void register_log_function(lua_State *L) {
    lua_pushstring(L, "log");
    lua_pushcfunction(L, redis_log);
    lua_settable(L, -3);
    const char *names[] = {"LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING"};
    for (int i = 0; i < 4; i++) {
        lua_pushstring(L, names[i]);
        lua_pushnumber(L, i);
        lua_settable(L, -3);
    }
}

static void load_lib(lua_State *L, const char *name, lua_CFunction f) {
    lua_pushcfunction(L, f);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

static int open_redis_libs(lua_State *L) {
    cinder_open_redis_libs(L);
    return 0;
}

static void set_field_fn(lua_State *L, const char *name, lua_CFunction f) {
    lua_pushstring(L, name);
    lua_pushcfunction(L, f);
    lua_settable(L, -3);
}

static void set_field_num(lua_State *L, const char *name, lua_Number n) {
    lua_pushstring(L, name);
    lua_pushnumber(L, n);
    lua_settable(L, -3);
}

/* luaRegisterRedisAPI */
static void register_redis_api(lua_State *L) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    set_allow_list_protection(L);
    lua_pop(L, 1);

    load_lib(L, "", luaopen_base);
    load_lib(L, LUA_TABLIBNAME, luaopen_table);
    load_lib(L, LUA_STRLIBNAME, luaopen_string);
    load_lib(L, LUA_MATHLIBNAME, luaopen_math);
    load_lib(L, LUA_DBLIBNAME, luaopen_debug);
    load_lib(L, "", open_redis_libs); /* cjson, struct, cmsgpack, bit */

    lua_pushcfunction(L, redis_lua_pcall);
    lua_setglobal(L, "pcall");

    lua_newtable(L);
    set_field_fn(L, "call", redis_call);
    set_field_fn(L, "pcall", redis_pcall_command);
    register_log_function(L);
    register_version(L);
    set_field_fn(L, "setresp", redis_setresp);
    set_field_fn(L, "sha1hex", redis_sha1hex);
    set_field_fn(L, "error_reply", redis_error_reply);
    set_field_fn(L, "status_reply", redis_status_reply);
    set_field_fn(L, "set_repl", redis_set_repl);
    set_field_num(L, "REPL_NONE", 0);
    set_field_num(L, "REPL_AOF", 1);
    set_field_num(L, "REPL_SLAVE", 2);
    set_field_num(L, "REPL_REPLICA", 2);
    set_field_num(L, "REPL_ALL", 3);
    set_field_fn(L, "acl_check_cmd", redis_acl_check_cmd);
    lua_setglobal(L, "redis");

    lua_getglobal(L, "math");
    set_field_fn(L, "random", redis_math_random);
    set_field_fn(L, "randomseed", redis_math_randomseed);
    lua_setglobal(L, "math");
}

static const char *eval_err_handler =
    "local dbg = debug\n"
    "debug = nil\n"
    "function __redis__err__handler(err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}"
    "  end"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end"
    "  return err\n"
    "end\n";

static const char *function_err_handler =
    "local dbg = debug\n"
    "debug = nil\n"
    "local error_handler = function (err)\n"
    "  local i = dbg.getinfo(2,'nSl')\n"
    "  if i and i.what == 'C' then\n"
    "    i = dbg.getinfo(3,'nSl')\n"
    "  end\n"
    "  if type(err) ~= 'table' then\n"
    "    err = {err='ERR ' .. tostring(err)}"
    "  end"
    "  if i then\n"
    "    err['source'] = i.source\n"
    "    err['line'] = i.currentline\n"
    "  end"
    "  return err\n"
    "end\n"
    "return error_handler";

static int register_function(lua_State *L);

/* scriptingInit (eval) / luaEngineInitEngine (functions), run protected. */
static int init_state(lua_State *L) {
    int for_functions = (int)(intptr_t)lua_touserdata(L, 1);
    lua_settop(L, 0);
    register_redis_api(L);
    if (!for_functions) {
        lua_getglobal(L, "redis");
        set_field_fn(L, "breakpoint", redis_breakpoint);
        set_field_fn(L, "debug", redis_debug);
        set_field_fn(L, "replicate_commands", redis_replicate_commands);
        lua_setglobal(L, "redis");
        luaL_loadbuffer(L, eval_err_handler, strlen(eval_err_handler), "@err_handler_def");
        lua_call(L, 0, 0);
        lua_pushvalue(L, LUA_GLOBALSINDEX);
        set_error_metatable(L);
        set_table_protection_recursively(L);
        lua_pop(L, 1);
        return 0;
    }
    lua_newtable(L); /* library globals */
    lua_newtable(L); /* library redis table */
    set_field_fn(L, "register_function", register_function);
    register_log_function(L);
    register_version(L);
    set_error_metatable(L);
    lua_setfield(L, -2, "redis");
    set_error_metatable(L);
    set_table_protection_recursively(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LIBRARY_API_NAME);

    lua_pushstring(L, ERROR_HANDLER_NAME);
    luaL_loadbuffer(L, function_err_handler, strlen(function_err_handler), "@err_handler_def");
    lua_call(L, 0, 1);
    lua_settable(L, LUA_REGISTRYINDEX);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    set_error_metatable(L);
    set_table_protection_recursively(L);
    lua_pop(L, 1);

    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, LUA_REGISTRYINDEX, GLOBALS_API_NAME);

    lua_newtable(L); /* new globals */
    lua_newtable(L); /* its metatable */
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, -2, "__index");
    lua_enablereadonlytable(L, -1, 1);
    lua_setmetatable(L, -2);
    lua_enablereadonlytable(L, -1, 1);
    lua_replace(L, LUA_GLOBALSINDEX);
    return 0;
}

lua_State *cinder_lua_new(int for_functions, cinder_mem *mem) {
    lua_State *L = lua_newstate(cinder_alloc, mem);
    if (!L) return NULL;
    if (lua_cpcall(L, init_state, (void *)(intptr_t)for_functions) != 0) {
        lua_close(L);
        return NULL;
    }
    return L;
}

void cinder_lua_close(lua_State *L) { lua_close(L); }

size_t cinder_lua_gc_bytes(lua_State *L) { return (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024; }

/* ---- the count hook ---- */
static void mask_count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    cinder_run *r = run_ctx(L);
    if (!r) r = get_from_registry(L, LOAD_CTX);
    if (!r) return;
    if (!r->killed) {
        const char *err;
        size_t errlen;
        if (cinder_rs_hook(r->host, &err, &errlen) == 0) return;
        r->kill_msg = malloc(errlen + 1);
        if (r->kill_msg) {
            memcpy(r->kill_msg, err, errlen);
            r->kill_msg[errlen] = 0;
        }
        r->killed = 1;
        lua_sethook(L, mask_count_hook, LUA_MASKLINE, 0);
    }
    const char *msg = r->kill_msg ? r->kill_msg : "ERR Script killed";
    push_error_text(L, msg, strlen(msg));
    lua_error(L);
}

/* ---- EVAL: create / call ---- */
static int create_eval(lua_State *L) {
    cinder_run *r = lua_touserdata(L, 1);
    lua_settop(L, 0);
    if (luaL_loadbuffer(L, r->code, r->code_len, "@user_script")) {
        const char *e = lua_tostring(L, -1);
        lua_pushfstring(L, "Error compiling script (new function): %s", e ? e : "");
        r->status = 1;
        size_t n;
        const char *m = lua_tolstring(L, -1, &n);
        out_raw(r, m, n);
        return 0;
    }
    lua_setfield(L, LUA_REGISTRYINDEX, r->funcname);
    return 0;
}

static void create_array(lua_State *L, const char **elev, const size_t *lens, int elec) {
    lua_newtable(L);
    for (int j = 0; j < elec; j++) {
        lua_pushlstring(L, elev[j], lens[j]);
        lua_rawseti(L, -2, j + 1);
    }
}

/* luaCallFunction, with the error handler and the function already pushed (eval: [handler, f]; functions: [handler,
 * f]). */
static void call_function(lua_State *L, cinder_run *r) {
    save_on_registry(L, RUN_CTX, r);
    lua_sethook(L, mask_count_hook, LUA_MASKCOUNT, 100000);
    create_array(L, r->keys, r->keys_len, r->nkeys);
    if (r->is_eval) {
        lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 0);
        lua_setglobal(L, "KEYS");
        lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
    }
    create_array(L, r->args, r->args_len, r->nargs);
    if (r->is_eval) {
        lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 0);
        lua_setglobal(L, "ARGV");
        lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
    }
    int err = r->is_eval ? lua_pcall(L, 0, 1, -2) : lua_pcall(L, 2, 1, -4);
    lua_sethook(L, NULL, 0, 0);
    if (err) {
        if (!lua_istable(L, -1)) {
            const char *msg = "execution failure";
            if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
            /* addReplyErrorFormat("Error running script %s, %.100s\n"): "ERR " added, trimmed, newlines mapped */
            char buf[400];
            snprintf(buf, sizeof(buf), "ERR Error running script %s, %.100s", r->funcname, msg);
            size_t n = strlen(buf);
            while (n && (buf[n - 1] == '\r' || buf[n - 1] == '\n')) n--;
            for (size_t i = 0; i < n; i++)
                if (buf[i] == '\r' || buf[i] == '\n') buf[i] = ' ';
            r->status = 1;
            out_raw(r, buf, n);
        } else {
            /* stack: [..., errT] */
            lua_getfield(L, -1, "err");    /* errT msg */
            lua_getfield(L, -2, "source"); /* errT msg source */
            lua_getfield(L, -3, "line");   /* errT msg source line */
            const char *msg = lua_isstring(L, -3) ? lua_tostring(L, -3) : "(null)";
            if (lua_isstring(L, -1) && lua_isstring(L, -2)) {
                lua_pushfstring(L, "%s script: %s, on %s:%s.", msg, r->funcname, lua_tostring(L, -2),
                                lua_tostring(L, -1));
            } else {
                lua_pushstring(L, msg);
            }
            size_t n;
            const char *text = lua_tolstring(L, -1, &n);
            r->status = 1;
            out_raw(r, text, n);
            lua_pop(L, 4); /* errT */
            lua_getfield(L, -1, "ignore_error_stats_update");
            if (lua_isboolean(L, -1)) r->ignore_stats = lua_toboolean(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    } else {
        reply_to_wire(L, r);
    }
    save_on_registry(L, RUN_CTX, NULL);
}

static int run_eval(lua_State *L) {
    cinder_run *r = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_getglobal(L, "__redis__err__handler");
    lua_getfield(L, LUA_REGISTRYINDEX, r->code); /* f_<sha>; funcname is the sha the error texts show */
    if (lua_isnil(L, -1)) {
        r->status = 2;
        return 0;
    }
    call_function(L, r);
    return 0;
}

static int run_function(lua_State *L) {
    cinder_run *r = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_pushstring(L, ERROR_HANDLER_NAME);
    lua_gettable(L, LUA_REGISTRYINDEX);
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->fref);
    if (!lua_isfunction(L, -1)) {
        r->status = 2;
        return 0;
    }
    call_function(L, r);
    return 0;
}

/* ---- FUNCTION LOAD ---- */
static int register_function(lua_State *L) {
    cinder_run *r = get_from_registry(L, LOAD_CTX);
    if (!r) {
        push_error(L, "redis.register_function can only be called on FUNCTION LOAD command");
        return lua_error(L);
    }
    int argc = lua_gettop(L);
    const char *err = NULL;
    const char *name = NULL, *desc = NULL;
    size_t nlen = 0, dlen = 0;
    int ref = LUA_NOREF;
    if (argc < 1 || argc > 2) {
        push_error(L, "wrong number of arguments to redis.register_function");
        return lua_error(L);
    }
    if (argc == 1) {
        if (!lua_istable(L, 1)) {
            err = "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).";
            goto error;
        }
        lua_settop(L, 1);
        lua_newtable(L); /* 2: keeps name, desc and flags alive */
        lua_pushnil(L);
        {
            while (lua_next(L, 1)) {
                if (!lua_isstring(L, -2)) {
                    err = "named argument key given to redis.register_function is not a string";
                    goto error;
                }
                const char *key = lua_tostring(L, -2);
                if (!strcasecmp(key, "function_name")) {
                    if (!lua_isstring(L, -1)) {
                        err = "function_name argument given to redis.register_function must be a string";
                        goto error;
                    }
                    lua_pushvalue(L, -1);
                    lua_setfield(L, 2, "name");
                } else if (!strcasecmp(key, "description")) {
                    if (!lua_isstring(L, -1)) {
                        err = "description argument given to redis.register_function must be a string";
                        goto error;
                    }
                    lua_pushvalue(L, -1);
                    lua_setfield(L, 2, "desc");
                } else if (!strcasecmp(key, "callback")) {
                    if (!lua_isfunction(L, -1)) {
                        err = "callback argument given to redis.register_function must be a function";
                        goto error;
                    }
                    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
                    ref = luaL_ref(L, LUA_REGISTRYINDEX);
                    continue;
                } else if (!strcasecmp(key, "flags")) {
                    if (!lua_istable(L, -1)) {
                        err = "flags argument to redis.register_function must be a table representing function flags";
                        goto error;
                    }
                    /* luaRegisterFunctionReadFlags: known flags only, collected as "f1\nf2..." */
                    static const char *known[] = {"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                                  "allow-cross-slot-keys", NULL};
                    lua_pushstring(L, "");
                    for (int j = 1;; j++) {
                        lua_pushnumber(L, j);
                        lua_gettable(L, -3);
                        if (lua_type(L, -1) == LUA_TNIL) {
                            lua_pop(L, 1);
                            break;
                        }
                        if (!lua_isstring(L, -1)) {
                            err = "unknown flag given";
                            goto error;
                        }
                        const char *f = lua_tostring(L, -1);
                        int found = 0;
                        for (const char **k = known; *k; k++)
                            if (!strcasecmp(*k, f)) found = 1;
                        if (!found) {
                            err = "unknown flag given";
                            goto error;
                        }
                        lua_pushstring(L, "\n");
                        lua_insert(L, -2);
                        lua_concat(L, 3);
                    }
                    lua_setfield(L, 2, "flags");
                } else {
                    err = "unknown argument given to redis.register_function";
                    goto error;
                }
                lua_pop(L, 1);
            }
        }
        lua_getfield(L, 2, "name");
        if (lua_isnil(L, -1)) {
            err = "redis.register_function must get a function name argument";
            goto error;
        }
        if (ref == LUA_NOREF) {
            err = "redis.register_function must get a callback argument";
            goto error;
        }
        name = lua_tolstring(L, -1, &nlen);
        lua_getfield(L, 2, "desc");
        int has_desc = !lua_isnil(L, -1);
        if (has_desc) desc = lua_tolstring(L, -1, &dlen);
        lua_getfield(L, 2, "flags");
        size_t flen = 0;
        const char *fl = lua_isnil(L, -1) ? "" : lua_tolstring(L, -1, &flen);
        const char *rerr;
        size_t rerrlen;
        if (cinder_rs_register(r->host, name, nlen, desc, has_desc ? dlen : 0, has_desc, fl, flen, ref, &rerr,
                               &rerrlen)) {
            luaL_unref(L, LUA_REGISTRYINDEX, ref);
            lua_pushlstring(L, rerr, rerrlen);
            push_error(L, lua_tostring(L, -1));
            return lua_error(L);
        }
        return 0;
    }
    /* positional: name, callback */
    if (!lua_isstring(L, 1)) {
        err = "first argument to redis.register_function must be a string";
        goto error;
    }
    if (!lua_isfunction(L, 2)) {
        err = "second argument to redis.register_function must be a function";
        goto error;
    }
    ref = luaL_ref(L, LUA_REGISTRYINDEX);
    name = lua_tolstring(L, 1, &nlen);
    {
        const char *rerr;
        size_t rerrlen;
        if (cinder_rs_register(r->host, name, nlen, NULL, 0, 0, "", 0, ref, &rerr, &rerrlen)) {
            luaL_unref(L, LUA_REGISTRYINDEX, ref);
            lua_pushlstring(L, rerr, rerrlen);
            push_error(L, lua_tostring(L, -1));
            return lua_error(L);
        }
    }
    return 0;
error:
    if (ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, ref);
    push_error(L, err);
    return lua_error(L);
}

static void set_globals_index(lua_State *L, const char *api) {
    lua_getmetatable(L, LUA_GLOBALSINDEX);
    lua_enablereadonlytable(L, -1, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, api);
    lua_setfield(L, -2, "__index");
    lua_enablereadonlytable(L, LUA_GLOBALSINDEX, 1);
    lua_pop(L, 1);
}

static int load_library(lua_State *L) {
    cinder_run *r = lua_touserdata(L, 1);
    lua_settop(L, 0);
    set_globals_index(L, LIBRARY_API_NAME);
    if (luaL_loadbuffer(L, r->code, r->code_len, "@user_function")) {
        lua_pushfstring(L, "ERR Error compiling function: %s", lua_tostring(L, -1));
        size_t n;
        const char *m = lua_tolstring(L, -1, &n);
        r->status = 1;
        out_raw(r, m, n);
        lua_pop(L, 2);
        set_globals_index(L, GLOBALS_API_NAME);
        return 0;
    }
    save_on_registry(L, LOAD_CTX, r);
    lua_sethook(L, mask_count_hook, LUA_MASKCOUNT, 100000);
    if (lua_pcall(L, 0, 0, 0)) {
        /* luaExtractErrorInformation: a string becomes "ERR <msg>", a table gives its err field */
        const char *msg = NULL;
        if (lua_isstring(L, -1)) {
            lua_pushfstring(L, "ERR %s", lua_tostring(L, -1));
            lua_insert(L, -2);
            msg = lua_tostring(L, -2);
            if (lua_istable(L, -1)) {
                lua_getfield(L, -1, "err");
                if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
            }
        } else if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "err");
            if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
        }
        lua_pushfstring(L, "ERR Error registering functions: %s", msg ? msg : "(null)");
        size_t n;
        const char *m = lua_tolstring(L, -1, &n);
        r->status = 1;
        out_raw(r, m, n);
        lua_settop(L, 0);
    }
    lua_sethook(L, NULL, 0, 0);
    save_on_registry(L, LOAD_CTX, NULL);
    set_globals_index(L, GLOBALS_API_NAME);
    return 0;
}

/* ---- entry points for Rust: each runs protected; the results are in r->out / r->status ---- */
static int run_protected(lua_State *L, lua_CFunction f, cinder_run *r) {
    r->depth = 0;
    int rc = lua_cpcall(L, f, r);
    if (rc != 0) {
        /* an error outside the script's own pcall (out of memory while converting, ...) */
        const char *msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
        char buf[300];
        snprintf(buf, sizeof(buf), "ERR Error running script %s, %.100s", r->funcname ? r->funcname : "", msg);
        r->out_len = 0;
        r->out_oom = 0;
        r->status = 1;
        out_raw(r, buf, strlen(buf));
        lua_settop(L, 0);
        lua_sethook(L, NULL, 0, 0);
        save_on_registry(L, RUN_CTX, NULL);
    }
    if (r->out_oom) {
        r->out_len = 0;
        r->out_oom = 0;
        r->status = 1;
        out_raw(r, "ERR reply too large", 19);
    }
    free(r->kill_msg);
    r->kill_msg = NULL;
    return rc;
}

int cinder_create_eval(lua_State *L, cinder_run *r) { return run_protected(L, create_eval, r); }
int cinder_run_eval(lua_State *L, cinder_run *r) { return run_protected(L, run_eval, r); }
int cinder_run_function(lua_State *L, cinder_run *r) { return run_protected(L, run_function, r); }
int cinder_load_library(lua_State *L, cinder_run *r) { return run_protected(L, load_library, r); }

static int has_eval_fn(lua_State *L) {
    cinder_run *r = lua_touserdata(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, r->funcname);
    r->status = lua_isnil(L, -1) ? 0 : 1;
    return 0;
}
int cinder_has_eval(lua_State *L, cinder_run *r) { return lua_cpcall(L, has_eval_fn, r); }

void cinder_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }

void cinder_gc_step(lua_State *L) { lua_gc(L, LUA_GCSTEP, 50); }

void cinder_free(void *p) { free(p); }

size_t cinder_run_size(void) { return sizeof(cinder_run); }
