/* `cjson`: JSON encoding/decoding as Redis 7.0's bundled Lua CJSON 2.1.0 behaves (written for Cinder).
 *
 * Encoding: strings escaped (control characters as \uXXXX except \b \t \n \f \r, plus \" \\ \/ and \u007f),
 * numbers with "%.<precision>g" (14 by default), a table with only positive integer keys is an array (too
 * sparse ones are an error or an object, per encode_sparse_array), anything else an object; `cjson.null`
 * (a NULL light userdata) and nil are `null`.
 * Decoding: strict JSON plus what strtod() reads (hex, inf, nan, leading '+' or zeros) while
 * decode_invalid_numbers is on (the default); nulls become `cjson.null`. Errors carry CJSON's exact texts. */
#include <stdio.h>

#include "rl_common.h"

#define CJ_DEFAULT_MAX_DEPTH 1000
#define CJ_NUMBUF 32

/* Configuration of one cjson module table (an upvalue of its functions). The scratch must stay first: its
 * __gc frees the buffers. Scratch a = encoder output / decoder string buffer. */
typedef struct cj_config {
    rl_scratch scratch;
    int sparse_convert;
    int sparse_ratio;
    int sparse_safe;
    int encode_max_depth;
    int decode_max_depth;
    int encode_invalid_numbers; /* 0 off, 1 on, 2 "null" */
    int decode_invalid_numbers;
    int encode_keep_buffer;
    int encode_number_precision;
} cj_config;

static cj_config *cj_config_of(lua_State *L) {
    cj_config *cfg = (cj_config *)lua_touserdata(L, lua_upvalueindex(1));
    if (!cfg) luaL_error(L, "BUG: Unable to fetch CJSON configuration");
    return cfg;
}

/* ===== Configuration functions ===== */

static cj_config *cj_config_args(lua_State *L, int nargs) {
    luaL_argcheck(L, lua_gettop(L) <= nargs, nargs + 1, "found too many arguments");
    while (lua_gettop(L) < nargs) lua_pushnil(L);
    return cj_config_of(L);
}

static void cj_int_setting(lua_State *L, int idx, int *setting, int lo, int hi) {
    if (!lua_isnil(L, idx)) {
        int v = rl_i64_to_int(rl_checkinteger(L, idx));
        if (v < lo || v > hi) {
            const char *msg = lua_pushfstring(L, "expected integer between %d and %d", lo, hi);
            luaL_argerror(L, 1, msg);
        }
        *setting = v;
    }
    lua_pushinteger(L, *setting);
}

/* An on/off setting (or one of `names` when given); true/false map to 0 and `true_value`. */
static void cj_enum_setting(lua_State *L, int idx, int *setting, const char *const *names, int true_value) {
    static const char *const onoff[] = {"off", "on", NULL};
    if (!names) {
        names = onoff;
        true_value = 1;
    }
    if (!lua_isnil(L, idx)) {
        if (true_value && lua_isboolean(L, idx))
            *setting = lua_toboolean(L, idx) * true_value;
        else
            *setting = luaL_checkoption(L, idx, NULL, names);
    }
    if (true_value && (*setting == 0 || *setting == true_value))
        lua_pushboolean(L, *setting);
    else
        lua_pushstring(L, names[*setting]);
}

static int cj_cfg_encode_sparse_array(lua_State *L) {
    cj_config *cfg = cj_config_args(L, 3);
    cj_enum_setting(L, 1, &cfg->sparse_convert, NULL, 1);
    cj_int_setting(L, 2, &cfg->sparse_ratio, 0, INT_MAX);
    cj_int_setting(L, 3, &cfg->sparse_safe, 0, INT_MAX);
    return 3;
}

static int cj_cfg_encode_max_depth(lua_State *L) {
    cj_config *cfg = cj_config_args(L, 1);
    cj_int_setting(L, 1, &cfg->encode_max_depth, 1, INT_MAX);
    return 1;
}

static int cj_cfg_decode_max_depth(lua_State *L) {
    cj_config *cfg = cj_config_args(L, 1);
    cj_int_setting(L, 1, &cfg->decode_max_depth, 1, INT_MAX);
    return 1;
}

static int cj_cfg_encode_number_precision(lua_State *L) {
    cj_config *cfg = cj_config_args(L, 1);
    cj_int_setting(L, 1, &cfg->encode_number_precision, 1, 14);
    return 1;
}

static int cj_cfg_encode_keep_buffer(lua_State *L) {
    cj_config *cfg = cj_config_args(L, 1);
    cj_enum_setting(L, 1, &cfg->encode_keep_buffer, NULL, 1);
    if (!cfg->encode_keep_buffer) rl_buf_free(&cfg->scratch.a);
    return 1;
}

static int cj_cfg_encode_invalid_numbers(lua_State *L) {
    static const char *const names[] = {"off", "on", "null", NULL};
    cj_config *cfg = cj_config_args(L, 1);
    cj_enum_setting(L, 1, &cfg->encode_invalid_numbers, names, 1);
    return 1;
}

static int cj_cfg_decode_invalid_numbers(lua_State *L) {
    cj_config *cfg = cj_config_args(L, 1);
    cj_enum_setting(L, 1, &cfg->decode_invalid_numbers, NULL, 1);
    return 1;
}

/* ===== Encoding ===== */

typedef struct cj_enc {
    lua_State *L;
    cj_config *cfg;
    rl_scratch s; /* leased scratch; s.a is the output */
} cj_enc;

/* Gives the leased scratch back (dropping the output buffer when encode_keep_buffer is off). */
static void cj_enc_release(cj_enc *e) {
    rl_scratch_give_back(&e->cfg->scratch, &e->s);
    if (!e->cfg->encode_keep_buffer) rl_buf_free(&e->cfg->scratch.a);
}

/* Raising an error: the scratch goes back and the stack is emptied first, so that the message has room even
 * when the walk filled the stack (the values on it are of no further use). */
static void cj_enc_abort(cj_enc *e) {
    cj_enc_release(e);
    lua_settop(e->L, 0);
}

/* Raises CJSON's "Cannot serialise <type of value idx>: <reason>". */
static void cj_enc_fail(cj_enc *e, int idx, const char *reason) {
    const char *tname = lua_typename(e->L, lua_type(e->L, idx));
    cj_enc_abort(e);
    luaL_error(e->L, "Cannot serialise %s: %s", tname, reason);
}

static void cj_put(cj_enc *e, const char *p, size_t n) {
    if (!rl_buf_reserve(&e->s.a, n)) {
        cj_enc_abort(e);
        luaL_error(e->L, "not enough memory");
    }
    memcpy(e->s.a.p + e->s.a.len, p, n);
    e->s.a.len += n;
}

static void cj_putc(cj_enc *e, char c) {
    cj_put(e, &c, 1);
}

static void cj_put_string(cj_enc *e, int idx) {
    static const char hex[] = "0123456789abcdef";
    size_t len, i, start = 0;
    const char *str = lua_tolstring(e->L, idx, &len);
    cj_putc(e, '"');
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)str[i];
        char esc[6];
        size_t n = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '/': esc[1] = '/'; break;
        case '\b': esc[1] = 'b'; break;
        case '\t': esc[1] = 't'; break;
        case '\n': esc[1] = 'n'; break;
        case '\f': esc[1] = 'f'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            if (c >= 0x20 && c != 0x7f) continue;
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (i > start) cj_put(e, str + start, i - start);
        cj_put(e, esc, n);
        start = i + 1;
    }
    if (len > start) cj_put(e, str + start, len - start);
    cj_putc(e, '"');
}

static void cj_put_number(cj_enc *e, int idx) {
    double num = lua_tonumber(e->L, idx);
    int is_nan = num != num;
    int is_inf = !is_nan && (num - num) != (num - num);
    char fmt[8], buf[CJ_NUMBUF];
    int prec = e->cfg->encode_number_precision, len;

    if (e->cfg->encode_invalid_numbers == 0) {
        if (is_nan || is_inf) cj_enc_fail(e, idx, "must not be NaN or Inf");
    } else if (e->cfg->encode_invalid_numbers == 1) {
        if (is_nan) {
            cj_put(e, "nan", 3);
            return;
        }
    } else if (is_nan || is_inf) {
        cj_put(e, "null", 4);
        return;
    }
    if (is_inf) { /* what printf's %g writes for infinities */
        if (num < 0)
            cj_put(e, "-inf", 4);
        else
            cj_put(e, "inf", 3);
        return;
    }
    fmt[0] = '%';
    fmt[1] = '.';
    len = 2;
    if (prec >= 10) fmt[len++] = (char)('0' + prec / 10);
    fmt[len++] = (char)('0' + prec % 10);
    fmt[len++] = 'g';
    fmt[len] = 0;
    len = snprintf(buf, sizeof(buf), fmt, num);
    if (len < 0) len = 0;
    if (len >= (int)sizeof(buf)) len = (int)sizeof(buf) - 1;
    cj_put(e, buf, (size_t)len);
}

/* Whether k has no fractional part (floor(k) == k; true for infinities). */
static int cj_integral(double k) {
    if (k != k) return 0;
    if (k >= 4503599627370496.0 || k <= -4503599627370496.0) return 1;
    return (double)(int64_t)k == k;
}

/* The array length of the table on top: -1 when it is not an array (or too sparse and converted), else the
 * largest key (0 for an empty table). Keys are visited with lua_next as CJSON does, so the outcome with odd
 * keys (huge integers) matches. */
static int cj_array_length(cj_enc *e) {
    lua_State *L = e->L;
    int max = 0, items = 0;
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) == LUA_TNUMBER) {
            double k = lua_tonumber(L, -2);
            if (k != 0 && cj_integral(k) && k >= 1) {
                if (k > max) max = rl_d2i32(k);
                items++;
                lua_pop(L, 1);
                continue;
            }
        }
        lua_pop(L, 2);
        return -1;
    }
    if (e->cfg->sparse_ratio > 0 && max > (int32_t)((uint32_t)items * (uint32_t)e->cfg->sparse_ratio) &&
        max > e->cfg->sparse_safe) {
        if (!e->cfg->sparse_convert) cj_enc_fail(e, -1, "excessively sparse array");
        return -1;
    }
    return max;
}

/* A table being written: arrays count their elements, objects keep their lua_next key on the stack. */
typedef struct cj_enc_frame {
    int is_array;
    int len;
    int i;
} cj_enc_frame;

static cj_enc_frame *cj_enc_push_frame(cj_enc *e, int is_array, int len) {
    cj_enc_frame *f;
    if (!rl_buf_reserve(&e->s.b, sizeof(cj_enc_frame))) {
        cj_enc_abort(e);
        luaL_error(e->L, "not enough memory");
    }
    f = (cj_enc_frame *)(e->s.b.p + e->s.b.len);
    e->s.b.len += sizeof(cj_enc_frame);
    f->is_array = is_array;
    f->len = len;
    f->i = 0;
    return f;
}

/* Appends the value on top of the stack (left there). Nested tables are walked with an explicit frame stack
 * (no C recursion, so a deep configured nesting cannot exhaust the C stack), with the same Lua stack use and
 * checks, in the same order, as CJSON's recursive walk: nesting and stack errors come out identical. */
static void cj_encode_value(cj_enc *e) {
    lua_State *L = e->L;
    size_t nframes;
    int depth;
    for (;;) {
        /* a value is on top */
        switch (lua_type(L, -1)) {
        case LUA_TSTRING: cj_put_string(e, -1); break;
        case LUA_TNUMBER: cj_put_number(e, -1); break;
        case LUA_TBOOLEAN:
            if (lua_toboolean(L, -1))
                cj_put(e, "true", 4);
            else
                cj_put(e, "false", 5);
            break;
        case LUA_TNIL: cj_put(e, "null", 4); break;
        case LUA_TLIGHTUSERDATA:
            if (lua_touserdata(L, -1) == NULL) {
                cj_put(e, "null", 4);
                break;
            }
            cj_enc_fail(e, -1, "type not supported");
            break;
        case LUA_TTABLE: {
            int len;
            depth = (int)(e->s.b.len / sizeof(cj_enc_frame)) + 1;
            if (depth > e->cfg->encode_max_depth || !lua_checkstack(L, 3)) {
                cj_enc_abort(e);
                luaL_error(L, "Cannot serialise, excessive nesting (%d)", depth);
            }
            len = cj_array_length(e);
            if (len > 0) {
                cj_putc(e, '[');
                cj_enc_push_frame(e, 1, len);
            } else {
                cj_putc(e, '{');
                lua_pushnil(L);
                cj_enc_push_frame(e, 0, 0);
            }
            goto advance;
        }
        default: cj_enc_fail(e, -1, "type not supported");
        }
    done:
        /* the value on top is written: it goes (unless it is the outermost one) and its container moves on */
        if (e->s.b.len == 0) return;
        lua_pop(L, 1);
    advance:
        nframes = e->s.b.len / sizeof(cj_enc_frame);
        {
            cj_enc_frame *f = (cj_enc_frame *)e->s.b.p + (nframes - 1);
            if (f->is_array) {
                if (f->i < f->len) {
                    if (f->i++ > 0) cj_putc(e, ',');
                    lua_rawgeti(L, -1, f->i);
                    continue;
                }
                cj_putc(e, ']');
            } else {
                if (lua_next(L, -2) != 0) {
                    int kt = lua_type(L, -2);
                    if (f->i++ > 0) cj_putc(e, ',');
                    if (kt == LUA_TNUMBER) {
                        cj_putc(e, '"');
                        cj_put_number(e, -2);
                        cj_put(e, "\":", 2);
                    } else if (kt == LUA_TSTRING) {
                        cj_put_string(e, -2);
                        cj_putc(e, ':');
                    } else {
                        cj_enc_fail(e, -2, "table key must be a number or string");
                    }
                    continue;
                }
                cj_putc(e, '}');
            }
            e->s.b.len -= sizeof(cj_enc_frame);
            goto done;
        }
    }
}

static int cj_encode(lua_State *L) {
    cj_enc e;
    e.L = L;
    e.cfg = cj_config_of(L);
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    rl_scratch_take(&e.cfg->scratch, &e.s);
    cj_encode_value(&e);
    /* Copy the text out before giving the buffer back: pushing may run the collector (and a finaliser). */
    lua_pushlstring(L, e.s.a.p ? e.s.a.p : "", e.s.a.len);
    cj_enc_release(&e);
    return 1;
}

/* ===== Decoding ===== */

typedef enum {
    TK_OBJ_BEGIN,
    TK_OBJ_END,
    TK_ARR_BEGIN,
    TK_ARR_END,
    TK_STRING,
    TK_NUMBER,
    TK_BOOLEAN,
    TK_NULL,
    TK_COLON,
    TK_COMMA,
    TK_END,
    TK_WHITESPACE,
    TK_ERROR,
    TK_UNKNOWN
} cj_tok_kind;

/* The names CJSON prints for tokens in its syntax errors. */
static const char *const cj_tok_names[] = {"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END",
                                           "T_STRING",    "T_NUMBER",  "T_BOOLEAN",   "T_NULL",
                                           "T_COLON",     "T_COMMA",   "T_END",       "T_WHITESPACE",
                                           "T_ERROR",     "T_UNKNOWN"};

typedef struct cj_tok {
    cj_tok_kind kind;
    size_t index; /* 0-based offset of the token (or of the error) */
    const char *err;
    double number;
    int boolean;
    size_t str_len; /* TK_STRING: the unescaped bytes are in the decoder's string buffer */
} cj_tok;

typedef struct cj_dec {
    lua_State *L;
    cj_config *cfg;
    rl_scratch s; /* s.a: unescaped string of the current token */
    const char *data;
    const char *p;
    int depth;
} cj_dec;

static int cj_lower(int c) {
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

static int cj_prefix_ci(const char *p, const char *word) {
    for (; *word; p++, word++)
        if (cj_lower((unsigned char)*p) != *word) return 0;
    return 1;
}

static int cj_hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int cj_isdigit(int c) {
    return c >= '0' && c <= '9';
}

/* Scales `m` by 2^exp (exact unless the result is subnormal or overflows, as ldexp). */
static double cj_scale2(double m, long exp) {
    while (exp > 0) {
        int step = exp > 1000 ? 1000 : (int)exp;
        double f = 1.0;
        int i;
        for (i = 0; i < step; i++) f *= 2.0;
        m *= f;
        exp -= step;
        if (m == 0 || m - m != m - m) return m;
    }
    while (exp < 0) {
        int step = exp < -1000 ? 1000 : (int)-exp;
        double f = 1.0;
        int i;
        for (i = 0; i < step; i++) f *= 0.5;
        m *= f;
        exp += step;
        if (m == 0) return m;
    }
    return m;
}

/* Reads a number the way glibc's strtod() does (decimal, hexadecimal with an optional binary exponent,
 * "inf"/"infinity", "nan"/"nan(...)", each with an optional sign). Returns the end of what was read
 * (== p when nothing was). The decimal conversion itself is strtod()'s. */
static const char *cj_strtod(const char *p, double *out) {
    const char *s = p;
    int neg = 0;
    if (*s == '+' || *s == '-') neg = *s++ == '-';
    if (cj_prefix_ci(s, "inf")) {
        double inf = 1e308 * 10.0;
        s += cj_prefix_ci(s, "infinity") ? 8 : 3;
        *out = neg ? -inf : inf;
        return s;
    }
    if (cj_prefix_ci(s, "nan")) {
        /* strtod's NaN is positive (0.0/0.0 has the sign bit set on x86) */
        uint64_t bits = 0x7ff8000000000000ULL;
        double nan;
        memcpy(&nan, &bits, sizeof(nan));
        s += 3;
        if (*s == '(') {
            const char *q = s + 1;
            while (cj_isdigit(*q) || (cj_lower((unsigned char)*q) >= 'a' && cj_lower((unsigned char)*q) <= 'z') ||
                   *q == '_')
                q++;
            if (*q == ')') s = q + 1;
        }
        *out = neg ? -nan : nan;
        return s;
    }
    if (s[0] == '0' && (s[1] | 0x20) == 'x' &&
        (cj_hexval((unsigned char)s[2]) >= 0 || (s[2] == '.' && cj_hexval((unsigned char)s[3]) >= 0))) {
        uint64_t mant = 0;
        long exp = 0;
        int sticky = 0, seen_point = 0;
        s += 2;
        for (;; s++) {
            int v;
            if (*s == '.' && !seen_point) {
                seen_point = 1;
                continue;
            }
            v = cj_hexval((unsigned char)*s);
            if (v < 0) break;
            if (mant >> 56) {
                if (v) sticky = 1;
                if (!seen_point) exp += 4;
            } else {
                mant = mant << 4 | (uint64_t)v;
                if (seen_point) exp -= 4;
            }
        }
        if ((*s | 0x20) == 'p') {
            const char *q = s + 1;
            int eneg = 0;
            long e = 0;
            if (*q == '+' || *q == '-') eneg = *q++ == '-';
            if (cj_isdigit(*q)) {
                while (cj_isdigit(*q)) {
                    if (e < 100000) e = e * 10 + (*q - '0');
                    q++;
                }
                exp += eneg ? -e : e;
                s = q;
            }
        }
        {
            /* Round the (up to 60-bit) mantissa to 53 bits, to nearest even, with the sticky bit. */
            int shift = 0;
            double m;
            while ((mant >> shift) >= (1ULL << 53)) shift++;
            if (shift) {
                uint64_t rem = mant & ((1ULL << shift) - 1), half = 1ULL << (shift - 1);
                mant >>= shift;
                if (rem > half || (rem == half && (sticky || (mant & 1)))) mant++;
                exp += shift;
            }
            m = cj_scale2((double)mant, exp);
            *out = neg ? -m : m;
        }
        return s;
    }
    if (cj_isdigit(*s) || (*s == '.' && cj_isdigit(s[1]))) {
        const char *q = s;
        char *end;
        double v;
        while (cj_isdigit(*q)) q++;
        if (*q == '.') {
            q++;
            while (cj_isdigit(*q)) q++;
        }
        if ((*q | 0x20) == 'e') {
            const char *r = q + 1;
            if (*r == '+' || *r == '-') r++;
            if (cj_isdigit(*r)) {
                while (cj_isdigit(*r)) r++;
                q = r;
            }
        }
        v = strtod(s, &end);
        (void)end;
        *out = neg ? -v : v;
        return q;
    }
    *out = 0;
    return p;
}

/* Whether the number at p is one strict JSON refuses (leading '+', hex, leading zeros, inf, nan). */
static int cj_invalid_number(const char *p) {
    if (*p == '+') return 1;
    if (*p == '-') p++;
    if (*p == '0') {
        int c = (unsigned char)p[1];
        return (c | 0x20) == 'x' || cj_isdigit(c);
    }
    if ((unsigned char)*p <= '9') return 0;
    return cj_prefix_ci(p, "inf") || cj_prefix_ci(p, "nan");
}

static void cj_tok_error(cj_dec *d, cj_tok *t, const char *what) {
    t->kind = TK_ERROR;
    t->index = (size_t)(d->p - d->data);
    t->err = what;
}

static void cj_number_token(cj_dec *d, cj_tok *t) {
    const char *end = cj_strtod(d->p, &t->number);
    t->kind = TK_NUMBER;
    if (end == d->p)
        cj_tok_error(d, t, "invalid number");
    else
        d->p = end;
}

/* Appends the UTF-8 form of the \uXXXX escape (or surrogate pair) at d->p; 0 when invalid. */
static int cj_unicode_escape(cj_dec *d) {
    const char *p = d->p;
    int cp = 0, lo = 0, i, n;
    size_t used = 6;
    unsigned char out[4];
    for (i = 2; i < 6; i++) {
        int v = cj_hexval((unsigned char)p[i]);
        if (v < 0) return 0;
        cp = cp << 4 | v;
    }
    if ((cp & 0xF800) == 0xD800) {
        if (cp & 0x400) return 0; /* a low surrogate first */
        if (p[6] != '\\' || p[7] != 'u') return 0;
        for (i = 8; i < 12; i++) {
            int v = cj_hexval((unsigned char)p[i]);
            if (v < 0) return 0;
            lo = lo << 4 | v;
        }
        if ((lo & 0xFC00) != 0xDC00) return 0;
        cp = (((cp & 0x3FF) << 10) | (lo & 0x3FF)) + 0x10000;
        used = 12;
    }
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | (cp >> 6));
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (cp >> 12));
        out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (unsigned char)(0xF0 | (cp >> 18));
        out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    memcpy(d->s.a.p + d->s.a.len, out, (size_t)n);
    d->s.a.len += (size_t)n;
    d->p += used;
    return 1;
}

/* d->p is on the opening quote. The buffer can hold the whole input, so no bound checks are needed. */
static void cj_string_token(cj_dec *d, cj_tok *t) {
    d->p++;
    d->s.a.len = 0;
    for (;;) {
        char c = *d->p;
        if (c == '"') break;
        if (c == 0) {
            cj_tok_error(d, t, "unexpected end of string");
            return;
        }
        if (c == '\\') {
            switch (d->p[1]) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 't': c = '\t'; break;
            case 'n': c = '\n'; break;
            case 'f': c = '\f'; break;
            case 'r': c = '\r'; break;
            case 'u':
                if (!cj_unicode_escape(d)) {
                    cj_tok_error(d, t, "invalid unicode escape code");
                    return;
                }
                continue;
            default: cj_tok_error(d, t, "invalid escape code"); return;
            }
            d->p++;
        }
        d->s.a.p[d->s.a.len++] = c;
        d->p++;
    }
    d->p++;
    t->kind = TK_STRING;
    t->str_len = d->s.a.len;
}

static cj_tok_kind cj_char_kind(unsigned char c) {
    switch (c) {
    case '{': return TK_OBJ_BEGIN;
    case '}': return TK_OBJ_END;
    case '[': return TK_ARR_BEGIN;
    case ']': return TK_ARR_END;
    case ',': return TK_COMMA;
    case ':': return TK_COLON;
    case 0: return TK_END;
    case ' ':
    case '\t':
    case '\n':
    case '\r': return TK_WHITESPACE;
    case 'f':
    case 'i':
    case 'I':
    case 'n':
    case 'N':
    case 't':
    case '"':
    case '+':
    case '-': return TK_UNKNOWN;
    default: return cj_isdigit(c) ? TK_UNKNOWN : TK_ERROR;
    }
}

static void cj_next(cj_dec *d, cj_tok *t) {
    unsigned char c;
    for (;;) {
        c = (unsigned char)*d->p;
        t->kind = cj_char_kind(c);
        if (t->kind != TK_WHITESPACE) break;
        d->p++;
    }
    t->index = (size_t)(d->p - d->data);
    if (t->kind == TK_ERROR) {
        cj_tok_error(d, t, "invalid token");
        return;
    }
    if (t->kind == TK_END) return;
    if (t->kind != TK_UNKNOWN) {
        d->p++;
        return;
    }
    if (c == '"') {
        cj_string_token(d, t);
    } else if (c == '-' || cj_isdigit(c)) {
        if (!d->cfg->decode_invalid_numbers && cj_invalid_number(d->p))
            cj_tok_error(d, t, "invalid number");
        else
            cj_number_token(d, t);
    } else if (!strncmp(d->p, "true", 4)) {
        t->kind = TK_BOOLEAN;
        t->boolean = 1;
        d->p += 4;
    } else if (!strncmp(d->p, "false", 5)) {
        t->kind = TK_BOOLEAN;
        t->boolean = 0;
        d->p += 5;
    } else if (!strncmp(d->p, "null", 4)) {
        t->kind = TK_NULL;
        d->p += 4;
    } else if (d->cfg->decode_invalid_numbers && cj_invalid_number(d->p)) {
        cj_number_token(d, t);
    } else {
        cj_tok_error(d, t, "invalid token");
    }
}

static void cj_dec_release(cj_dec *d) {
    rl_scratch_give_back(&d->cfg->scratch, &d->s);
}

/* Before raising: the scratch goes back and the stack is emptied (room for the message). */
static void cj_dec_abort(cj_dec *d) {
    cj_dec_release(d);
    lua_settop(d->L, 0);
}

static void cj_syntax_error(cj_dec *d, const char *expected, cj_tok *t) {
    const char *found = t->kind == TK_ERROR ? t->err : cj_tok_names[t->kind];
    int at = (int)(t->index + 1);
    cj_dec_abort(d);
    luaL_error(d->L, "Expected %s but found %s at character %d", expected, found, at);
}

static void cj_descend(cj_dec *d, int slots) {
    d->depth++;
    if (d->depth <= d->cfg->decode_max_depth && lua_checkstack(d->L, slots)) return;
    cj_dec_abort(d);
    luaL_error(d->L, "Found too many nested data structures (%d) at character %d", d->depth,
               (int)(d->p - d->data));
}

/* An open container: objects have 0 in `index`, arrays the position of the element being read. */
static int *cj_dec_push_frame(cj_dec *d, int index) {
    int *f;
    if (!rl_buf_reserve(&d->s.b, sizeof(int))) {
        cj_dec_abort(d);
        luaL_error(d->L, "not enough memory");
    }
    f = (int *)(d->s.b.p + d->s.b.len);
    d->s.b.len += sizeof(int);
    *f = index;
    return f;
}

/* Parses the value starting with token `t` and pushes it. Containers are handled with an explicit frame stack
 * (no C recursion), with the same Lua stack use, checks and errors, in the same order, as CJSON's recursive
 * descent. */
static void cj_value(cj_dec *d, cj_tok *t) {
    lua_State *L = d->L;
    for (;;) {
        switch (t->kind) {
        case TK_STRING: lua_pushlstring(L, d->s.a.p, t->str_len); goto complete;
        case TK_NUMBER: lua_pushnumber(L, t->number); goto complete;
        case TK_BOOLEAN: lua_pushboolean(L, t->boolean); goto complete;
        case TK_NULL: lua_pushlightuserdata(L, NULL); goto complete;
        case TK_OBJ_BEGIN:
            cj_descend(d, 3);
            lua_newtable(L);
            cj_next(d, t);
            if (t->kind == TK_OBJ_END) {
                d->depth--;
                goto complete;
            }
            cj_dec_push_frame(d, 0);
            goto object_key;
        case TK_ARR_BEGIN:
            cj_descend(d, 2);
            lua_newtable(L);
            cj_next(d, t);
            if (t->kind == TK_ARR_END) {
                d->depth--;
                goto complete;
            }
            cj_dec_push_frame(d, 1);
            continue;
        default: cj_syntax_error(d, "value", t);
        }
    object_key:
        if (t->kind != TK_STRING) cj_syntax_error(d, "object key string", t);
        lua_pushlstring(L, d->s.a.p, t->str_len);
        cj_next(d, t);
        if (t->kind != TK_COLON) cj_syntax_error(d, "colon", t);
        cj_next(d, t);
        continue;
    complete:
        /* a value was pushed: store it in the innermost open container, which then continues or closes */
        for (;;) {
            int *f;
            if (d->s.b.len == 0) return;
            f = (int *)(d->s.b.p + d->s.b.len) - 1;
            if (*f == 0) {
                lua_rawset(L, -3);
                cj_next(d, t);
                if (t->kind != TK_OBJ_END) {
                    if (t->kind != TK_COMMA) cj_syntax_error(d, "comma or object end", t);
                    cj_next(d, t);
                    goto object_key;
                }
            } else {
                lua_rawseti(L, -2, *f);
                cj_next(d, t);
                if (t->kind != TK_ARR_END) {
                    if (t->kind != TK_COMMA) cj_syntax_error(d, "comma or array end", t);
                    cj_next(d, t);
                    (*f)++;
                    break; /* parse the next element */
                }
            }
            d->s.b.len -= sizeof(int);
            d->depth--;
        }
    }
}

static int cj_decode(lua_State *L) {
    cj_dec d;
    cj_tok t;
    size_t len;
    luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
    d.L = L;
    d.cfg = cj_config_of(L);
    d.data = luaL_checklstring(L, 1, &len);
    d.p = d.data;
    d.depth = 0;
    if (len >= 2 && (!d.data[0] || !d.data[1])) luaL_error(L, "JSON parser does not support UTF-16 or UTF-32");
    rl_scratch_take(&d.cfg->scratch, &d.s);
    if (!rl_buf_reserve(&d.s.a, len + 1)) {
        cj_dec_abort(&d);
        luaL_error(L, "not enough memory");
    }
    cj_next(&d, &t);
    cj_value(&d, &t);
    cj_next(&d, &t);
    if (t.kind != TK_END) cj_syntax_error(&d, "the end", &t);
    cj_dec_release(&d);
    return 1;
}

/* ===== Module ===== */

static int cj_new(lua_State *L);

static const luaL_Reg cj_funcs[] = {{"encode", cj_encode},
                                    {"decode", cj_decode},
                                    {"encode_sparse_array", cj_cfg_encode_sparse_array},
                                    {"encode_max_depth", cj_cfg_encode_max_depth},
                                    {"decode_max_depth", cj_cfg_decode_max_depth},
                                    {"encode_number_precision", cj_cfg_encode_number_precision},
                                    {"encode_keep_buffer", cj_cfg_encode_keep_buffer},
                                    {"encode_invalid_numbers", cj_cfg_encode_invalid_numbers},
                                    {"decode_invalid_numbers", cj_cfg_decode_invalid_numbers},
                                    {"new", cj_new},
                                    {NULL, NULL}};

/* Pushes a new cjson module table with its own configuration (cjson.new()). */
static int cj_new(lua_State *L) {
    const luaL_Reg *r;
    cj_config *cfg;
    lua_newtable(L);
    cfg = (cj_config *)rl_scratch_new(L, sizeof(cj_config));
    cfg->sparse_convert = 0;
    cfg->sparse_ratio = 2;
    cfg->sparse_safe = 10;
    cfg->encode_max_depth = CJ_DEFAULT_MAX_DEPTH;
    cfg->decode_max_depth = CJ_DEFAULT_MAX_DEPTH;
    cfg->encode_invalid_numbers = 0;
    cfg->decode_invalid_numbers = 1;
    cfg->encode_keep_buffer = 1;
    cfg->encode_number_precision = 14;
    for (r = cj_funcs; r->name; r++) {
        lua_pushvalue(L, -1);
        lua_pushcclosure(L, r->func, 1);
        lua_setfield(L, -3, r->name);
    }
    lua_pop(L, 1);
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_pushliteral(L, "cjson");
    lua_setfield(L, -2, "_NAME");
    lua_pushliteral(L, "2.1.0");
    lua_setfield(L, -2, "_VERSION");
    return 1;
}

/* Opens the library: the module table is returned and set as the global `cjson`. */
int cinder_luaopen_cjson(lua_State *L) {
    cj_new(L);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "cjson");
    return 1;
}
