#!/usr/bin/env python3
"""Dump COMMAND INFO and COMMAND DOCS of a running real Redis as JSON.

Usage: redis_snapshot.py PORT > tools/redis-7.0-commands.json

The snapshot is the reference metadata the command table is generated from
(see gen_command_table.py). It speaks RESP3 over a raw socket: no client library needed.
"""
import json
import socket
import sys


class Resp3:
    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def line(self):
        return self.f.readline()[:-2]

    def read(self):
        t = self.f.read(1)
        rest = self.line()
        if t == b"+":
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data.decode()
        if t == b"_":
            return None
        if t == b",":
            return float(rest)
        if t == b"#":
            return rest == b"t"
        if t in (b"*", b"~"):
            n = int(rest)
            items = [self.read() for _ in range(n)]
            return {"__set__": items} if t == b"~" else items
        if t == b"%":
            n = int(rest)
            out = []
            for _ in range(n):
                k = self.read()
                v = self.read()
                out.append([k, v])
            return {"__map__": out}
        raise RuntimeError("unknown type %r" % t)


def command(sock, r, *args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(out)
    return r.read()


def main():
    port = int(sys.argv[1])
    s = socket.create_connection(("127.0.0.1", port))
    r = Resp3(s)
    command(s, r, "HELLO", "3")
    info = command(s, r, "COMMAND", "INFO")
    docs = command(s, r, "COMMAND", "DOCS")
    json.dump({"info": info, "docs": docs}, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
