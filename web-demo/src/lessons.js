/**
 * The guided lessons: each a few short steps with "try this" commands (a click runs them
 * in the console) and a check of the step's goal state, read from the engine through the
 * panel connection (`q(...args)` returns plain JS; errors come back as `{ error }`).
 * `needs` lists commands a lesson cannot work without: the lesson says so when the
 * engine lacks them.
 */

const num = (v) => Number(v);
const info = (q, section, field) => {
  const m = new RegExp(`^${field}:(.*)$`, 'm').exec(String(q('INFO', section)));
  return m ? m[1].trim() : null;
};

export const LESSONS = [
  {
    id: 'strings',
    title: 'Strings and counters',
    steps: [
      {
        text: 'Every key holds a value. The simplest is a string: store one, then read it back.',
        try: ['SET greeting "hello world"', 'GET greeting'],
        goal: 'greeting holds "hello world"',
        check: (q) => q('GET', 'greeting') === 'hello world',
      },
      {
        text: 'A string holding an integer is a counter: INCR adds one atomically, INCRBY any amount. A missing key counts as 0.',
        try: ['INCR page:views', 'INCRBY page:views 10', 'GET page:views'],
        goal: 'page:views is at least 11',
        check: (q) => num(q('GET', 'page:views')) >= 11,
      },
      {
        text: 'MSET and MGET set and read several keys in one round trip. A key that does not exist reads as (nil).',
        try: ['MSET color blue size XL', 'MGET color size missing'],
        goal: 'color and size are set',
        check: (q) => q('GET', 'color') === 'blue' && q('GET', 'size') === 'XL',
      },
      {
        text: 'Counters refuse what is not a number. See the error, then look at how the keys are stored (OBJECT ENCODING): "int" for small integers, "embstr" for short strings.',
        try: ['INCR greeting', 'OBJECT ENCODING page:views', 'OBJECT ENCODING greeting'],
        goal: 'page:views is stored as an int',
        check: (q) => q('OBJECT', 'ENCODING', 'page:views') === 'int',
      },
    ],
  },
  {
    id: 'expiry',
    title: 'Expiry',
    steps: [
      {
        text: 'Give a key a time to live: EX in seconds (PX in milliseconds). TTL shows what is left; watch it count down in the keyspace panel.',
        try: ['SET session:42 alice EX 30', 'TTL session:42'],
        goal: 'session:42 expires within 30 s',
        check: (q) => { const t = num(q('TTL', 'session:42')); return t > 0 && t <= 30; },
      },
      {
        text: 'Time is yours here: pause the clock, or fast-forward. Press +10s twice (or run the clock) and watch the TTL drop.',
        try: ['TTL session:42'],
        goal: 'session:42 has 10 s or less left (or is gone)',
        check: (q) => num(q('TTL', 'session:42')) <= 10,
      },
      {
        text: 'PERSIST removes the TTL; EXPIRE sets a new one. A one-time code lives for 5 seconds:',
        try: ['SET otp 493021 EX 5', 'PERSIST session:42', 'TTL session:42'],
        goal: 'session:42 has no TTL (TTL -1), otp exists',
        check: (q) => num(q('TTL', 'session:42')) === -1 && num(q('EXISTS', 'otp')) === 1,
      },
      {
        text: 'Now fast-forward past the 5 seconds (+10s). The key is removed by the active expiry cycle, without any command touching it.',
        try: ['EXISTS otp', 'TTL otp'],
        goal: 'otp has expired',
        check: (q) => num(q('EXISTS', 'otp')) === 0,
      },
    ],
  },
  {
    id: 'lists',
    title: 'Lists as queues',
    steps: [
      {
        text: 'A list is a sequence you push to and pop from at both ends. Producers RPUSH jobs at the tail:',
        try: ['RPUSH jobs resize-image send-email build-report', 'LRANGE jobs 0 -1'],
        goal: 'jobs holds 3 entries',
        check: (q) => num(q('LLEN', 'jobs')) >= 3,
      },
      {
        text: 'A worker takes the oldest job from the head: first in, first out.',
        try: ['LPOP jobs', 'LLEN jobs'],
        goal: 'resize-image was taken',
        check: (q) => !(q('LRANGE', 'jobs', 0, -1) ?? []).includes('resize-image'),
      },
      {
        text: 'A reliable worker moves the job to a "processing" list in one atomic step, so a crash cannot lose it.',
        try: ['LMOVE jobs processing LEFT RIGHT', 'LRANGE processing 0 -1'],
        goal: 'processing holds a job',
        check: (q) => num(q('LLEN', 'processing')) >= 1,
      },
      {
        text: 'Take the rest in one go (LPOP with a count). An idle worker then blocks until a job arrives: BLPOP waits up to 5 s. Let the clock run (or press +10s) to see it time out with (nil), or switch to client 2 and RPUSH a job while it waits.',
        try: ['LPOP jobs 10', 'BLPOP jobs 5'],
        goal: 'the queue is drained',
        check: (q) => num(q('LLEN', 'jobs')) === 0,
      },
    ],
  },
  {
    id: 'sets',
    title: 'Sets',
    steps: [
      {
        text: 'A set holds unique members, unordered. Adding a member twice changes nothing (SADD returns how many were new).',
        try: ['SADD tags:ada redis rust wasm', 'SADD tags:ada redis', 'SMEMBERS tags:ada'],
        goal: 'tags:ada has 3 members',
        check: (q) => num(q('SCARD', 'tags:ada')) === 3,
      },
      {
        text: 'Membership tests are O(1):',
        try: ['SISMEMBER tags:ada rust', 'SMISMEMBER tags:ada go wasm'],
        goal: 'rust is a member of tags:ada',
        check: (q) => q('SISMEMBER', 'tags:ada', 'rust') === 1,
      },
      {
        text: 'Set algebra: what two people have in common, and what only one of them has.',
        try: ['SADD tags:bob rust go redis', 'SINTER tags:ada tags:bob', 'SDIFF tags:ada tags:bob'],
        goal: 'tags:bob exists and shares 2 tags with tags:ada',
        check: (q) => num(q('SINTERCARD', 2, 'tags:ada', 'tags:bob')) === 2,
      },
      {
        text: 'Store a result as a new key. A set of small integers uses the compact "intset" encoding:',
        try: ['SINTERSTORE tags:common tags:ada tags:bob', 'SADD ids 1 2 3 5 8', 'OBJECT ENCODING ids'],
        goal: 'tags:common holds the common tags; ids is an intset',
        check: (q) => num(q('SCARD', 'tags:common')) === 2 && q('OBJECT', 'ENCODING', 'ids') === 'intset',
      },
    ],
  },
  {
    id: 'hashes',
    title: 'Hashes as objects',
    steps: [
      {
        text: 'A hash maps fields to values under one key: a natural fit for an object.',
        try: ['HSET user:1 name Ada email ada@example.com visits 0', 'HGETALL user:1'],
        goal: 'user:1 has name, email and visits',
        check: (q) => num(q('HLEN', 'user:1')) >= 3,
      },
      {
        text: 'Read or update single fields without touching the rest; counters work per field.',
        try: ['HGET user:1 name', 'HINCRBY user:1 visits 1', 'HMGET user:1 name visits nope'],
        goal: 'visits is at least 1',
        check: (q) => num(q('HGET', 'user:1', 'visits')) >= 1,
      },
      {
        text: 'HSETNX sets a field only if it is missing; HDEL removes fields.',
        try: ['HSETNX user:1 name Bob', 'HSET user:1 temp x', 'HDEL user:1 temp', 'HEXISTS user:1 temp'],
        goal: 'name is still Ada, temp is gone',
        check: (q) => q('HGET', 'user:1', 'name') === 'Ada' && num(q('HEXISTS', 'user:1', 'temp')) === 0,
      },
    ],
  },
  {
    id: 'zsets',
    title: 'Sorted sets as leaderboards',
    steps: [
      {
        text: 'A sorted set keeps members ordered by a score. Add players with their points:',
        try: ['ZADD board 120 ada 90 bob 150 cy 60 dee', 'ZRANGE board 0 -1 WITHSCORES'],
        goal: 'board has 4 players',
        check: (q) => num(q('ZCARD', 'board')) >= 4,
      },
      {
        text: 'The top three, highest first, and someone\'s rank (0 = first):',
        try: ['ZRANGE board 0 2 REV WITHSCORES', 'ZREVRANK board ada'],
        goal: 'you looked at the leaderboard',
        check: (q) => num(q('ZCARD', 'board')) >= 4,
      },
      {
        text: 'Scores change atomically: bob scores 100 points and climbs.',
        try: ['ZINCRBY board 100 bob', 'ZREVRANK board bob'],
        goal: 'bob is first',
        check: (q) => (q('ZRANGE', 'board', 0, 0, 'REV') ?? [])[0] === 'bob',
      },
      {
        text: 'Ranges by score: everyone with 100 points or more, and how many.',
        try: ['ZRANGE board 100 +inf BYSCORE WITHSCORES', 'ZCOUNT board 100 +inf'],
        goal: 'three players have 100 or more',
        check: (q) => num(q('ZCOUNT', 'board', 100, '+inf')) === 3,
      },
    ],
  },
  {
    id: 'streams',
    title: 'Streams with consumer groups',
    needs: ['xadd', 'xgroup', 'xreadgroup', 'xack', 'xpending'],
    steps: [
      {
        text: 'A stream is an append-only log of entries, each with an ID (milliseconds-sequence) and fields. Usually "*" lets the server pick the ID; here we name them (1-1, 2-1) so the next steps can refer to them.',
        try: ['XADD orders 1-1 item book qty 1', 'XADD orders 2-1 item pen qty 3', 'XRANGE orders - +'],
        goal: 'orders has 2 entries',
        check: (q) => num(q('XLEN', 'orders')) >= 2,
      },
      {
        text: 'A consumer group shares the entries among workers; "0" delivers from the start.',
        try: ['XGROUP CREATE orders shipping 0'],
        goal: 'the group "shipping" exists',
        check: (q) => (q('XINFO', 'GROUPS', 'orders') ?? []).some((g) => Array.isArray(g) && g[1] === 'shipping'),
      },
      {
        text: 'Workers read new entries (">") for the group. They stay pending until acknowledged: open "orders" in the keyspace panel to see the pending entries per consumer.',
        try: ['XREADGROUP GROUP shipping worker-1 COUNT 1 STREAMS orders >', 'XREADGROUP GROUP shipping worker-2 COUNT 1 STREAMS orders >', 'XPENDING orders shipping'],
        goal: 'two entries pending, one per worker',
        check: (q) => num((q('XPENDING', 'orders', 'shipping') ?? [])[0]) >= 2,
      },
      {
        text: 'Acknowledge the work: the entries leave the pending list.',
        try: ['XACK orders shipping 1-1 2-1', 'XPENDING orders shipping'],
        goal: 'nothing pending',
        check: (q) => num((q('XPENDING', 'orders', 'shipping') ?? [1])[0]) === 0,
      },
    ],
  },
  {
    id: 'transactions',
    title: 'Transactions',
    needs: ['multi', 'exec', 'watch'],
    steps: [
      {
        text: 'MULTI queues commands; EXEC runs them all at once, with nothing from other clients in between.',
        try: ['SET balance:ada 100', 'SET balance:bob 0', 'MULTI', 'DECRBY balance:ada 30', 'INCRBY balance:bob 30', 'EXEC'],
        goal: 'ada has 70, bob has 30',
        check: (q) => q('GET', 'balance:ada') === '70' && q('GET', 'balance:bob') === '30',
      },
      {
        text: 'DISCARD throws the queue away:',
        try: ['MULTI', 'SET balance:ada 0', 'DISCARD', 'GET balance:ada'],
        goal: 'ada still has 70',
        check: (q) => q('GET', 'balance:ada') === '70',
      },
      {
        text: 'Optimistic locking: WATCH a key, and EXEC fails with (nil) if another client changed it meanwhile. Here client 2 writes between MULTI and EXEC, so the transaction is dropped.',
        try: ['WATCH balance:ada', 'MULTI', 'INCRBY balance:ada 1', { client: 1, line: 'SET balance:ada 500' }, { client: 0, line: 'EXEC' }],
        goal: 'the transaction was aborted: balance:ada is 500',
        check: (q) => q('GET', 'balance:ada') === '500',
      },
    ],
  },
  {
    id: 'scripting',
    title: 'Lua scripts: an atomic rate limiter',
    needs: ['eval', 'evalsha', 'script', 'function', 'fcall'],
    steps: [
      {
        text: 'EVAL runs a Lua script inside the server. KEYS and ARGV hold the keys and arguments after the key count; redis.call runs a command.',
        try: ['EVAL "return \'hello from Lua\'" 0', 'EVAL "return redis.call(\'SET\', KEYS[1], ARGV[1])" 1 greeting hi', 'GET greeting'],
        goal: 'greeting was set by a script',
        check: (q) => q('GET', 'greeting') === 'hi',
      },
      {
        text: 'A rate limiter: INCR a counter per user, start its window with EXPIRE on the first hit, allow while under the limit. SCRIPT LOAD caches it and returns its SHA-1; EVALSHA runs it by that name. Allow 3 hits per 60 s: the fourth call answers 0.',
        try: [
          'SCRIPT LOAD "local n = redis.call(\'INCR\', KEYS[1]) if n == 1 then redis.call(\'EXPIRE\', KEYS[1], ARGV[2]) end if n > tonumber(ARGV[1]) then return 0 end return 1"',
          'EVALSHA 3b17113211c99a8461af5e3ef79b8493fadb73d6 1 rl:alice 3 60\nEVALSHA 3b17113211c99a8461af5e3ef79b8493fadb73d6 1 rl:alice 3 60\nEVALSHA 3b17113211c99a8461af5e3ef79b8493fadb73d6 1 rl:alice 3 60\nEVALSHA 3b17113211c99a8461af5e3ef79b8493fadb73d6 1 rl:alice 3 60',
        ],
        goal: 'alice made 4 calls; the limiter counted them',
        check: (q) => num(q('GET', 'rl:alice')) >= 4,
      },
      {
        text: 'Why a script: the INCR, the EXPIRE and the decision run as one atomic step, so two clients can never both take the last slot, and the key always gets its expiry. Its window is running:',
        try: ['TTL rl:alice', 'GET rl:alice'],
        goal: 'rl:alice expires within 60 s',
        check: (q) => { const t = num(q('TTL', 'rl:alice')); return t > 0 && t <= 60; },
      },
      {
        text: 'Functions (Redis 7) keep named scripts in the server, surviving SCRIPT FLUSH and FLUSHALL: FUNCTION LOAD a library that registers "allow", then FCALL it like a command.',
        try: [
          'FUNCTION LOAD REPLACE "#!lua name=limiter\\nredis.register_function(\'allow\', function(keys, args) local n = redis.call(\'INCR\', keys[1]) if n == 1 then redis.call(\'EXPIRE\', keys[1], args[2]) end return n <= tonumber(args[1]) and 1 or 0 end)"',
          'FCALL allow 1 rl:bob 2 60\nFCALL allow 1 rl:bob 2 60\nFCALL allow 1 rl:bob 2 60',
          'FUNCTION LIST',
        ],
        goal: 'the limiter library is loaded and bob was limited',
        check: (q) => num(q('GET', 'rl:bob')) >= 3 && Array.isArray(q('FUNCTION', 'LIST')) && q('FUNCTION', 'LIST').length >= 1,
      },
    ],
  },
  {
    id: 'pubsub',
    title: 'Pub/sub',
    needs: ['subscribe', 'publish', 'pubsub'],
    steps: [
      {
        text: 'Subscribers listen on channels. Switch the console to client 2 and subscribe:',
        try: [{ client: 1, line: 'SUBSCRIBE news' }],
        goal: 'one subscriber on "news"',
        check: (q) => num((q('PUBSUB', 'NUMSUB', 'news') ?? [])[1]) >= 1,
      },
      {
        text: 'Publish from client 1: the reply is how many subscribers received it; client 2 prints the message.',
        try: [{ client: 0, line: 'PUBLISH news "hello subscribers"' }],
        goal: 'news has a subscriber',
        check: (q) => num((q('PUBSUB', 'NUMSUB', 'news') ?? [])[1]) >= 1,
      },
      {
        text: 'Pattern subscriptions match many channels:',
        try: [{ client: 1, line: 'PSUBSCRIBE news.*' }, { client: 0, line: 'PUBLISH news.sport "goal!"' }, { client: 0, line: 'PUBSUB NUMPAT' }],
        goal: 'one pattern subscription',
        check: (q) => num(q('PUBSUB', 'NUMPAT')) >= 1,
      },
    ],
  },
  {
    id: 'eviction',
    title: 'Eviction under maxmemory',
    steps: [
      {
        text: 'When memory is full, Redis evicts keys by a policy. Start empty, fill ten 1 KB pages (SETRANGE pads with zero bytes) and check the memory used.',
        try: ['FLUSHALL', 'SETRANGE page:1 1023 x\nSETRANGE page:2 1023 x\nSETRANGE page:3 1023 x\nSETRANGE page:4 1023 x\nSETRANGE page:5 1023 x\nSETRANGE page:6 1023 x\nSETRANGE page:7 1023 x\nSETRANGE page:8 1023 x\nSETRANGE page:9 1023 x\nSETRANGE page:10 1023 x', 'INFO memory'],
        goal: 'ten pages stored',
        check: (q) => num(q('DBSIZE')) >= 10 && num(q('EXISTS', 'page:10')) === 1,
      },
      {
        text: 'allkeys-lru evicts the least recently used keys. Sample all keys for an exact LRU, then cap memory a little above what is used now.',
        try: ['CONFIG SET maxmemory-policy allkeys-lru', 'CONFIG SET maxmemory-samples 10', 'CONFIG SET maxmemory 40kb'],
        goal: 'policy allkeys-lru with a maxmemory',
        check: (q) => q('CONFIG', 'GET', 'maxmemory-policy')[1] === 'allkeys-lru' && num(q('CONFIG', 'GET', 'maxmemory')[1]) > 0,
      },
      {
        text: 'Fast-forward a few seconds (+10s), read pages 1 and 2 (they become recently used), then squeeze memory: the oldest untouched pages go.',
        try: ['GET page:1', 'GET page:2', 'CONFIG SET maxmemory 24kb', 'KEYS *', 'INFO stats'],
        goal: 'keys were evicted, pages 1 and 2 survived',
        check: (q) => num(info(q, 'stats', 'evicted_keys')) > 0 && num(q('EXISTS', 'page:1', 'page:2')) === 2,
      },
      {
        text: 'allkeys-lfu evicts the least frequently used instead (OBJECT FREQ shows the counter). Read page:3-style keys often and watch who survives:',
        try: ['CONFIG SET maxmemory 40kb', 'CONFIG SET maxmemory-policy allkeys-lfu', 'SETRANGE hot 1023 x\nGET hot\nGET hot\nGET hot\nGET hot\nGET hot', 'OBJECT FREQ hot', 'SETRANGE cold 1023 x', 'CONFIG SET maxmemory 20kb', 'KEYS *'],
        goal: 'the hot key survived under allkeys-lfu',
        check: (q) => q('CONFIG', 'GET', 'maxmemory-policy')[1] === 'allkeys-lfu' && num(q('EXISTS', 'hot')) === 1 && num(info(q, 'stats', 'evicted_keys')) > 0,
      },
      {
        text: 'volatile-ttl evicts the keys closest to expiring, and only keys with a TTL; noeviction evicts nothing and refuses writes with an OOM error instead.',
        try: ['CONFIG SET maxmemory-policy noeviction', 'SETRANGE more 1023 x', 'CONFIG SET maxmemory 0'],
        goal: 'you saw the policies; maxmemory is off again',
        check: (q) => q('CONFIG', 'GET', 'maxmemory-policy')[1] === 'noeviction' && num(q('CONFIG', 'GET', 'maxmemory')[1]) === 0,
      },
    ],
  },
  {
    id: 'bitmaps',
    title: 'A string as bits: bitmaps',
    needs: ['setbit', 'getbit', 'bitcount', 'bitpos', 'bitfield'],
    steps: [
      {
        text: 'A bitmap is a plain string seen as bits, the first bit being the high bit of the first byte. SETBIT grows the string with zero bytes as needed.',
        try: ['SETBIT seen 0 1', 'SETBIT seen 3 1', 'GETBIT seen 3', 'GET seen', 'STRLEN seen'],
        goal: 'bits 0 and 3 of seen are set: its one byte is 0x90',
        check: (q) => num(q('GETBIT', 'seen', '0')) === 1 && num(q('GETBIT', 'seen', '3')) === 1,
      },
      {
        text: 'Daily active users: one bit per user id. BITCOUNT counts the set bits, BITPOS finds the first set (or clear) one. Setting bit 20 adds two zero bytes first.',
        try: ['SETBIT seen 20 1', 'STRLEN seen', 'BITCOUNT seen', 'BITPOS seen 0', 'BITPOS seen 1 1'],
        goal: 'seen has 3 bits set',
        check: (q) => num(q('BITCOUNT', 'seen')) === 3,
      },
      {
        text: 'BITFIELD reads and writes integers of any width at any bit offset, with overflow control: the first byte read as an unsigned 8-bit integer is 144 (0x90).',
        try: ['BITFIELD seen GET u8 0', 'BITFIELD seen SET u4 4 15 GET u8 0', 'BITFIELD seen OVERFLOW SAT INCRBY u4 0 100'],
        goal: 'the first byte of seen is 0xFF',
        check: (q) => num(q('BITFIELD', 'seen', 'GET', 'u8', '0')[0]) === 255,
      },
    ],
  },
  {
    id: 'hyperloglog',
    title: 'Counting uniques with HyperLogLog',
    needs: ['pfadd', 'pfcount', 'pfdebug'],
    steps: [
      {
        text: 'A HyperLogLog estimates how many distinct items it has seen in at most 12 KB. PFADD adds items, PFCOUNT gives the estimate (duplicates do not count).',
        try: ['PFADD visitors alice bob carol alice', 'PFCOUNT visitors'],
        goal: 'visitors counts 3 distinct items',
        check: (q) => num(q('PFCOUNT', 'visitors')) === 3,
      },
      {
        text: 'It is a plain string in Redis\'s exact bytes. While small it is "sparse" (a few run-length opcodes): see PFDEBUG ENCODING, STRLEN and the opcodes.',
        try: ['PFDEBUG ENCODING visitors', 'STRLEN visitors', 'PFDEBUG DECODE visitors'],
        goal: 'visitors is sparse',
        check: (q) => q('PFDEBUG', 'ENCODING', 'visitors') === 'sparse',
      },
      {
        text: 'Past hll-sparse-max-bytes (3000 by default) it switches to the "dense" form: 16384 registers of 6 bits, 12304 bytes. Lower the limit to see the switch on the next PFADD.',
        try: ['CONFIG SET hll-sparse-max-bytes 20', 'PFADD visitors dave erin frank', 'PFDEBUG ENCODING visitors', 'STRLEN visitors'],
        goal: 'visitors is dense',
        check: (q) => q('PFDEBUG', 'ENCODING', 'visitors') === 'dense',
      },
      {
        text: 'PFMERGE unions sketches, PFCOUNT of several keys counts the union on the fly. Put the limit back afterwards.',
        try: ['PFADD other zoe alice', 'PFCOUNT visitors other', 'PFMERGE all visitors other', 'PFCOUNT all', 'CONFIG SET hll-sparse-max-bytes 3000'],
        goal: 'all counts 7 distinct items',
        check: (q) => num(q('PFCOUNT', 'all')) === 7,
      },
    ],
  },
];

/** The lesson's missing commands on this engine (empty when it can run). */
export function missingCommands(lesson, commands) {
  return (lesson.needs ?? []).filter((c) => !commands.has(c));
}
