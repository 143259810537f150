#!/usr/bin/env python3
"""The module tree of gtdocs' library and its import graph.

Prints one line per module (its file and line count), then every import
cycle between modules, and exits 1 when there is one or when a file is over
the line limit. A module is one file under src/ (mod.rs stands for its
folder); an edge A -> B is any path in A that names an item of B
(`use crate::b::X`, `super::x::Y`, `crate::b::f()` in an expression,
re-exports included), test modules included. A module that uses its own
parent counts too: a parent that both serves and uses its children is a
cycle like any other.

    python3 scripts/module-graph.py            # tree, cycles, exit status
    python3 scripts/module-graph.py --edges    # also every edge
    python3 scripts/module-graph.py --root DIR # another checkout
"""

import re
import sys
from pathlib import Path

# The tree the script sits in, or the one `--root DIR` names.
ROOT = (
    Path(sys.argv[sys.argv.index("--root") + 1]).resolve()
    if "--root" in sys.argv[1:-1]
    else Path(__file__).resolve().parent.parent
)
SRC = ROOT / "src"
LIMIT = 600

# Library only: src/main.rs is the binary's three lines.
FILES = sorted(p for p in SRC.rglob("*.rs") if p.name != "main.rs")


def module_of(path: Path) -> tuple:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts == ["lib"]:
        return ()
    if parts[-1] == "mod":
        parts.pop()
    return tuple(parts)


MODULES = {module_of(p): p for p in FILES}


def strip_comments_and_strings(text: str) -> str:
    """The text with comments gone and every string and character literal
    emptied, read left to right as the lexer does (a `'"'` opens no string)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c == "r" and re.match(r'r#*"', text[i:]) and (i == 0 or not (text[i-1].isalnum() or text[i-1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = text.find('"' + m.group(1), i + len(m.group(0)))
            out.append('""')
            i = n if end < 0 else end + 1 + len(m.group(1))
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""')
            i = j + 1
        elif c == "'":
            m = re.match(r"'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|.)|[^'\\\n])'", text[i:])
            if m:
                out.append("' '")
                i += len(m.group(0))
            else:
                out.append(c)
                i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def expand_use_tree(tree: str) -> list:
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    # `X as Y` names X; the renaming goes before the spaces do.
    tree = re.sub(r"\s+as\s+\w+", "", tree)
    tree = re.sub(r"\s+", "", tree)
    brace = tree.find("{")
    if brace < 0:
        return [tree]
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rfind("}")]
    items, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    out = []
    for item in items:
        if not item:
            continue
        for sub in expand_use_tree(item):
            out.append(prefix + sub if sub != "self" else prefix.rstrip(":"))
    return out


INLINE = "<inline>"


def resolve(path: str, here: tuple, inline_depth: int):
    """The module a path names, or None when it is outside the crate.

    `inline_depth` is how many inline modules (`mod tests { .. }`) the path
    sits in: `super` leaves those first.
    """
    segs = [s for s in path.split("::") if s]
    if not segs:
        return None
    base = list(here) + [INLINE] * inline_depth
    if segs[0] == "crate":
        base, segs = [], segs[1:]
    elif segs[0] in ("self", "super"):
        while segs and segs[0] in ("self", "super"):
            if segs[0] == "super":
                if not base:
                    return None
                base.pop()
            segs = segs[1:]
    else:
        # A plain path (`std::..`, a local item) is not a module edge,
        # except a child module named from its parent (`html::render()`).
        if (tuple(here) + (segs[0],)) in MODULES and len(segs) > 1:
            base = list(here)
        else:
            return None
    best = tuple(b for b in base if b != INLINE)
    for seg in segs:
        cand = best + (seg,)
        if cand in MODULES:
            best = cand
        else:
            break
    return best if best in MODULES else None


def inline_modules(text: str) -> list:
    """(start, end) of every inline `mod name { .. }` body."""
    spans = []
    for m in re.finditer(r"\bmod\s+\w+\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        spans.append((m.end(), i))
    return spans


def edges_of(path: Path) -> set:
    here = module_of(path)
    text = strip_comments_and_strings(path.read_text())
    spans = inline_modules(text)
    refs = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        refs.extend((r, m.start()) for r in expand_use_tree(m.group(1)))
    for m in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+)", text):
        refs.append((m.group(1), m.start()))
    for m in re.finditer(r"(?<![\w:])(\w+)::\w+", text):
        if (here + (m.group(1),)) in MODULES:
            refs.append((m.group(0), m.start()))
    out = set()
    for ref, at in refs:
        depth = sum(1 for a, b in spans if a <= at < b)
        target = resolve(ref, here, depth)
        if target is not None and target != here:
            out.add(target)
    return out


def name(module: tuple) -> str:
    return "crate" if not module else "::".join(module)


def cycles(graph: dict) -> list:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
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
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


def main() -> int:
    show_edges = "--edges" in sys.argv[1:]
    graph = {m: edges_of(p) for m, p in MODULES.items()}
    status = 0
    print("module tree (lines):")
    for m in sorted(MODULES):
        path = MODULES[m]
        lines = len(path.read_text().splitlines())
        flag = ""
        if lines > LIMIT:
            flag = f"  <- over {LIMIT} lines"
            status = 1
        print(f"  {'  ' * max(len(m) - 1, 0)}{name(m):<28} {lines:>5}  {path.relative_to(ROOT)}{flag}")
    if show_edges:
        print("edges:")
        for m in sorted(graph):
            for t in sorted(graph[m]):
                print(f"  {name(m)} -> {name(t)}")
    found = cycles(graph)
    if found:
        status = 1
        print(f"{len(found)} import cycle(s):")
        for comp in found:
            print("  " + " <-> ".join(name(m) for m in comp))
    else:
        print(f"no import cycle among {len(MODULES)} modules")
    return status


if __name__ == "__main__":
    sys.exit(main())
