#!/usr/bin/env python3
"""Build benchmark: `gtdocs build` against the stack a team would pick instead,
Hugo + Pagefind, on the same content. Python 3.11, standard library only.

    scripts/bench/build.sh                       # the one command (builds, installs, runs this)
    scripts/bench/run.py [--sizes 100 1000 10000] [--runs 5] [--quick]
                         [--gtdocs-bin PATH] [--out-dir target/bench] [--keep]
                         [--no-noise-guard] [--max-quiet-wait SECONDS] [--max-retries K]
    scripts/bench/run.py --report target/bench/build-DATE.json   # re-render a report

Environment (the arguments win): SIZES="100 1000", RUNS=6 (the default), GTDOCS_BIN=PATH,
HUGO_BIN, PAGEFIND_BIN, BENCH_QUICK=1, NOISE_GUARD=0, MAX_QUIET_WAIT=300, MAX_RETRIES,
TMPDIR (where the corpora go).

What is measured, per size N (100, 1,000, 10,000 runbooks by default):

- The corpus: scripts/bench/corpus.py N (each runbook one of the bundled ones,
  about the seed's size, with a title, slug and words of its own; the real
  catalog, gtdocs.yaml, unchanged; deterministic).
- gtdocs build --root CORPUS --out OUT: every output (wiki, HTML site with its
  Pagefind index, JSON manifests). A non-zero exit fails the benchmark.
- gtdocs check --root CORPUS: validation only (target: under 1 s at 10,000).
- The peer: a Hugo site made from the SAME content. gtdocs build runs once
  (untimed) and each runbook's wiki page site/wiki/<wiki_page>.md becomes
  content/runbooks/<slug>.md, its front matter (title, slug, category,
  categories) taken from site/json/manifest.json (runbooks[].title, .slug,
  .wiki_page, .category.label); content/_index.md is the home page. The
  Markdown is copied byte for byte (wiki links such as [Text](Page) stay as
  they are: Hugo does not check links). The generated theme is small but what
  a team would write: layouts/_default/baseof.html (head with a stylesheet,
  nav, main, footer), _default/single.html (title, category link, .Content;
  the article carries data-pagefind-body and a data-pagefind-filter for the
  category, as gtdocs' search has facets), _default/list.html (sections and
  taxonomy pages), index.html (every runbook grouped by category), a search
  page with Pagefind's UI (content/search.md, layout `search`), one static
  CSS file, and the `categories` taxonomy. Runbook pages show Hugo's
  .TableOfContents (gtdocs' pages have heading anchors). Everything else is Hugo's default:
  sitemap.xml, RSS feeds for home, sections and terms, no pagination, no
  minification, the default Goldmark renderer. hugo.toml sets baseURL = "/"
  and uses no module or remote theme, so Hugo never touches the network.
  The peer does less than gtdocs: no compatibility matrix, no route pages, no
  JSON manifests, no wiki tree (which makes the ratios conservative).
  hugo --quiet --noBuildLock --source SITE --destination PUBLIC --cacheDir TMP
  pagefind --site PUBLIC --quiet (the native binary of the pinned npm package
  @pagefind/linux-x64, the one `npx pagefind` spawns, run directly: the Node
  wrapper's start-up, ~50 ms, is left out, again in the peer's favour).
  Hugo + Pagefind of a round = hugo's time + pagefind's time of that round
  (peak RSS: the larger of the two); the median is taken over those sums.

Each timed command is a whole process: wall clock with time.perf_counter()
around spawn and os.wait4(); peak RSS (ru_maxrss, KiB -> MiB; it includes
the command's reaped children) and user+sys CPU seconds from the rusage of
wait4 on the command, read through GNU time (/usr/bin/time -f '%M %U %S'):
Python's own wait4 would report the Python parent's peak RSS as a floor
(see timed()). GNU time adds about 1 ms and 1 MiB. Each
run writes into a fresh output folder; old outputs are moved aside (renamed
into a trash folder, deleted only after every measurement: see discard()),
and `sync` runs just before each timed command, so no write-back of an
earlier run lands inside a measurement. 6 rounds by default (each tool goes
first in 3). The gtdocs binary is COPIED to
the work folder at start (a rebuild under way does not change what is
measured; its sha256 and the git commit are reported). One untimed warm-up
round per size checks the outputs (page counts of both search indexes),
then R timed rounds (R >= 5 unless --quick) alternate which stack goes
first: odd rounds gtdocs first, even rounds Hugo + Pagefind first.

Noise guard (the machine may be shared; --no-noise-guard or NOISE_GUARD=0
turns it off): before each round the script waits, up to --max-quiet-wait
seconds (MAX_QUIET_WAIT, default 300), for 3 seconds in a row in which the
machine is idle (under 10% of a core busy, /proc/stat). During each timed command it
counts the CPU that the rest of the machine used (/proc/stat busy time minus
the command's own CPU); a round in which that exceeds 10% of a command's
wall time + 0.05 s is discarded and run again, at most --max-retries
(MAX_RETRIES, default 2 x R) extra rounds per size; past that, noisy rounds
are kept and counted. The report gives the discarded rounds, the noisy ones kept, the wait,
and that "other CPU" per command.

Results: a Markdown report on stdout and in target/bench/build-<date>.md,
the raw data in target/bench/build-<date>.json. Targets are printed as
PASS/FAIL lines (a miss does not change the exit code); sizes not run show
SKIP. The exit code is non-zero only when something failed to run.
"""
import argparse
import datetime
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(BENCH, "..", ".."))
DEFAULT_PAGEFIND = os.path.join(BENCH, "node_modules", "@pagefind", "linux-x64", "bin", "pagefind_extended")
MIN_RUNS = 5
# Rounds alternate which tool goes first: an even count gives each the same
# number of first places.
DEFAULT_RUNS = 6

# Targets: (label, size, metric function over results, threshold, comparison)
RATIO_TARGET = 0.35
RATIO_STRETCH = 1.0
RSS_TARGET_MIB = 250
GROWTH_TARGET = 11.0
CHECK_TARGET_S = 1.0


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ------------------------------------------------------------------ running
CLK_TCK = os.sysconf("SC_CLK_TCK")


def busy_cpu_s():
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal
    return (v[0] + v[1] + v[2] + v[5] + v[6]) / CLK_TCK


TIME_BIN = "/usr/bin/time"  # GNU time (Debian package `time`, installed by install.sh)


def timed(cmd, logdir, name, cwd=None):
    """Runs cmd as one process; returns {wall_s, rss_mib, cpu_s, exit}.

    Wall clock: perf_counter() around the spawn and os.wait4(). Peak RSS and
    CPU: GNU time's %M %U %S for the command (ru_maxrss of wait4 on the
    command, taken by a ~1 MiB parent). Python's own wait4 cannot give it:
    Python spawns with vfork, and the kernel folds the high-water RSS of the
    mm replaced at exec, here the Python parent's, into the child's
    ru_maxrss, so every command would report at least the Python process's
    peak (which reading a 10,000-runbook manifest makes large).
    """
    out_path = os.path.join(logdir, name + ".out")
    err_path = os.path.join(logdir, name + ".err")
    rus_path = os.path.join(logdir, name + ".rusage")
    full = [TIME_BIN, "-f", "%M %U %S", "-o", rus_path, "--", *cmd]
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        subprocess.run(["sync"], check=True)
        busy0 = busy_cpu_s()
        t0 = time.perf_counter()
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        busy = busy_cpu_s() - busy0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4 already
    if proc.returncode != 0:
        tail = ""
        for p in (out_path, err_path, rus_path):
            if os.path.exists(p):
                with open(p, encoding="utf-8", errors="replace") as f:
                    tail += f.read()[-2500:]
        raise BenchError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{tail}")
    with open(rus_path, encoding="utf-8") as f:
        maxrss_kib, utime, stime = f.read().split()[-3:]
    cpu = float(utime) + float(stime)
    return {
        "wall_s": wall,
        "rss_mib": int(maxrss_kib) / 1024.0,
        "cpu_s": cpu,
        "user_s": float(utime),
        "sys_s": float(stime),
        # CPU the rest of the machine used meanwhile (other processes, kernel
        # write-back): a noise indicator, ~0 on a quiet machine.
        "other_cpu_s": max(0.0, busy - cpu),
        "exit": proc.returncode,
    }


def rmtree(path):
    if os.path.lexists(path):
        shutil.rmtree(path)


_TRASH = {"dir": None, "n": 0}


def discard(path):
    """Moves `path` into the work folder's trash (a rename: no file is
    deleted). Deleting tens of thousands of files just before a timed run
    makes every file the next command creates slow: ext4 skips inodes freed
    in the last 60 s when it allocates new ones, scanning inode tables to do
    so. A CI build starts on a disk with no such deletions, so the trash is
    emptied only after every measurement."""
    if not os.path.lexists(path):
        return
    _TRASH["n"] += 1
    os.makedirs(_TRASH["dir"], exist_ok=True)
    os.rename(path, os.path.join(_TRASH["dir"], str(_TRASH["n"])))


def tree_size(path):
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for n in names:
            st = os.lstat(os.path.join(dirpath, n))
            total += st.st_size
            files += 1
    return total, files


def pagefind_pages(site):
    """(pages, parts) of a Pagefind index: the page_count of every
    pagefind-entry.json below site/pagefind/ (one per index part; gtdocs
    writes one part per 1,000 pages that the browser merges), summed."""
    pages = parts = 0
    for dirpath, _, names in os.walk(os.path.join(site, "pagefind")):
        if "pagefind-entry.json" in names:
            with open(os.path.join(dirpath, "pagefind-entry.json"), encoding="utf-8") as f:
                entry = json.load(f)
            pages += sum(lang.get("page_count", 0) for lang in entry.get("languages", {}).values())
            parts += 1
    return pages, parts


def capture(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as e:
        return f"unknown ({e})"


# ------------------------------------------------------------- the Hugo site
HUGO_TOML = """\
# Generated by scripts/bench/run.py: the Hugo peer of the gtdocs benchmark.
baseURL = "/"
title = "GT API client runbooks"
languageCode = "en-us"

[taxonomies]
  category = "categories"
"""

BASEOF = """\
<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }} · {{ site.Title }}{{ end }}</title>
  {{ with .Description }}<meta name="description" content="{{ . }}">{{ end }}
  <link rel="stylesheet" href="{{ "css/site.css" | relURL }}">
  {{ range .AlternativeOutputFormats -}}
  <link rel="{{ .Rel }}" type="{{ .MediaType.Type }}" href="{{ .RelPermalink }}" title="{{ site.Title }}">
  {{ end -}}
</head>
<body>
  <header class="site-header">
    <a class="brand" href="{{ "/" | relURL }}">{{ site.Title }}</a>
    <nav>
      <a href="{{ "runbooks/" | relURL }}">Runbooks</a>
      <a href="{{ "categories/" | relURL }}">Categories</a>
      <a href="{{ "search/" | relURL }}">Search</a>
    </nav>
  </header>
  <main id="content">
  {{ block "main" . }}{{ end }}
  </main>
  <footer class="site-footer">
    <p>Generated from the runbook sources{{ with .Lastmod }} · {{ .Format "2006-01-02" }}{{ end }}.</p>
  </footer>
</body>
</html>
"""

SINGLE = """\
{{ define "main" }}
<article class="runbook" data-pagefind-body>
  <h1>{{ .Title }}</h1>
  {{ with .Params.category }}<p class="meta">Category: <span data-pagefind-filter="category">{{ . }}</span>
  {{- range $.GetTerms "categories" }} · <a href="{{ .RelPermalink }}">all {{ .LinkTitle }} runbooks</a>{{ end }}</p>{{ end }}
  {{ with .TableOfContents }}<aside class="toc">{{ . }}</aside>{{ end }}
  {{ .Content }}
</article>
{{ end }}
"""

LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ .Content }}
<ul class="pages">
  {{ range .Pages }}
  <li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ with .Params.category }} <span class="cat">{{ . }}</span>{{ end }}</li>
  {{ end }}
</ul>
{{ end }}
"""

INDEX = """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
{{ .Content }}
{{ $runbooks := where site.RegularPages "Section" "runbooks" }}
<p>{{ len $runbooks }} runbooks in {{ len site.Taxonomies.categories }} categories.</p>
{{ range $runbooks.GroupByParam "category" }}
<section class="category">
  <h2>{{ .Key }}</h2>
  <ul>
    {{ range .Pages.ByTitle }}
    <li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
    {{ end }}
  </ul>
</section>
{{ end }}
{{ end }}
"""

SEARCH = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<link rel="stylesheet" href="{{ "pagefind/pagefind-ui.css" | relURL }}">
<script src="{{ "pagefind/pagefind-ui.js" | relURL }}"></script>
<div id="search"></div>
<script>
  window.addEventListener("DOMContentLoaded", () => {
    new PagefindUI({ element: "#search", showSubResults: true });
  });
</script>
{{ end }}
"""

CSS = """\
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #1b1f24; }
.site-header, .site-footer { padding: .75rem 1.5rem; background: #f3f4f6; }
.site-header nav a { margin-left: 1rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: .25rem .5rem; }
code { background: #f6f8fa; padding: 0 .2em; }
"""


def make_hugo_site(site, manifest_path, wiki_dir):
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    runbooks = manifest["runbooks"]
    files = {
        "hugo.toml": HUGO_TOML,
        "layouts/_default/baseof.html": BASEOF,
        "layouts/_default/single.html": SINGLE,
        "layouts/_default/list.html": LIST,
        "layouts/index.html": INDEX,
        "layouts/_default/search.html": SEARCH,
        "content/search.md": "---\ntitle: Search\nlayout: search\n---\n",
        "static/css/site.css": CSS,
        "content/_index.md": "---\ntitle: GT API client runbooks\n---\n\n"
        "How to point each client application at GT API: configuration, "
        "a verdict for every GT route, caveats and a validation checklist.\n",
        "content/runbooks/_index.md": "---\ntitle: Runbooks\n---\n",
    }
    for path, text in files.items():
        full = os.path.join(site, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    for rb in runbooks:
        with open(os.path.join(wiki_dir, rb["wiki_page"] + ".md"), encoding="utf-8") as f:
            body = f.read()
        label = rb["category"]["label"]
        # JSON strings are YAML flow scalars: any title is quoted safely.
        front = (
            "---\n"
            f"title: {json.dumps(rb['title'])}\n"
            f"slug: {json.dumps(rb['slug'])}\n"
            f"category: {json.dumps(label)}\n"
            f"categories: [{json.dumps(label)}]\n"
            f"description: {json.dumps(rb.get('summary', ''))}\n"
            "---\n\n"
        )
        with open(os.path.join(site, "content", "runbooks", rb["slug"] + ".md"), "w", encoding="utf-8") as f:
            f.write(front + body)
    return len(runbooks)


# ---------------------------------------------------------------- one size
MEASURED = ("gtdocs_build", "gtdocs_check", "hugo", "pagefind")
# A command's measurement is noisy when the rest of the machine used more than
# this share of one core meanwhile (plus a small slack for short commands).
NOISE_FRACTION = 0.10
NOISE_SLACK_S = 0.05


def wait_quiet(max_wait, need=3, window=1.0, threshold=0.10):
    """Waits until `need` windows in a row had less than `threshold` of a
    core busy (nothing else running), at most max_wait seconds; returns the
    time waited."""
    t0 = time.perf_counter()
    quiet = 0
    while quiet < need:
        b0 = busy_cpu_s()
        time.sleep(window)
        quiet = quiet + 1 if busy_cpu_s() - b0 < threshold * window else 0
        if quiet < need and time.perf_counter() - t0 > max_wait:
            log(f"the machine was not quiet within {max_wait:.0f} s; measuring anyway")
            break
    return time.perf_counter() - t0


def bench_size(n, runs, bins, work, logroot, guard, keep=False):
    d = os.path.join(work, f"n{n}")
    rmtree(d)
    os.makedirs(d)
    logdir = os.path.join(logroot, f"n{n}")
    os.makedirs(logdir, exist_ok=True)
    corpus = os.path.join(d, "corpus")
    log(f"N={n}: generating the corpus")
    subprocess.run([sys.executable, os.path.join(BENCH, "corpus.py"), str(n), corpus], check=True)
    src_bytes, src_files = tree_size(corpus)

    log(f"N={n}: gtdocs build (untimed) for the Hugo site's content")
    prep = os.path.join(d, "prep")
    timed([bins["gtdocs"], "build", "--root", corpus, "--out", prep], logdir, "prep")
    hugo_site = os.path.join(d, "hugo-site")
    pages = make_hugo_site(hugo_site, os.path.join(prep, "json", "manifest.json"), os.path.join(prep, "wiki"))
    if pages != n:
        raise BenchError(f"manifest lists {pages} runbooks, corpus has {n}")
    discard(prep)

    out = os.path.join(d, "gtdocs-out")
    public = os.path.join(d, "hugo-public")
    cache = os.path.join(d, "hugo-cache")

    def clean():
        for p in (out, public, cache):
            discard(p)

    def run_gtdocs(tag):
        return {
            "gtdocs_build": timed([bins["gtdocs"], "build", "--root", corpus, "--out", out], logdir, f"{tag}-build"),
            "gtdocs_check": timed([bins["gtdocs"], "check", "--root", corpus], logdir, f"{tag}-check"),
        }

    def run_peer(tag):
        os.makedirs(cache)
        r = {
            "hugo": timed([bins["hugo"], "--quiet", "--noBuildLock", "--source", hugo_site,
                           "--destination", public, "--cacheDir", cache], logdir, f"{tag}-hugo"),
            "pagefind": timed([bins["pagefind"], "--site", public, "--quiet"], logdir, f"{tag}-pagefind"),
        }
        r["hugo_pagefind"] = {
            "wall_s": r["hugo"]["wall_s"] + r["pagefind"]["wall_s"],
            "rss_mib": max(r["hugo"]["rss_mib"], r["pagefind"]["rss_mib"]),
            "cpu_s": r["hugo"]["cpu_s"] + r["pagefind"]["cpu_s"],
            "user_s": r["hugo"]["user_s"] + r["pagefind"]["user_s"],
            "sys_s": r["hugo"]["sys_s"] + r["pagefind"]["sys_s"],
            "other_cpu_s": r["hugo"]["other_cpu_s"] + r["pagefind"]["other_cpu_s"],
            "exit": 0,
        }
        return r

    log(f"N={n}: warm-up round (untimed, checks the outputs)")
    clean()
    run_gtdocs("warmup")
    run_peer("warmup")
    g_bytes, g_files = tree_size(out)
    h_bytes, h_files = tree_size(public)
    g_pages, g_parts = pagefind_pages(os.path.join(out, "html"))
    h_pages, h_parts = pagefind_pages(public)
    hugo_runbook_pages = sum(
        1 for s in os.listdir(os.path.join(public, "runbooks"))
        if os.path.isfile(os.path.join(public, "runbooks", s, "index.html")))
    if hugo_runbook_pages != n:
        raise BenchError(f"Hugo wrote {hugo_runbook_pages} runbook pages, expected {n}")
    if h_pages != n:
        raise BenchError(f"Pagefind indexed {h_pages} pages of Hugo's output, expected {n}")
    if g_pages < n:
        raise BenchError(f"gtdocs' search index holds {g_pages} pages, fewer than {n} runbooks")
    outputs = {
        "corpus": {"bytes": src_bytes, "files": src_files},
        "gtdocs_out": {"bytes": g_bytes, "files": g_files, "search_pages": g_pages, "search_parts": g_parts},
        "hugo_public": {"bytes": h_bytes, "files": h_files, "search_pages": h_pages, "search_parts": h_parts},
    }

    rounds, discarded = [], []
    retries = guard["retries"] if guard["on"] else 0
    i = 1
    while i <= runs:
        clean()
        order = ["gtdocs", "peer"] if i % 2 == 1 else ["peer", "gtdocs"]
        waited = wait_quiet(guard["max_wait"]) if guard["on"] else 0.0
        with open("/proc/loadavg") as f:
            load = float(f.read().split()[0])
        rec = {"round": i, "order": order, "loadavg_1m_before": load, "waited_for_quiet_s": waited}
        for who in order:
            rec.update(run_gtdocs(f"r{i}") if who == "gtdocs" else run_peer(f"r{i}"))
        noisy = [k for k in MEASURED if rec[k]["other_cpu_s"] > NOISE_FRACTION * rec[k]["wall_s"] + NOISE_SLACK_S]
        rec["noisy"] = noisy
        log(f"N={n} round {i}/{runs} ({' then '.join(order)}): gtdocs build {rec['gtdocs_build']['wall_s']:.3f} s "
            f"{rec['gtdocs_build']['rss_mib']:.0f} MiB, check {rec['gtdocs_check']['wall_s']:.3f} s, "
            f"hugo {rec['hugo']['wall_s']:.3f} s + pagefind {rec['pagefind']['wall_s']:.3f} s"
            f"{'; NOISY: ' + ', '.join(noisy) if noisy else ''}")
        if noisy and retries > 0:
            retries -= 1
            discarded.append(rec)
            log(f"N={n}: round {i} discarded (another process used the CPU meanwhile); running it again")
            continue
        rounds.append(rec)
        i += 1
    if not keep:
        clean()
        discard(d)
    return {"n": n, "runs": runs, "outputs": outputs, "rounds": rounds, "discarded_rounds": discarded}


# ------------------------------------------------------------------- report
COMMANDS = [
    ("gtdocs_build", "gtdocs build"),
    ("gtdocs_check", "gtdocs check"),
    ("hugo", "hugo"),
    ("pagefind", "pagefind (on Hugo's output)"),
    ("hugo_pagefind", "hugo + pagefind"),
]


def stats(size, key, field):
    vals = [r[key][field] for r in size["rounds"]]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def summarize(size):
    s = {key: {f: stats(size, key, f) for f in ("wall_s", "rss_mib", "cpu_s", "user_s", "sys_s", "other_cpu_s")}
         for key, _ in COMMANDS}
    g = s["gtdocs_build"]["wall_s"]["median"]
    s["ratio_gtdocs_over_hugo_pagefind"] = g / s["hugo_pagefind"]["wall_s"]["median"]
    s["ratio_gtdocs_over_hugo"] = g / s["hugo"]["wall_s"]["median"]
    # The same ratios round by round (each round's gtdocs and peer ran back
    # to back): a cross-check that drift over the run did not skew the medians.
    rr = size["rounds"]
    s["round_ratio_gtdocs_over_hugo_pagefind"] = statistics.median(
        r["gtdocs_build"]["wall_s"] / r["hugo_pagefind"]["wall_s"] for r in rr)
    s["round_ratio_gtdocs_over_hugo"] = statistics.median(r["gtdocs_build"]["wall_s"] / r["hugo"]["wall_s"] for r in rr)
    return s


def mib(b):
    return f"{b / 1048576:.1f} MiB"


def fmt_n(n):
    return f"{n:,}"


def growth(results, a, b):
    by_n = {r["n"]: r for r in results}
    if a not in by_n or b not in by_n:
        return None
    ra, rb = by_n[a], by_n[b]
    sa, sb = ra["summary"], rb["summary"]
    rows = []
    for key, label in COMMANDS:
        rows.append((label,
                     sb[key]["wall_s"]["median"] / sa[key]["wall_s"]["median"],
                     sb[key]["rss_mib"]["median"] / sa[key]["rss_mib"]["median"]))
    out = {
        "rows": rows,
        "gtdocs_out_bytes": rb["outputs"]["gtdocs_out"]["bytes"] / ra["outputs"]["gtdocs_out"]["bytes"],
        "hugo_public_bytes": rb["outputs"]["hugo_public"]["bytes"] / ra["outputs"]["hugo_public"]["bytes"],
    }
    return out


def targets(results):
    by_n = {r["n"]: r["summary"] for r in results}
    lines = []

    def line(ok, text):
        lines.append(("PASS" if ok else "FAIL") if ok is not None else "SKIP")
        lines[-1] = f"{lines[-1]}  {text}"

    for n in (1000, 10000):
        if n in by_n:
            v = by_n[n]["ratio_gtdocs_over_hugo_pagefind"]
            line(v <= RATIO_TARGET, f"gtdocs / (hugo + pagefind) at {fmt_n(n)}: {v:.3f} (target <= {RATIO_TARGET})")
        else:
            line(None, f"gtdocs / (hugo + pagefind) at {fmt_n(n)}: not run (target <= {RATIO_TARGET})")
    for n in (1000, 10000):
        if n in by_n:
            v = by_n[n]["ratio_gtdocs_over_hugo"]
            line(v <= RATIO_STRETCH, f"stretch: gtdocs / hugo at {fmt_n(n)}: {v:.3f} (target <= {RATIO_STRETCH})")
        else:
            line(None, f"stretch: gtdocs / hugo at {fmt_n(n)}: not run (target <= {RATIO_STRETCH})")
    if 10000 in by_n:
        v = by_n[10000]["gtdocs_build"]["rss_mib"]["max"]
        med = by_n[10000]["gtdocs_build"]["rss_mib"]["median"]
        line(v < RSS_TARGET_MIB, f"gtdocs build peak RSS at 10,000: {v:.1f} MiB, the largest of the runs "
             f"(median {med:.1f} MiB; target < {RSS_TARGET_MIB} MiB)")
        v = by_n[10000]["gtdocs_check"]["wall_s"]["median"]
        line(v < CHECK_TARGET_S, f"gtdocs check at 10,000: {v:.3f} s median (target < {CHECK_TARGET_S} s)")
    else:
        line(None, f"gtdocs build peak RSS at 10,000: not run (target < {RSS_TARGET_MIB} MiB)")
        line(None, f"gtdocs check at 10,000: not run (target < {CHECK_TARGET_S} s)")
    if 1000 in by_n and 10000 in by_n:
        v = by_n[10000]["gtdocs_build"]["wall_s"]["median"] / by_n[1000]["gtdocs_build"]["wall_s"]["median"]
        line(v <= GROWTH_TARGET, f"gtdocs build time growth 1,000 -> 10,000: {v:.2f}x (target <= {GROWTH_TARGET:g}x)")
    else:
        line(None, f"gtdocs build time growth 1,000 -> 10,000: not run (target <= {GROWTH_TARGET:g}x)")
    return lines


def report(meta, results):
    L = []
    L.append(f"# gtdocs build benchmark, {meta['date']}")
    L.append("")
    L.append(f"{meta['gtdocs_version']} at commit {meta['git_commit']}"
             f"{' (work tree has uncommitted changes in src/)' if meta['git_dirty_src'] else ''}, "
             f"binary sha256 {meta['gtdocs_sha256'][:16]}… (copied from {meta['gtdocs_source']})")
    L.append("")
    L.append("| machine | |")
    L.append("| --- | --- |")
    for k, label in (("nproc", "cores (nproc)"), ("cpu", "CPU"), ("memory", "memory"), ("kernel", "kernel"),
                     ("os", "OS"), ("filesystem", "work folder"), ("hugo", "hugo"), ("pagefind", "pagefind"),
                     ("python", "python"), ("rss_floor", "measurement floor")):
        L.append(f"| {label} | {meta[k]} |")
    L.append(f"| runs | {meta['runs']} timed rounds per size (+1 warm-up){' — QUICK, not a valid result' if meta['quick'] else ''} |")
    L.append("")
    L.append("Wall seconds and peak RSS are medians over the rounds, [min–max] beside them. "
             "Hugo + Pagefind is the sum of the two times in the same round (RSS: the larger). "
             "CPU s: user + system seconds of the command itself (above its wall time = it used both cores). "
             "Other CPU s: what the rest of the machine used meanwhile (/proc/stat), a noise indicator.")
    for r in results:
        s = r["summary"]
        L.append("")
        L.append(f"## {fmt_n(r['n'])} runbooks")
        L.append("")
        L.append("| command | wall s (median) | [min–max] | peak RSS MiB (median) | [min–max] | CPU s user + sys (medians) | other CPU s (median) |")
        L.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for key, label in COMMANDS:
            w, m, c, o = s[key]["wall_s"], s[key]["rss_mib"], s[key]["cpu_s"], s[key]["other_cpu_s"]
            L.append(f"| {label} | {w['median']:.3f} | {w['min']:.3f}–{w['max']:.3f} | "
                     f"{m['median']:.1f} | {m['min']:.1f}–{m['max']:.1f} | {s[key]['user_s']['median']:.2f} + {s[key]['sys_s']['median']:.2f} | {o['median']:.2f} |")
        L.append("")
        L.append(f"- gtdocs / (hugo + pagefind): **{s['ratio_gtdocs_over_hugo_pagefind']:.3f}**; "
                 f"gtdocs / hugo: **{s['ratio_gtdocs_over_hugo']:.3f}** (ratios of the medians; "
                 f"medians of the per-round ratios: {s['round_ratio_gtdocs_over_hugo_pagefind']:.3f} and "
                 f"{s['round_ratio_gtdocs_over_hugo']:.3f})")
        o = r["outputs"]
        L.append(f"- outputs: gtdocs `--out` {mib(o['gtdocs_out']['bytes'])} in {fmt_n(o['gtdocs_out']['files'])} files "
                 f"(search index: {fmt_n(o['gtdocs_out']['search_pages'])} pages in {o['gtdocs_out']['search_parts']} part(s)); "
                 f"Hugo `public/` after pagefind {mib(o['hugo_public']['bytes'])} in {fmt_n(o['hugo_public']['files'])} files "
                 f"(search index: {fmt_n(o['hugo_public']['search_pages'])} pages in {o['hugo_public']['search_parts']} part(s)); "
                 f"corpus {mib(o['corpus']['bytes'])} in {fmt_n(o['corpus']['files'])} files")
        loads = [x["loadavg_1m_before"] for x in r["rounds"]]
        other = sum(x[k]["other_cpu_s"] for x in r["rounds"] for k in ("gtdocs_build", "gtdocs_check", "hugo", "pagefind"))
        timed_wall = sum(x[k]["wall_s"] for x in r["rounds"] for k in ("gtdocs_build", "gtdocs_check", "hugo", "pagefind"))
        nd = len(r.get("discarded_rounds", []))
        still = sum(1 for x in r["rounds"] if x.get("noisy"))
        waited = sum(x.get("waited_for_quiet_s", 0) for x in r["rounds"] + r.get("discarded_rounds", []))
        L.append(f"- rounds discarded as noisy and run again: {nd}; noisy rounds kept (retries used up): {still}; "
                 f"waited {waited:.0f} s in all for a quiet machine")
        L.append(f"- noise: CPU used outside the measured processes (other processes, kernel write-back) "
                 f"during the timed commands {other:.2f} s "
                 f"over {timed_wall:.1f} s of timed wall clock (2 cores: {timed_wall * (os.cpu_count() or 1):.1f} core-s); "
                 f"1-minute load average before the rounds {min(loads):.2f}–{max(loads):.2f}")
    g = growth(results, 1000, 10000)
    if g:
        L.append("")
        L.append("## Growth 1,000 → 10,000 runbooks (×, medians)")
        L.append("")
        L.append("| command | wall time | peak RSS |")
        L.append("| --- | ---: | ---: |")
        for label, t, m in g["rows"]:
            L.append(f"| {label} | {t:.2f}× | {m:.2f}× |")
        L.append("")
        L.append(f"- output size: gtdocs {g['gtdocs_out_bytes']:.2f}×, Hugo + Pagefind {g['hugo_public_bytes']:.2f}×")
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("```")
    L.extend(targets(results))
    L.append("```")
    return "\n".join(L) + "\n"


# --------------------------------------------------------------------- main
def machine(bins):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    osname = "unknown"
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "kernel": platform.release(),
        "os": osname,
        "hugo": capture([bins["hugo"], "version"]),
        "pagefind": capture([bins["pagefind"], "--version"]),
        "python": platform.python_version(),
    }


def rss_floor(logdir):
    """Peak RSS and wall time that the measurement itself reports for /bin/true."""
    r = [timed(["/bin/true"], logdir, "floor") for _ in range(3)]
    return (f"{min(x['rss_mib'] for x in r):.1f} MiB, {min(x['wall_s'] for x in r) * 1000:.1f} ms "
            "(what the measurement reports for /bin/true)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+",
                    default=[int(x) for x in os.environ.get("SIZES", "100 1000 10000").split()])
    ap.add_argument("--runs", type=int, default=int(os.environ["RUNS"]) if os.environ.get("RUNS") else None)
    ap.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1",
                    help="sizes 100 1000 (unless given), 2 runs (unless given), any run count allowed; not a valid result")
    ap.add_argument("--gtdocs-bin", default=os.environ.get("GTDOCS_BIN") or os.path.join(REPO, "target", "release", "gtdocs"))
    ap.add_argument("--hugo-bin", default=os.environ.get("HUGO_BIN") or shutil.which("hugo") or "hugo")
    ap.add_argument("--pagefind-bin", default=os.environ.get("PAGEFIND_BIN") or DEFAULT_PAGEFIND)
    ap.add_argument("--out-dir", default=os.path.join(REPO, "target", "bench"))
    ap.add_argument("--report", metavar="JSON",
                    help="print the Markdown report of an earlier run's JSON (rewriting its .md beside it) and exit")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (corpora, Hugo sites, logs)")
    ap.add_argument("--no-noise-guard", action="store_true", default=os.environ.get("NOISE_GUARD") == "0",
                    help="measure even while other processes use the CPU (no waiting, no re-runs)")
    ap.add_argument("--max-retries", type=int, default=int(os.environ["MAX_RETRIES"]) if os.environ.get("MAX_RETRIES") else None,
                    help="noisy rounds run again per size, at most (default 2 x runs)")
    ap.add_argument("--max-quiet-wait", type=float, default=float(os.environ.get("MAX_QUIET_WAIT", "300")),
                    help="seconds to wait for a quiet machine before each round (default 300)")
    args = ap.parse_args()

    if args.report:
        with open(args.report, encoding="utf-8") as f:
            data = json.load(f)
        for r in data["results"]:
            r["summary"] = summarize(r)
        md = report(data["meta"], data["results"])
        with open(os.path.splitext(args.report)[0] + ".md", "w", encoding="utf-8") as f:
            f.write(md)
        print(md, end="")
        return 0

    if args.quick:
        if "--sizes" not in sys.argv[1:] and not os.environ.get("SIZES"):
            args.sizes = [100, 1000]
        if args.runs is None:
            args.runs = 2
    if args.runs is None:
        args.runs = DEFAULT_RUNS
    if args.runs < 1 or (args.runs < MIN_RUNS and not args.quick):
        ap.error(f"--runs must be at least {MIN_RUNS} (or pass --quick for a smoke run)")
    if any(n < 1 for n in args.sizes):
        ap.error("sizes must be positive")

    for name in ("gtdocs_bin", "hugo_bin", "pagefind_bin"):
        p = getattr(args, name)
        if not (os.path.isfile(p) and os.access(p, os.X_OK)):
            ap.error(f"{name.replace('_', '-')}: {p} is not an executable file "
                     "(scripts/bench/build.sh builds gtdocs and runs install.sh)")

    work = tempfile.mkdtemp(prefix="gtdocs-bench-build.")
    _TRASH["dir"] = os.path.join(work, "trash")
    try:
        # A private copy of the binary: a rebuild during the run changes nothing.
        gtdocs = os.path.join(work, "gtdocs")
        shutil.copy2(args.gtdocs_bin, gtdocs)
        with open(gtdocs, "rb") as f:
            sha = hashlib.file_digest(f, "sha256").hexdigest()
        bins = {"gtdocs": gtdocs, "hugo": args.hugo_bin, "pagefind": args.pagefind_bin}
        now = datetime.datetime.now().astimezone()
        dirty = capture(["git", "-C", REPO, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"])
        meta = {
            "date": now.strftime("%Y-%m-%d %H:%M %Z"),
            "git_commit": capture(["git", "-C", REPO, "log", "-1", "--format=%h"]),
            "git_dirty_src": bool(dirty) and not dirty.startswith("unknown"),
            "gtdocs_version": capture([gtdocs, "--version"]),
            "gtdocs_source": os.path.abspath(args.gtdocs_bin),
            "gtdocs_sha256": sha,
            "filesystem": capture(["df", "--output=fstype", work]).splitlines()[-1].strip() + f" ({work})",
            "sizes": args.sizes,
            "runs": args.runs,
            "quick": args.quick,
            "noise_guard": not args.no_noise_guard,
            **machine(bins),
        }
        log(f"{meta['gtdocs_version']} (commit {meta['git_commit']}), {meta['hugo']}, {meta['pagefind']}; "
            f"sizes {args.sizes}, {args.runs} runs{' (quick)' if args.quick else ''}; work folder {work}")
        guard = {"on": not args.no_noise_guard, "max_wait": args.max_quiet_wait,
                 "retries": args.max_retries if args.max_retries is not None else 2 * args.runs}
        logroot = os.path.join(work, "logs")
        os.makedirs(logroot)
        meta["rss_floor"] = rss_floor(logroot)
        results = []
        for n in args.sizes:
            r = bench_size(n, args.runs, bins, work, logroot, guard, args.keep)
            r["summary"] = summarize(r)
            results.append(r)
        md = report(meta, results)
        os.makedirs(args.out_dir, exist_ok=True)
        stamp = now.strftime("%Y%m%d-%H%M%S")
        base = os.path.join(args.out_dir, f"build-{stamp}{'-quick' if args.quick else ''}")
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump({"meta": meta, "results": results, "targets": targets(results)}, f, indent=2)
            f.write("\n")
        with open(base + ".md", "w", encoding="utf-8") as f:
            f.write(md)
        print(md, end="")
        log(f"wrote {base}.md and {base}.json")
    except BenchError as e:
        log(f"FAILED: {e}")
        log(f"work folder kept for inspection: {work}")
        return 1
    if args.keep:
        log(f"work folder kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
