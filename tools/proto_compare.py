#!/usr/bin/env python3
"""Send the same raw bytes to a reference Redis and to cinder-server and compare, byte for
byte, what comes back before each connection closes (and whether it closes).

Usage: tools/proto_compare.py REDIS_PORT CINDER_PORT [--random N] [--seed S] [--ascii]

Both servers must run with the same client-query-buffer-limit (1mb for the limit case:
`redis-cli -p REDIS_PORT config set client-query-buffer-limit 1mb`, and
`cinder-server --client-query-buffer-limit 1mb`). Commands are unknown names (FOO) so the
replies only depend on the protocol layer and on dispatch.
"""
import random
import socket
import sys
import time


def exchange(port, chunks, wait=0.3):
    """Sends the chunks (with a short pause between them); returns (reply bytes, closed)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(wait)
    out = b""
    closed = False
    try:
        for i, c in enumerate(chunks):
            if i:
                time.sleep(0.02)
            s.sendall(c)
    except (BrokenPipeError, ConnectionResetError):
        pass
    try:
        while True:
            d = s.recv(1 << 16)
            if not d:
                closed = True
                break
            out += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    s.close()
    return out, closed


def fixed_cases():
    big = 64 * 1024
    return [
        [b"FOO\r\n"],
        [b"*1\r\n\r\n"],
        [b"*1\r\n\xff\r\n"],
        [b"*1\r\n\n\r\n"],
        [b"*1\rX$3\r\nFOO\r\n"],
        [b"*1\r\n$3\r\nFOOxx*1\r\n$3\r\nFOO\r\n"],
        [b"*0\r\n*-5\r\nFOO\r\n"],
        [b"\r\n\nFOO\n"],
        [b'FOO "a"b\r\n'],
        [b"FOO 'a\r\n"],
        [b'FOO "\\x41\\x4g\\n" \'\\\'q\'\r\n'],
        [b"*1\r\n$-1\r\n"],
        [b"*1\r\n$+1\r\n"],
        [b"*1\r\n$01\r\n"],
        [b"*1\r\n$\r\n"],
        [b"*\r\n"],
        [b"*3000000000\r\n"],
        [b"*2147483648\r\n"],
        [b"*-0\r\n"],
        [b"*12\r\n"],
        [b"*1\r\n$600000000\r\n"],
        [b"FOO\r\n*1\r\n$4\r\nPI"],
        [b"FOO\r\n*1\r\n$3\r\nF", b"OO\r\n"],
        [b"*2\r\n$3\r\nFOO\r\n$3\r\nbar\r\nFOO a b\r\n*1\r\n$3\r\nFOO\r\n"],
        [b"FOO\0\r\n"],
        [b"*1\0\r\n$3\r\nFOO\r\n"],
        [b"*1\r\n$3\r\nF\0O\r\n"],
        [b"*1" + b"1" * (big + 10)],
        [b"*1\r\n$" + b"1" * (big + 10)],
        [b"FOO " + b"a" * (big + 10)],
        [b"FOO " + b"a" * 1000, b"a" * (big + 10)],
        [b"FOO\r\n" * 1000],
        [b"*2\r\n$3\r\nFOO\r\n$2000000\r\n" + b"x" * 1100000, b"x" * 200],
        [b"FOO\r\nQUIT\r\nFOO\r\n"],
    ]


def random_case(rng, top):
    """A command stream with a few random mutations; argument bytes are below `top`."""
    parts = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.3:
            words = [b"FOO"] + [bytes(rng.choice(b"ab\"' \\x0") for _ in range(rng.randint(0, 5))) for _ in range(2)]
            parts.append(b" ".join(words) + rng.choice([b"\r\n", b"\n"]))
        else:
            args = [b"FOO"] + [bytes(rng.randrange(top) for _ in range(rng.randint(0, 6))) for _ in range(rng.randint(0, 3))]
            s = b"*%d\r\n" % len(args)
            for a in args:
                s += b"$%d\r\n%s\r\n" % (len(a), a)
            parts.append(s)
    data = bytearray(b"".join(parts))
    for _ in range(rng.randint(0, 3)):
        if not data:
            break
        i = rng.randrange(len(data))
        op = rng.randrange(3)
        if op == 0:
            data[i] = rng.choice(b"*$\r\n-0123456789\"'\\ x")
        elif op == 1:
            del data[i]
        else:
            data.insert(i, rng.randrange(top))
    data = bytes(data)
    cut = rng.randint(0, len(data))
    return [data[:cut], data[cut:]] if 0 < cut < len(data) else [data]


def main():
    redis_port, cinder_port = int(sys.argv[1]), int(sys.argv[2])
    n_random = int(sys.argv[sys.argv.index("--random") + 1]) if "--random" in sys.argv else 0
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    rng = random.Random(seed)
    # --ascii: keep random bytes below 0x80 (error texts that echo arguments are then
    # comparable even where a layer above the protocol is not binary-safe yet).
    top = 128 if "--ascii" in sys.argv else 256
    cases = [(c, 0.3) for c in fixed_cases()] + [(random_case(rng, top), 0.1) for _ in range(n_random)]
    failures = 0
    for i, (chunks, wait) in enumerate(cases):
        a = exchange(redis_port, chunks, wait)
        b = exchange(cinder_port, chunks, wait)
        if a != b:
            failures += 1
            print("DIFF case %d: %r" % (i, b"".join(chunks)[:200]))
            print("   redis : %r" % (a,))
            print("   cinder: %r" % (b,))
    print("%d passed, %d failed" % (len(cases) - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
