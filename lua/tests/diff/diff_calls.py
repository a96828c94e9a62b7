#!/usr/bin/env python3
"""Differential check of redis.call conversions (RESP2 and RESP3) against a real redis-server 7.0.15 (manual).

For each script of calls.txt: FLUSHALL and a small fixture, EVAL on the real server; FLUSHALL and the fixture again,
then the same script through cinder-lua (the eval_resp example with REDIS_PORT, whose redis.call forwards each
command to the real server over a RESP2 or RESP3 connection); the replies are compared byte for byte.
Usage: python3 lua/tests/diff/diff_calls.py lua/tests/diff/calls.txt $CARGO_TARGET_DIR/debug/examples/eval_resp 7311
"""
import os, socket, subprocess, sys, time

scripts = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
binary, port = sys.argv[2], int(sys.argv[3])

def cmd(s, *args):
    args = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    s.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    time.sleep(0.02)
    s.settimeout(0.3)
    d = b""
    try:
        while True:
            c = s.recv(1 << 20)
            if not c:
                break
            d += c
            if len(c) < (1 << 20):
                s.settimeout(0.05)
    except socket.timeout:
        pass
    return d

def fixture(s):
    cmd(s, "FLUSHALL")
    cmd(s, "HSET", "h", "f1", "v1", "f2", "2")
    cmd(s, "SADD", "s", "a")
    cmd(s, "SET", "str", "hello")
    cmd(s, "ZADD", "z", "1.5", "m1", "2", "m2")
    cmd(s, "RPUSH", "l", "x", "y")

bad = 0
for sc in scripts:
    s = socket.create_connection(("127.0.0.1", port))
    fixture(s)
    r = cmd(s, "EVAL", sc.replace("\\n", "\n"), "1", "k1", "a1", "2")
    fixture(s)
    s.close()
    p = subprocess.run([binary], input=sc + "\n", capture_output=True, text=True, env={**os.environ, "REDIS_PORT": str(port)})
    o = bytes.fromhex(p.stdout.strip() or "")
    if r != o:
        bad += 1
        print("DIFF:", sc, "\n  redis:", r[:300], "\n  ours: ", o[:300], p.stderr[-300:])
print(len(scripts), "scripts,", bad, "differ")
