// A Redis client library over TLS: ioredis against cinder-server's tls-port.
//
//   NODE_PATH=/path/to/node_modules node server/tests/tls_ioredis.mjs PORT CA.crt [CLIENT.crt CLIENT.key]
//
// (ioredis comes from the root package's node_modules, or tests/bullmq/node_modules.)
// Checks SET/GET of a 1 MB value, a pipeline of 1,000 INCRs, MULTI/EXEC, and a pub/sub
// message round trip, each over its own TLS connection; exits 1 on any difference.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const Redis = require("ioredis");
const [port, ca, cert, key] = process.argv.slice(2);
const tls = { ca: readFileSync(ca), servername: "localhost" };
if (cert) {
  tls.cert = readFileSync(cert);
  tls.key = readFileSync(key);
}
const connect = () => new Redis({ host: "127.0.0.1", port: Number(port), tls, maxRetriesPerRequest: 1 });

const db = connect();
assert.equal(await db.ping(), "PONG");
const big = "v".repeat(1 << 20);
assert.equal(await db.set("tls:big", big), "OK");
assert.equal(await db.get("tls:big"), big);
await db.del("tls:n");
const p = db.pipeline();
for (let i = 0; i < 1000; i++) p.incr("tls:n");
const res = await p.exec();
assert.equal(res.length, 1000);
assert.deepEqual(res[999], [null, 1000]);
assert.deepEqual(await db.multi().set("tls:a", "1").incr("tls:a").exec(), [[null, "OK"], [null, 2]]);

const sub = connect();
const got = new Promise((resolve) => sub.on("message", (ch, msg) => resolve([ch, msg])));
await sub.subscribe("tls:ch");
assert.equal(await db.publish("tls:ch", "hello"), 1);
assert.deepEqual(await got, ["tls:ch", "hello"]);
await sub.quit();
await db.quit();
console.log("ioredis over TLS: 5 checks passed, 0 failed");
