//! RDB type bytes and opcodes (rdb.h, Redis 7.0).

/// `RDB_TYPE_STRING`.
pub const TYPE_STRING: u8 = 0;
/// `RDB_TYPE_LIST` (linked list of strings, pre-3.2).
pub const TYPE_LIST: u8 = 1;
/// `RDB_TYPE_SET`.
pub const TYPE_SET: u8 = 2;
/// `RDB_TYPE_ZSET` (scores as text).
pub const TYPE_ZSET: u8 = 3;
/// `RDB_TYPE_HASH`.
pub const TYPE_HASH: u8 = 4;
/// `RDB_TYPE_ZSET_2` (binary scores).
pub const TYPE_ZSET_2: u8 = 5;
/// `RDB_TYPE_MODULE`.
pub const TYPE_MODULE: u8 = 6;
/// `RDB_TYPE_MODULE_2`.
pub const TYPE_MODULE_2: u8 = 7;
/// `RDB_TYPE_HASH_ZIPMAP`.
pub const TYPE_HASH_ZIPMAP: u8 = 9;
/// `RDB_TYPE_LIST_ZIPLIST`.
pub const TYPE_LIST_ZIPLIST: u8 = 10;
/// `RDB_TYPE_SET_INTSET`.
pub const TYPE_SET_INTSET: u8 = 11;
/// `RDB_TYPE_ZSET_ZIPLIST`.
pub const TYPE_ZSET_ZIPLIST: u8 = 12;
/// `RDB_TYPE_HASH_ZIPLIST`.
pub const TYPE_HASH_ZIPLIST: u8 = 13;
/// `RDB_TYPE_LIST_QUICKLIST` (ziplist nodes).
pub const TYPE_LIST_QUICKLIST: u8 = 14;
/// `RDB_TYPE_STREAM_LISTPACKS`.
pub const TYPE_STREAM_LISTPACKS: u8 = 15;
/// `RDB_TYPE_HASH_LISTPACK`.
pub const TYPE_HASH_LISTPACK: u8 = 16;
/// `RDB_TYPE_ZSET_LISTPACK`.
pub const TYPE_ZSET_LISTPACK: u8 = 17;
/// `RDB_TYPE_LIST_QUICKLIST_2` (listpack nodes with a container type).
pub const TYPE_LIST_QUICKLIST_2: u8 = 18;
/// `RDB_TYPE_STREAM_LISTPACKS_2`.
pub const TYPE_STREAM_LISTPACKS_2: u8 = 19;

/// `QUICKLIST_NODE_CONTAINER_PLAIN`: a node holding one large element as is.
pub const CONTAINER_PLAIN: u64 = 1;
/// `QUICKLIST_NODE_CONTAINER_PACKED`: a listpack node.
pub const CONTAINER_PACKED: u64 = 2;

/// `RDB_OPCODE_FUNCTION2`.
pub const OP_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION` (7.0 release candidates).
pub const OP_FUNCTION: u8 = 246;
/// `RDB_OPCODE_MODULE_AUX`.
pub const OP_MODULE_AUX: u8 = 247;
/// `RDB_OPCODE_IDLE`.
pub const OP_IDLE: u8 = 248;
/// `RDB_OPCODE_FREQ`.
pub const OP_FREQ: u8 = 249;
/// `RDB_OPCODE_AUX`.
pub const OP_AUX: u8 = 250;
/// `RDB_OPCODE_RESIZEDB`.
pub const OP_RESIZEDB: u8 = 251;
/// `RDB_OPCODE_EXPIRETIME_MS`.
pub const OP_EXPIRETIME_MS: u8 = 252;
/// `RDB_OPCODE_EXPIRETIME` (seconds).
pub const OP_EXPIRETIME: u8 = 253;
/// `RDB_OPCODE_SELECTDB`.
pub const OP_SELECTDB: u8 = 254;
/// `RDB_OPCODE_EOF`.
pub const OP_EOF: u8 = 255;

/// Whether `t` is a value type byte (`rdbIsObjectType`).
pub fn is_object_type(t: u8) -> bool {
    t <= 7 || (9..=19).contains(&t)
}
