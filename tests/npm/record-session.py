#!/usr/bin/env python3
"""Record the replies of real Redis to tests/npm/session.txt into session.fixture.js.

Each session line is split like redis-cli (sdssplitargs), sent as a multibulk command,
and its reply recorded twice: the raw RESP bytes, and the value the npm package's `call`
must return for it (in the tagged JSON form of tests/npm/session.mjs: strings, numbers,
null, arrays, {"map": [[k, v], ...]}, {"error": text}, {"int": "digits"} beyond 2^53,
{"double": "inf"|"-inf"|"nan"}). `@sleep <ms>` lines sleep for real.

Run against a fresh Redis 7.0.15 with default settings:
    redis-server --port 7114 --save '' --appendonly no --daemonize yes
    python3 tests/npm/record-session.py --port 7114
    redis-cli -p 7114 shutdown nosave
"""
import argparse
import json
import os
import socket
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def split_args(line):
    """Redis's sdssplitargs (the same rules as cinder-core's resp::split)."""
    b = line.encode()
    out, p, n = [], 0, len(b)
    at = lambda i: b[i] if i < n else 0
    hexv = lambda c: int(chr(c), 16) if chr(c) in "0123456789abcdefABCDEF" else None
    while True:
        while p < n and b[p] in b" \t\n\r\x0b\x0c":
            p += 1
        if p >= n:
            return out
        cur, dq, sq = bytearray(), False, False
        while True:
            c = at(p)
            done = False
            if dq:
                if c == 0x5C and at(p + 1) == ord("x") and hexv(at(p + 2)) is not None and hexv(at(p + 3)) is not None:
                    cur.append(hexv(at(p + 2)) * 16 + hexv(at(p + 3)))
                    p += 3
                elif c == 0x5C and at(p + 1):
                    p += 1
                    cur.append({ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("a"): 7}.get(at(p), at(p)))
                elif c == ord('"'):
                    if at(p + 1) and at(p + 1) not in b" \t\n\r\x0b\x0c":
                        raise ValueError("unbalanced quotes: " + line)
                    done = True
                elif c == 0:
                    raise ValueError("unbalanced quotes: " + line)
                else:
                    cur.append(c)
            elif sq:
                if c == 0x5C and at(p + 1) == ord("'"):
                    p += 1
                    cur.append(ord("'"))
                elif c == ord("'"):
                    if at(p + 1) and at(p + 1) not in b" \t\n\r\x0b\x0c":
                        raise ValueError("unbalanced quotes: " + line)
                    done = True
                elif c == 0:
                    raise ValueError("unbalanced quotes: " + line)
                else:
                    cur.append(c)
            else:
                if c in (0x20, 10, 13, 9, 0):
                    done = True
                elif c == ord('"'):
                    dq = True
                elif c == ord("'"):
                    sq = True
                else:
                    cur.append(c)
            if at(p):
                p += 1
            if done:
                break
        out.append(bytes(cur))


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        # A command that blocks in the session would hang the recording: fail instead.
        self.s.settimeout(10)
        self.buf = b""

    def send(self, argv):
        msg = b"*%d\r\n" % len(argv) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in argv)
        self.s.sendall(msg)

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError("server closed the connection")
        self.buf += chunk

    def _line(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return self.buf[pos:i], i + 2
            self._fill()

    def _need(self, end):
        while len(self.buf) < end:
            self._fill()

    def _value(self, pos):
        """(tagged value, next position) of the reply at pos."""
        line, pos = self._line(pos)
        t, s = chr(line[0]), line[1:].decode("utf-8", "replace")
        if t == "+":
            return s, pos
        if t == "-":
            return {"error": s}, pos
        if t == ":":
            n = int(s)
            return (n if abs(n) <= 2**53 - 1 else {"int": s}), pos
        if t in "$=":
            n = int(s)
            if n < 0:
                return None, pos
            self._need(pos + n + 2)
            data = self.buf[pos:pos + n]
            if t == "=":
                data = data[4:]
            return data.decode("utf-8", "replace"), pos + n + 2
        if t in "*~>":
            n = int(s)
            if n < 0:
                return None, pos
            items = []
            for _ in range(n):
                v, pos = self._value(pos)
                items.append(v)
            return items, pos
        if t == "%":
            pairs = []
            for _ in range(int(s)):
                k, pos = self._value(pos)
                v, pos = self._value(pos)
                pairs.append([k, v])
            return {"map": pairs}, pos
        if t == "_":
            return None, pos
        if t == ",":
            if s in ("inf", "-inf", "nan"):
                return {"double": s}, pos
            return float(s), pos
        if t == "#":
            return s == "t", pos
        raise ValueError("unexpected reply type " + t)

    def reply(self):
        value, end = self._value(0)
        raw, self.buf = self.buf[:end], self.buf[end:]
        return value, raw


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=7114)
    args = ap.parse_args()
    conn = Conn(args.port)
    conn.send([b"INFO", b"server"])
    info, _ = conn.reply()
    fields = dict(l.split(":", 1) for l in info.split("\r\n") if ":" in l)
    if fields.get("redis_version") != "7.0.15" or "redis-server" not in fields.get("executable", ""):
        raise SystemExit("port %d is not a real redis-server 7.0.15 (%s, %s)" % (args.port, fields.get("redis_version"), fields.get("executable")))
    steps = []
    with open(os.path.join(HERE, "session.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("@sleep "):
                ms = int(line.split()[1])
                time.sleep(ms / 1000)
                steps.append({"sleep": ms})
                continue
            compare = not line.startswith("~")
            text = line if compare else line[1:]
            argv = split_args(text)
            conn.send(argv)
            value, raw = conn.reply()
            step = {"line": text, "argv": [a.decode("utf-8") for a in argv], "value": value, "raw": raw.decode("latin1")}
            if not compare:
                step["compare"] = False
            steps.append(step)
    out = os.path.join(HERE, "session.fixture.js")
    with open(out, "w", encoding="utf-8") as f:
        f.write("// GENERATED by tests/npm/record-session.py from real Redis 7.0.15 replies to session.txt.\n")
        f.write("export default [\n")
        for step in steps:
            f.write(json.dumps(step, ensure_ascii=False) + ",\n")
        f.write("];\n")
    print("recorded %d steps into %s" % (len(steps), os.path.relpath(out)))


if __name__ == "__main__":
    main()
