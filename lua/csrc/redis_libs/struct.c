/* `struct`: binary packing as Redis 7.0's bundled struct library (Roberto Ierusalimschy's struct 1.7)
 * behaves on x86-64 Linux (written for Cinder). Sizes are x86-64's on every target: b/B 1, h/H 2, i/I 4
 * (or `in`), l/L 8, T 8, f 4, d 8; native byte order is little endian; default maximum alignment 8.
 *
 * Format: '>' big endian, '<' little endian, '![n]' alignment, 'x' padding, b/B h/H l/L T i/In integers
 * (lower case signed), 'cn' n chars (c0: the whole string / the previous number when unpacking), 's' zero
 * terminated string, 'f' float, 'd' double, ' ' ignored. */
#include "rl_common.h"

#define ST_MAXINTSIZE 32
#define ST_MAXALIGN 8
#define ST_BIG 0
#define ST_LITTLE 1
#define ST_NATIVE ST_LITTLE

typedef struct st_header {
    int endian;
    int align;
} st_header;

static int st_isdigit(int c) {
    return c >= '0' && c <= '9';
}

static int st_isalnum(int c) {
    return st_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int st_getnum(lua_State *L, const char **fmt, int dflt) {
    int a = 0;
    if (!st_isdigit(**fmt)) return dflt;
    do {
        int digit = **fmt - '0';
        if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
        a = a * 10 + digit;
        (*fmt)++;
    } while (st_isdigit(**fmt));
    return a;
}

/* Size of option `opt` (reading its numeric suffix); 0 for options without a size. */
static uint64_t st_optsize(lua_State *L, int opt, const char **fmt) {
    switch (opt) {
    case 'B':
    case 'b': return 1;
    case 'H':
    case 'h': return 2;
    case 'L':
    case 'l': return 8;
    case 'T': return 8;
    case 'f': return 4;
    case 'd': return 8;
    case 'x': return 1;
    case 'c': return (uint64_t)(int64_t)st_getnum(L, fmt, 1);
    case 'i':
    case 'I': {
        int sz = st_getnum(L, fmt, 4);
        if (sz > ST_MAXINTSIZE) luaL_error(L, "integral size %d is larger than limit of %d", sz, ST_MAXINTSIZE);
        return (uint64_t)(int64_t)sz;
    }
    default: return 0;
    }
}

/* Padding needed before an item of `size` at offset `len`. */
static uint64_t st_toalign(uint64_t len, const st_header *h, int opt, uint64_t size) {
    if (size == 0 || opt == 'c') return 0;
    if (size > (uint64_t)h->align) size = (uint64_t)h->align;
    return (uint64_t)(int32_t)((size - (len & (size - 1))) & (size - 1));
}

static void st_control(lua_State *L, int opt, const char **fmt, st_header *h) {
    switch (opt) {
    case ' ': return;
    case '>': h->endian = ST_BIG; return;
    case '<': h->endian = ST_LITTLE; return;
    case '!': {
        int a = st_getnum(L, fmt, ST_MAXALIGN);
        if (!(a > 0 && (a & (a - 1)) == 0)) luaL_error(L, "alignment %d is not a power of 2", a);
        h->align = a;
        return;
    }
    default: {
        const char *msg = lua_pushfstring(L, "invalid format option '%c'", opt);
        luaL_argerror(L, 1, msg);
    }
    }
}

static void st_reverse_if(char *b, int size, int endian) {
    if (endian != ST_NATIVE) {
        int i = 0;
        while (i < --size) {
            char t = b[i];
            b[i++] = b[size];
            b[size] = t;
        }
    }
}

static void st_put_integer(lua_State *L, luaL_Buffer *b, int arg, int endian, int size) {
    double n = luaL_checknumber(L, arg);
    uint64_t v = n < 0 ? (uint64_t)rl_d2i64(n) : rl_d2u64(n);
    char buf[ST_MAXINTSIZE];
    int i;
    if (endian == ST_LITTLE) {
        for (i = 0; i < size; i++) {
            buf[i] = (char)(v & 0xff);
            v >>= 8;
        }
    } else {
        for (i = size - 1; i >= 0; i--) {
            buf[i] = (char)(v & 0xff);
            v >>= 8;
        }
    }
    luaL_addlstring(b, buf, (size_t)size);
}

static int st_pack(lua_State *L) {
    luaL_Buffer b;
    const char *fmt = luaL_checkstring(L, 1);
    st_header h;
    int arg = 2;
    uint64_t total = 0;
    h.endian = ST_NATIVE;
    h.align = 1;
    lua_pushnil(L); /* separates the arguments from the buffer */
    luaL_buffinit(L, &b);
    while (*fmt != '\0') {
        int opt = (unsigned char)*fmt++;
        uint64_t size = st_optsize(L, opt, &fmt);
        uint64_t pad = st_toalign(total, &h, opt, size);
        total += pad;
        while (pad-- > 0) luaL_addchar(&b, '\0');
        switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': st_put_integer(L, &b, arg++, h.endian, (int)size); break;
        case 'x': luaL_addchar(&b, '\0'); break;
        case 'f': {
            float f = (float)luaL_checknumber(L, arg++);
            st_reverse_if((char *)&f, 4, h.endian);
            luaL_addlstring(&b, (char *)&f, 4);
            break;
        }
        case 'd': {
            double d = luaL_checknumber(L, arg++);
            st_reverse_if((char *)&d, 8, h.endian);
            luaL_addlstring(&b, (char *)&d, 8);
            break;
        }
        case 'c':
        case 's': {
            size_t l;
            const char *s = luaL_checklstring(L, arg++, &l);
            if (size == 0) size = l;
            /* struct.c checks against the already advanced argument number */
            luaL_argcheck(L, (uint64_t)l >= size, arg, "string too short");
            luaL_addlstring(&b, s, (size_t)size);
            if (opt == 's') {
                luaL_addchar(&b, '\0');
                size++;
            }
            break;
        }
        default: st_control(L, opt, &fmt, &h);
        }
        total += size;
    }
    luaL_pushresult(&b);
    return 1;
}

static double st_get_integer(const unsigned char *p, int endian, int is_signed, int size) {
    uint64_t l = 0;
    int i;
    if (endian == ST_BIG) {
        for (i = 0; i < size; i++) l = (l << 8) | p[i];
    } else {
        for (i = size - 1; i >= 0; i--) l = (l << 8) | p[i];
    }
    if (!is_signed) return (double)l;
    {
        /* x86-64 takes the shift count modulo 64 */
        uint64_t mask = ~(uint64_t)0 << ((unsigned)(size * 8 - 1) & 63);
        if (l & mask) l |= mask;
        return (double)(int64_t)l;
    }
}

static int st_unpack(lua_State *L) {
    st_header h;
    const char *fmt = luaL_checkstring(L, 1);
    size_t ld_;
    const char *data = luaL_checklstring(L, 2, &ld_);
    uint64_t ld = (uint64_t)ld_;
    uint64_t pos = (uint64_t)rl_optinteger(L, 3, 1);
    int n = 0;
    luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
    pos--;
    h.endian = ST_NATIVE;
    h.align = 1;
    while (*fmt) {
        int opt = (unsigned char)*fmt++;
        uint64_t size = st_optsize(L, opt, &fmt);
        pos += st_toalign(pos, &h, opt, size);
        luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        if (!lua_checkstack(L, 2)) { /* luaL_checkstack's error, with room for the message */
            lua_settop(L, 0);
            luaL_error(L, "stack overflow (%s)", "too many results");
        }
        switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I': {
            int is_signed = opt >= 'a' && opt <= 'z';
            lua_pushnumber(L, st_get_integer((const unsigned char *)data + pos, h.endian, is_signed, (int)size));
            n++;
            break;
        }
        case 'x': break;
        case 'f': {
            float f;
            memcpy(&f, data + pos, 4);
            st_reverse_if((char *)&f, 4, h.endian);
            lua_pushnumber(L, f);
            n++;
            break;
        }
        case 'd': {
            double d;
            memcpy(&d, data + pos, 8);
            st_reverse_if((char *)&d, 8, h.endian);
            lua_pushnumber(L, d);
            n++;
            break;
        }
        case 'c': {
            if (size == 0) {
                if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
                size = rl_d2u64(lua_tonumber(L, -1));
                lua_pop(L, 1);
                n--;
                luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
            }
            lua_pushlstring(L, data + pos, (size_t)size);
            n++;
            break;
        }
        case 's': {
            const char *e = (const char *)memchr(data + pos, '\0', (size_t)(ld - pos));
            if (e == NULL) luaL_error(L, "unfinished string in data");
            size = (uint64_t)(e - (data + pos)) + 1;
            lua_pushlstring(L, data + pos, (size_t)(size - 1));
            n++;
            break;
        }
        default: st_control(L, opt, &fmt, &h);
        }
        pos += size;
    }
    lua_pushnumber(L, (double)(int64_t)(pos + 1));
    return n + 1;
}

static int st_size(lua_State *L) {
    st_header h;
    const char *fmt = luaL_checkstring(L, 1);
    uint64_t pos = 0;
    h.endian = ST_NATIVE;
    h.align = 1;
    while (*fmt) {
        int opt = (unsigned char)*fmt++;
        uint64_t size = st_optsize(L, opt, &fmt);
        pos += st_toalign(pos, &h, opt, size);
        if (opt == 's')
            luaL_argerror(L, 1, "option 's' has no fixed size");
        else if (opt == 'c' && size == 0)
            luaL_argerror(L, 1, "option 'c0' has no fixed size");
        if (!st_isalnum(opt)) st_control(L, opt, &fmt, &h);
        pos += size;
    }
    lua_pushnumber(L, (double)(int64_t)pos);
    return 1;
}

static const luaL_Reg st_funcs[] = {{"pack", st_pack}, {"unpack", st_unpack}, {"size", st_size}, {NULL, NULL}};

/* Opens the library: the table is returned and registered as the global `struct` (luaL_register). */
int cinder_luaopen_struct(lua_State *L) {
    luaL_register(L, "struct", st_funcs);
    return 1;
}
