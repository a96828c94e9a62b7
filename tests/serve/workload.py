# redis-py workload for tests/serve/clients.test.mjs: prints its observations as JSON.
import json
import sys
import threading

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
out = []
out.append(r.ping())
out.append(r.set("s", "v", ex=100))
out.append(r.get("s"))
out.append(r.ttl("s") >= 99)
out.append(r.incrby("n", 5))
out.append(r.hset("h", mapping={"a": "1", "b": "2"}))
out.append(sorted(r.hgetall("h").items()))
out.append(r.zadd("z", {"x": 1.5, "y": 2}))
out.append(r.zrange("z", 0, -1, withscores=True))
out.append(r.rpush("l", "a", "b", "c"))
out.append(r.lrange("l", 0, -1))
p = r.pipeline(transaction=True)
p.incr("n").get("n").sadd("set", "m1", "m2").smembers("set")
res = p.execute()
res[3] = sorted(res[3])
out.append(res)
try:
    r.lpush("s", "x")
except redis.ResponseError as e:
    out.append(str(e))
out.append(sorted(r.scan_iter(match="*")))
out.append(r.eval("return redis.call('GET', KEYS[1])", 1, "s"))

# Pub/sub across connections, and a blocking pop served by another connection.
ps = r.pubsub()
ps.subscribe("ch")
out.append(ps.get_message(timeout=1))
r.publish("ch", "hello")
out.append(ps.get_message(timeout=1))
ps.close()
t = threading.Timer(0.1, lambda: redis.Redis(host="127.0.0.1", port=port).rpush("q", "job"))
t.start()
out.append(r.blpop("q", timeout=5))
out.append(r.blpop("empty", timeout=0.1))
out.append(r.execute_command("CLIENT", "SETNAME", "py"))
out.append(r.client_getname())
print(json.dumps(out))
