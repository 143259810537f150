#!/usr/bin/env python3
"""Generates a docs tree of N runbooks for the benchmarks.

Each runbook is one of the bundled runbooks (about the seed's size), with
its own title and slug, and words of its own in a setup step and a
caveat, drawn from a fixed-seed generator: the search
index then holds N distinct documents, not N copies. The catalog is the
bundled gtdocs.yaml, unchanged. The same N always gives the same bytes.

    scripts/bench/corpus.py N OUT_DIR
"""
import os
import random
import re
import shutil
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "da", "fe", "go", "hu", "ji", "pe", "qua", "zo"]


def word(rng):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    sources = sorted(f for f in os.listdir(os.path.join(REPO, "runbooks")) if f.endswith(".yaml"))
    texts = [open(os.path.join(REPO, "runbooks", f), encoding="utf-8").read() for f in sources]
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(os.path.join(out, "runbooks"))
    shutil.copy(os.path.join(REPO, "gtdocs.yaml"), os.path.join(out, "gtdocs.yaml"))
    rng = random.Random(20261124)
    width = len(str(n))
    for i in range(n):
        text = texts[i % len(texts)]
        base = os.path.splitext(sources[i % len(sources)])[0]
        slug = f"{base}-{i:0{width}d}"
        text = re.sub(r"^title: (.*)$", lambda m: f"title: {m.group(1)} {i:0{width}d}", text, count=1, flags=re.M)
        text = re.sub(r"^caveats:\n", f"caveats:\n  - Deployment {i} uses the {word(rng)} profile.\n", text, count=1, flags=re.M)
        text = re.sub(r"^setup:\n", f"setup:\n  - Ask the {word(rng)} team for the tenant host.\n", text, count=1, flags=re.M)
        with open(os.path.join(out, "runbooks", slug + ".yaml"), "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
