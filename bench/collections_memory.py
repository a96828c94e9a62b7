#!/usr/bin/env python3
"""Memory of one big collection per data type, for bench/compare.py's memory section.

Each loader fills ONE key with `count` elements using pipelined commands of 1,000
elements each; the row reports the growth of INFO used_memory over the empty server per
element. Element values are 16 bytes (b"v%015d"), like the string memory row's values.
Other types add a loader to LOADERS.
"""

import socket
import time


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_replies(sock, n):
    """Reads `n` integer replies (collection-size answers); returns the raw bytes."""
    got = b""
    while got.count(b"\r\n") < n:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit("connection closed during the load")
        got += chunk
    return got


def pipelined(port, commands, window=50):
    """Sends `commands` (encoded) `window` at a time, reading every reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=120) as s:
        for i in range(0, len(commands), window):
            part = commands[i:i + window]
            s.sendall(b"".join(part))
            got = read_replies(s, len(part))
            if not got.startswith(b":"):
                raise SystemExit(f"unexpected reply during load: {got[:80]!r}")


def load_list(port, count, per_cmd=1000):
    cmds = []
    for start in range(0, count, per_cmd):
        elems = [b"v%015d" % i for i in range(start, min(count, start + per_cmd))]
        cmds.append(resp(b"RPUSH", b"biglist", *elems))
    pipelined(port, cmds)


# type -> (loader, what one element is)
LOADERS = {
    "list": (load_list, "RPUSH of 16-byte elements"),
}


def measure(server, kind, count):
    """(used_memory growth per element or None, load seconds) for one collection."""
    loader, _ = LOADERS[kind]
    server.call("FLUSHALL")
    time.sleep(0.2)
    used0 = server.used_memory()
    t0 = time.time()
    loader(server.port, count)
    secs = time.time() - t0
    time.sleep(0.5)
    used = server.used_memory()
    per = (used - used0) / count if used is not None and used0 is not None else None
    server.call("FLUSHALL")
    return per, secs
