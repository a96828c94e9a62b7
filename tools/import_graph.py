#!/usr/bin/env python3
"""Prints the module import graph of core/src (from `use crate::...` and `crate::x::` paths)
and its cycles, as strongly connected components of top-level modules (`cmd/*` is `cmd`,
`db/*` is `db`, ...).

Run: python3 tools/import_graph.py            (edges and components)
     python3 tools/import_graph.py --check    (exit 1 unless the only cycle through the
                                               engine is engine <-> cmd <-> client)
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "core", "src")
ALLOWED = {"engine", "cmd", "client"}
PATH = re.compile(r"\bcrate::([a-z_][a-z0-9_]*)")
USE_GROUP = re.compile(r"use\s+crate::\{([^;]*)\};", re.S)


def module_of(rel):
    first = rel.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def strip_tests(text):
    # Test modules may use anything (they are not part of the graph that ships).
    i = text.find("#[cfg(test)]\nmod tests")
    return text if i < 0 else text[:i]


def edges():
    out = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
            m = module_of(rel)
            if m in ("lib", "testkit", "fuzz"):
                continue
            text = strip_tests(open(os.path.join(dirpath, f), encoding="utf-8").read())
            text = re.sub(r"//[^\n]*", "", text)
            targets = set(PATH.findall(text))
            for group in USE_GROUP.findall(text):
                for part in group.split(","):
                    name = part.strip().split("::")[0].split(" ")[0]
                    if re.fullmatch(r"[a-z_][a-z0-9_]*", name or ""):
                        targets.add(name)
            for t in targets:
                if t != m and t not in ("self",):
                    out.setdefault(m, set()).add(t)
            out.setdefault(m, set())
    return out


def sccs(graph):
    index, low, stack, on, result, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            result.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return result


def main():
    graph = edges()
    for m in sorted(graph):
        print(f"{m} -> {', '.join(sorted(t for t in graph[m] if t in graph)) or '-'}")
    cycles = [c for c in sccs(graph) if len(c) > 1]
    print()
    for c in cycles:
        print("cycle: " + " <-> ".join(c))
    if not cycles:
        print("no cycles")
    engine = next((c for c in cycles if "engine" in c), ["engine"])
    ok = set(engine) <= ALLOWED
    print(f"\nthe engine's component: {' <-> '.join(engine)} ({'ok' if ok else 'more than engine, cmd, client'})")
    if "--check" in sys.argv and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
