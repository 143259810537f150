#!/usr/bin/env python3
"""The cost of the history of verdicts: `gtdocs build` of the bundled tree
inside a git repository of N commits (500 by default) that touched it,
against the same tree outside git (no history read). Python 3.11, standard
library only.

    scripts/bench/history.py [--commits 500] [--runs 5] [--loose] [--runbooks N] [--gtdocs-bin PATH]

With --runbooks N the tree is the benchmarks' generated tree of N runbooks
(scripts/bench/corpus.py N) in place of the bundled one.

The repository is generated in a temporary folder: the bundled tree as the
first commit, then one commit per step, each changing one verdict of one
runbook (cycling through runbooks, routes and the catalog's verdicts), with
fixed dates and identity, so every run makes the same history; then packed, as
a clone is. Builds of the
two trees alternate; the medians and the difference are printed. The history
adds one `git log`, one `git ls-tree` at most, and one `git cat-file --batch`
fed the changed blobs.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
VERDICTS = ["native", "gt_extension", "not_supported"]


def git(top, *args, env=None):
    subprocess.run(["git", *args], cwd=top, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def quiet_env(home):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GIT_") and k != "SOURCE_DATE_EPOCH"}
    env.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        # No automatic gc or maintenance in the background of a timing.
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "gc.auto", "GIT_CONFIG_VALUE_0": "0",
        "GIT_CONFIG_KEY_1": "maintenance.auto", "GIT_CONFIG_VALUE_1": "false",
        "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    })
    return env


def make_repo(top, commits, env, pack=True, runbooks=0):
    if runbooks:
        subprocess.run([sys.executable, str(REPO / "scripts/bench/corpus.py"), str(runbooks), str(top)],
                       check=True)
    else:
        top.mkdir(parents=True)
        shutil.copy(REPO / "gtdocs.yaml", top / "gtdocs.yaml")
        shutil.copytree(REPO / "runbooks", top / "runbooks")
    git(top, "-c", "init.defaultBranch=main", "init", "-q", env=env)
    start = 1_767_225_600  # 2026-01-01T00:00:00Z

    def commit(i, message):
        stamp = f"@{start + i * 3600} +0000"
        e = dict(env, GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp)
        git(top, "add", "-A", env=e)
        git(top, "commit", "-q", "-m", message, env=e)

    commit(0, "the bundled tree")
    runbooks = sorted((top / "runbooks").glob("*.yaml"))
    verdict = re.compile(r"(?m)^(\s+verdict: )([a-z_]+)$")
    for i in range(1, commits):
        path = runbooks[i % len(runbooks)]
        text = path.read_text()
        spots = list(verdict.finditer(text))
        m = spots[(i // len(runbooks)) % len(spots)]
        now = VERDICTS[(VERDICTS.index(m.group(2)) + 1) % len(VERDICTS)]
        path.write_text(text[:m.start(2)] + now + text[m.end(2):])
        commit(i, f"{path.stem}: verdict {m.group(2)} -> {now}")
    # Packed, as a clone is (`--loose` keeps the objects loose, as they are
    # in a repository whose commits were just made: each blob is then a
    # file of its own to open and inflate).
    if pack:
        git(top, "gc", "--quiet", env=env)


def build(gtdocs, root, out, env):
    started = time.perf_counter()
    done = subprocess.run([gtdocs, "build", "--root", str(root), "--out", str(out)],
                          env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"gtdocs build --root {root} failed:\n{done.stderr}")
    return took


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--commits", type=int, default=500)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--loose", action="store_true",
                   help="keep the objects loose (not packed, as no clone is)")
    p.add_argument("--runbooks", type=int, default=0,
                   help="a generated tree of N runbooks (corpus.py) in place of the bundled tree")
    p.add_argument("--gtdocs-bin", default=str(REPO / "target/release/gtdocs"))
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="gtdocs-history-bench-") as tmp:
        tmp = Path(tmp)
        env = quiet_env(tmp / "home")
        (tmp / "home/.config").mkdir(parents=True)
        top = tmp / "repo"
        t0 = time.perf_counter()
        make_repo(top, a.commits, env, pack=not a.loose, runbooks=a.runbooks)
        print(f"{a.commits} commits made in {time.perf_counter() - t0:.1f} s", flush=True)
        plain = tmp / "plain"
        shutil.copytree(top, plain, ignore=shutil.ignore_patterns(".git"))
        # No repository above the copy: it is read as no git tree.
        outside = dict(env, GIT_CEILING_DIRECTORIES=str(tmp))
        with_history, without = [], []
        for r in range(a.runs + 1):
            h = build(a.gtdocs_bin, top, tmp / f"out-h{r}", env)
            n = build(a.gtdocs_bin, plain, tmp / f"out-n{r}", outside)
            if r > 0:  # the first round warms the caches
                with_history.append(h)
                without.append(n)
            if r < a.runs:  # a large tree's outputs would fill a tmpfs
                shutil.rmtree(tmp / f"out-h{r}")
                shutil.rmtree(tmp / f"out-n{r}")
        events = (tmp / f"out-h{a.runs}/json/changes.json").read_text().count('"kind"')
        # What the history read, in gtdocs' own words (`build -v`).
        said = subprocess.run([a.gtdocs_bin, "build", "-v", "--root", str(top), "--out", str(tmp / "out-v")],
                              env=env, capture_output=True, text=True).stderr
        read = [line.strip() for line in said.splitlines() if line.strip().startswith("history:")]
        assert not (tmp / f"out-n{a.runs}/json/changes.json").exists()
        mh, mn = statistics.median(with_history), statistics.median(without)
        tree = f"{a.runbooks} generated runbooks" if a.runbooks else "bundled tree"
        print(f"gtdocs build, {tree}, {a.runs} rounds (medians):")
        kind = "loose" if a.loose else "packed"
        print(f"  in a repository of {a.commits} commits ({kind}): {mh:.3f} s ({events} events)")
        print(f"  outside git (no history):             {mn:.3f} s")
        print(f"  history adds:                         {mh - mn:.3f} s")
        print(f"  build -v: {read[0] if read else 'no history line'}")


if __name__ == "__main__":
    main()
