/* `bit`: 32-bit bitwise operations with the semantics of LuaBitOp 1.0.2 as bundled by Redis 7.0 (written for
 * Cinder). Arguments are numbers taken modulo 2^32 (rounded to the nearest integer the way adding 2^52+2^51 to
 * a double does), results are signed 32-bit numbers. */
#include "rl_common.h"

typedef uint32_t ubits;

/* Argument `idx` as 32 bits: the low word of (n + 2^52 + 2^51). A non-number (other than a numeric string)
 * is "number expected". */
static ubits bit_arg(lua_State *L, int idx) {
    double n = lua_tonumber(L, idx) + 6755399441055744.0;
    uint64_t bits;
    ubits b;
    memcpy(&bits, &n, sizeof(bits));
    b = (ubits)bits;
    if (b == 0 && !lua_isnumber(L, idx)) luaL_typerror(L, idx, "number");
    return b;
}

static int bit_ret(lua_State *L, ubits b) {
    lua_pushnumber(L, (lua_Number)(int32_t)b);
    return 1;
}

static int bit_tobit(lua_State *L) {
    return bit_ret(L, bit_arg(L, 1));
}

static int bit_bnot(lua_State *L) {
    return bit_ret(L, ~bit_arg(L, 1));
}

/* band/bor/bxor fold the arguments from the last to the second into the first, as LuaBitOp does (so a bad
 * argument is reported for the highest position first). */
static int bit_fold(lua_State *L, int op) {
    ubits b = bit_arg(L, 1);
    int i;
    for (i = lua_gettop(L); i > 1; i--) {
        ubits v = bit_arg(L, i);
        if (op == 0)
            b &= v;
        else if (op == 1)
            b |= v;
        else
            b ^= v;
    }
    return bit_ret(L, b);
}

static int bit_band(lua_State *L) {
    return bit_fold(L, 0);
}
static int bit_bor(lua_State *L) {
    return bit_fold(L, 1);
}
static int bit_bxor(lua_State *L) {
    return bit_fold(L, 2);
}

static int bit_shift(lua_State *L, int kind) {
    ubits b = bit_arg(L, 1);
    unsigned n = bit_arg(L, 2) & 31;
    switch (kind) {
    case 0: b <<= n; break;
    case 1: b >>= n; break;
    case 2: b = (ubits)(n ? (int32_t)b >> n : (int32_t)b); break;
    case 3: b = n ? (b << n) | (b >> (32 - n)) : b; break;
    default: b = n ? (b >> n) | (b << (32 - n)) : b; break;
    }
    return bit_ret(L, b);
}

static int bit_lshift(lua_State *L) {
    return bit_shift(L, 0);
}
static int bit_rshift(lua_State *L) {
    return bit_shift(L, 1);
}
static int bit_arshift(lua_State *L) {
    return bit_shift(L, 2);
}
static int bit_rol(lua_State *L) {
    return bit_shift(L, 3);
}
static int bit_ror(lua_State *L) {
    return bit_shift(L, 4);
}

static int bit_bswap(lua_State *L) {
    ubits b = bit_arg(L, 1);
    b = (b >> 24) | ((b >> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24);
    return bit_ret(L, b);
}

/* tohex(x [, n]): the low |n| hex digits (8 by default, at most 8), upper case when n < 0. */
static int bit_tohex(lua_State *L) {
    ubits b = bit_arg(L, 1);
    int32_t n = lua_isnone(L, 2) ? 8 : (int32_t)bit_arg(L, 2);
    const char *digits = "0123456789abcdef";
    char buf[8];
    int i;
    if (n < 0) {
        /* -(-2^31) overflows; Redis's build treats it as large (8 upper-case digits) */
        n = n == INT32_MIN ? 8 : -n;
        digits = "0123456789ABCDEF";
    }
    if (n > 8) n = 8;
    for (i = n; --i >= 0;) {
        buf[i] = digits[b & 15];
        b >>= 4;
    }
    lua_pushlstring(L, buf, (size_t)n);
    return 1;
}

static const luaL_Reg bit_funcs[] = {{"tobit", bit_tobit},   {"bnot", bit_bnot},       {"band", bit_band},
                                     {"bor", bit_bor},       {"bxor", bit_bxor},       {"lshift", bit_lshift},
                                     {"rshift", bit_rshift}, {"arshift", bit_arshift}, {"rol", bit_rol},
                                     {"ror", bit_ror},       {"bswap", bit_bswap},     {"tohex", bit_tohex},
                                     {NULL, NULL}};

/* Opens the library: the table is returned and registered as the global `bit` (luaL_register). */
int cinder_luaopen_bit(lua_State *L) {
    luaL_register(L, "bit", bit_funcs);
    return 1;
}
