// A keyspace with every type and encoding, TTLs, several databases and a stream with
// consumer groups, for the snapshot tests. Works on a Cinder instance or a RESP client.
export const COMMANDS = (() => {
  const c = [];
  const big = (n, f) => Array.from({ length: n }, (_, i) => f(i));
  c.push(['SET', 'str:int', '12345'], ['SET', 'str:emb', 'hello'], ['SET', 'str:raw', 'x'.repeat(200)]);
  c.push(['SET', 'str:bin', Buffer.from([0, 1, 2, 255, 254])], ['SET', 'str:ttl', 'v', 'PXAT', String(Date.now() + 3_600_000)]);
  c.push(['RPUSH', 'list:lp', 'a', 'b', '1', '2']);
  c.push(['RPUSH', 'list:ql', ...big(300, (i) => `item-${i}-${'y'.repeat(i % 40)}`)]);
  c.push(['SADD', 'set:int', '1', '2', '3', '-5']);
  c.push(['SADD', 'set:lp', 'a', 'b', 'c']);
  c.push(['SADD', 'set:ht', ...big(200, (i) => `m${i}`)]);
  c.push(['ZADD', 'zset:lp', '1', 'a', '2.5', 'b', '-3', 'c']);
  c.push(['ZADD', 'zset:sl', ...big(200, (i) => [String(i / 3), `z${i}`]).flat()]);
  c.push(['HSET', 'hash:lp', 'f1', 'v1', 'f2', '2']);
  c.push(['HSET', 'hash:ht', ...big(200, (i) => [`f${i}`, `v${i}`]).flat()]);
  c.push(['HSET', 'hash:ttl', 'f', 'v'], ['PEXPIREAT', 'hash:ttl', String(Date.now() + 7_200_000)]);
  for (let i = 1; i <= 5; i++) c.push(['XADD', 'stream', `${i}-0`, 'field', `value${i}`]);
  c.push(['XGROUP', 'CREATE', 'stream', 'g1', '0'], ['XGROUP', 'CREATE', 'stream', 'g2', '$']);
  c.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'stream', '>']);
  c.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '1', 'STREAMS', 'stream', '>']);
  c.push(['XACK', 'stream', 'g1', '1-0'], ['XDEL', 'stream', '4-0']);
  c.push(['SELECT', '3'], ['SET', 'in3', 'three'], ['LPUSH', 'l3', 'x'], ['SELECT', '0']);
  // Every other database holds a key too (all 16 used).
  for (let d = 1; d < 16; d++) if (d !== 3) c.push(['SELECT', String(d)], ['HSET', `db${d}`, 'n', String(d)]);
  c.push(['SELECT', '0']);
  return c;
})();

export const KEYS = { 0: ['str:int', 'str:emb', 'str:raw', 'str:bin', 'str:ttl', 'list:lp', 'list:ql', 'set:int', 'set:lp', 'set:ht',
  'zset:lp', 'zset:sl', 'hash:lp', 'hash:ht', 'hash:ttl', 'stream'], 3: ['in3', 'l3'],
  ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => i + 1).filter((d) => d !== 3).map((d) => [d, [`db${d}`]])) };
