#!/usr/bin/env python3
"""Differential check of cinder-lua against a real redis-server 7.0.15 (manual, not part of `cargo test`).

Usage: redis-server --port 7311 --save '' & ; cargo build -p cinder-lua --example eval_resp ;
       python3 lua/tests/diff/diff_redis.py lua/tests/diff/scripts.txt $CARGO_TARGET_DIR/debug/examples/eval_resp
Each line of scripts.txt is one EVAL body (`\\n` for a newline), run with KEYS={k1} ARGV={a1,2} on both sides; the
replies are compared byte for byte. math.random lines match only against a fresh server (its PRNG is global).
"""
import socket, subprocess, sys, time
scripts = [l.rstrip("\n") for l in open(sys.argv[1]) if l.strip()]
def redis(script):
    s = socket.create_connection(("127.0.0.1", 7311))
    args = [b"EVAL", script.replace("\\n", "\n").encode(), b"1", b"k1", b"a1", b"2"]
    req = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)
    s.sendall(req); time.sleep(0.05); s.settimeout(0.3)
    d = b""
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            d += c
    except socket.timeout: pass
    s.close(); return d
p = subprocess.run([sys.argv[2]], input="\n".join(scripts) + "\n", capture_output=True, text=True)
ours = [bytes.fromhex(h) for h in p.stdout.split()]
bad = 0
for sc, o in zip(scripts, ours):
    r = redis(sc)
    if r != o:
        bad += 1
        print("DIFF:", sc, "\n  redis:", r[:300], "\n  ours: ", o[:300])
print(len(scripts), "scripts,", bad, "differ")
