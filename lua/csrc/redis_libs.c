/* Redis's extra Lua libraries (cjson, cmsgpack, struct, bit), written for Cinder against the Lua 5.1 C API
 * (csrc/redis_libs/). cinder_open_redis_libs registers them as globals, as Redis's luaLoadLibraries does:
 * each opener is called with the library name as its argument and sets its own global. */
#include "lua.h"
#include "lauxlib.h"

int cinder_luaopen_cjson(lua_State *L);
int cinder_luaopen_struct(lua_State *L);
int cinder_luaopen_cmsgpack(lua_State *L);
int cinder_luaopen_bit(lua_State *L);

static void load_lib(lua_State *L, const char *name, lua_CFunction open) {
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
}

void cinder_open_redis_libs(lua_State *L) {
    load_lib(L, "cjson", cinder_luaopen_cjson);
    load_lib(L, "struct", cinder_luaopen_struct);
    load_lib(L, "cmsgpack", cinder_luaopen_cmsgpack);
    load_lib(L, "bit", cinder_luaopen_bit);
}
