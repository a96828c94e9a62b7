#!/usr/bin/env python3
"""Fills the `want:` lines of redis_libs_cases.txt from a real redis-server 7.0.15.

Usage: python3 lua/tests/gen_redis_libs_expected.py [port]   (default 6410; start one with
`redis-server --port 6410 --save '' --appendonly no`). Each `case:` line is a Lua chunk body; it runs inside
redis_libs_prelude.lua (which pcalls it and renders the results as one line) through EVAL, and the reply
becomes the next `want:` line (after SCRIPT FLUSH, which gives Redis a fresh interpreter). The test `redis_libs` compares Cinder's libraries against these lines.
"""
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def resp_command(sock, args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)


def read_line(f):
    line = f.readline()
    return line[:-2]


def read_reply(f):
    line = read_line(f)
    kind, rest = line[:1], line[1:]
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data
    if kind == b"-":
        return b"REDIS-ERROR " + rest
    if kind == b"+" or kind == b":":
        return rest
    raise RuntimeError("unexpected reply %r" % line)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 6410
    prelude = open(os.path.join(HERE, "redis_libs_prelude.lua")).read()
    path = os.path.join(HERE, "redis_libs_cases.txt")
    lines = open(path, encoding="utf-8").read().split("\n")
    sock = socket.create_connection(("127.0.0.1", port))
    f = sock.makefile("rb")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("case: "):
            body = line[len("case: "):]
            # A fresh interpreter per case (cjson's configuration outlives a script).
            resp_command(sock, ["SCRIPT", "FLUSH"])
            read_reply(f)
            resp_command(sock, ["EVAL", prelude.replace("--[[CASE]]", body), "0"])
            reply = read_reply(f)
            out.append(line)
            out.append("want: " + reply.decode("latin-1"))
            if i + 1 < len(lines) and lines[i + 1].startswith("want: "):
                i += 1
        else:
            out.append(line)
        i += 1
    open(path, "w", encoding="utf-8").write("\n".join(out))


if __name__ == "__main__":
    main()
