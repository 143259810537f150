#!/usr/bin/env python3
"""Build benchmark: `gtdocs build` against the stack a team would pick instead,
Hugo + Pagefind, on the same content, on a journaled ext4 file system and on
tmpfs, fresh, in place and incremental. Python 3.11, standard library only.

    scripts/bench/build.sh                       # the one command (builds, installs, runs this)
    scripts/bench/run.py [--sizes 1000 10000] [--runs 3] [--quick]
                         [--fs ext4-journal,tmpfs] [--gtdocs-bin PATH] [--out-dir target/bench]
                         [--keep] [--no-noise-guard] [--max-quiet-wait SECONDS] [--max-retries K]
                         [--search-mjs PATH]
    scripts/bench/run.py --report target/bench/build-DATE.json   # re-render a report

Environment (the arguments win): SIZES="1000 10000", RUNS=3 (the default),
BENCH_FS=ext4-journal,tmpfs, GTDOCS_BIN=PATH, HUGO_BIN, PAGEFIND_BIN,
BENCH_QUICK=1, NOISE_GUARD=0, MAX_QUIET_WAIT=300, MAX_RETRIES, TMPDIR.

Run time: `--sizes 1000 10000 --runs 3` as root, both file systems, took 41
minutes on a shared 2-core VM (2026-12-04, Xeon, --max-quiet-wait 20
--max-retries 1; the machine was busy, so the quiet waits, about 8 minutes,
and one re-run half per size and file system are in that figure). 10,000
runbooks dominate: a round there is 13 timed commands of 2-75 s per file
system; the untimed warm-up, corpus and byte-for-byte check add about one
more round. That run had no search.mjs; with it (node
scripts/bench/search.mjs of the browser benchmark, 7 runs), one --quick run at
1,000 spent about 6 minutes in search.mjs: add that per size. The defaults (--max-quiet-wait 300, 2 x R re-runs) can take
much longer on a busy machine.

File systems (--fs, BENCH_FS; default both, in this order):

- ext4-journal: as root, a sparse 24 GiB image (truncate -s 24G in the work
  folder under TMPDIR; mkfs.ext4 -q -F -J size=1024), mounted with
  `mount -o loop` on a fresh folder /mnt/gtdocs-bench-ext4.*; the script
  checks that /proc/fs/jbd2 lists the loop device (journal on) and that
  /proc/self/mountinfo says ext4. The journal is the 1 GiB mkfs.ext4
  (e2fsprogs 1.47) gives a file system of 128 GiB or more, a laptop's or a
  workstation's disk (64-128 GiB get 512 MiB), not the 128 MiB it would
  give a 24 GiB image: a build that creates or links some 70,000 files and
  folders fills that one, and every writer then waits while it is
  checkpointed (perf: __jbd2_log_wait_for_space). Measured on this machine
  with one binary (commit bb46bd2) on a 4 GiB image, 4 runs each, the first
  edit at 10,000 took a median 0.97 s with a 128 MiB journal, 0.835 s with
  512 MiB and with 1 GiB.
- tmpfs: as root, `mount -t tmpfs -o size=20G` on /mnt/gtdocs-bench-tmpfs.*.
- tmpdir: no mount; TMPDIR as it is.
Corpora, Hugo sites, outputs and Hugo's cache go on that file system (logs and
the copy of the binary stay in the work folder under TMPDIR). Both mounts are
unmounted and the image deleted at the end, also on an error, Ctrl-C, SIGTERM
or SIGHUP (the running command, started in a process group of its own, is
killed first). Not root: nothing is mounted; the run happens once in TMPDIR
and the report names its file system (type from /proc/self/mountinfo; for
ext4 whether /proc/fs/jbd2 lists its device), with a WARNING when it is ext4
without a journal: there ext4 skips the inodes freed in the last seconds when
it creates files (no journal: ialloc's recently_deleted check), so file
creation after a deletion is slow and erratic, unlike a user's journaled disk.
Every table of the report is headed by the file system its figures come from.

What is measured, per file system and size N (1,000 and 10,000 runbooks by default):

- The corpus: scripts/bench/corpus.py N (each runbook one of the bundled ones,
  about the seed's size, with a title, slug and words of its own; the real
  catalog, gtdocs.yaml, unchanged; deterministic), generated on that file system.
- gtdocs build --root CORPUS --out OUT -q (every output: wiki, HTML site with
  its Pagefind index, JSON manifests), in five modes, in this order in a round:
    fresh        OUT and its build cache (OUT's `.NAME.cache` beside it)
                 absent (moved aside before; see discard())
    in place     --no-cache: OUT holds the previous build, which gtdocs
                 replaces whole (it stages the new site beside it, swaps,
                 deletes the old one: all inside the timed command), reusing
                 nothing: the full rebuild the incremental ones are held to
    (untimed)    the same command with the cache, which indexes the output
                 and (as fresh does, timed) leaves a twin of it in the cache
                 as the previous output (it has no replaced output to keep)
    incremental  one runbook changed (one word of one caveat, "Deployment I uses
                 the WORD profile", WORD and runbook different for every edit),
                 then the same command with the cache: the first edit after
                 a full build (it recycles that twin)
    next edit    another runbook changed the same way, the same command: the
                 steady state of an edit loop (the previous output recycled)
    catalog      gtdocs.yaml changed (the first route's summary gets a
                 " Revision K." of its own), the same command: every page
                 shows the summaries, so every unit is made again
  Once per size and file system (round 1, untimed), the output after the
  next edit is compared byte for byte with a clean build (--no-cache) of the
  same tree into another folder; a difference stops the benchmark (exit 1).
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
  hugo --quiet --noBuildLock --source SITE --destination PUBLIC --cacheDir CACHE
  pagefind --site PUBLIC --quiet (the native binary of the pinned npm package
  @pagefind/linux-x64, the one `npx pagefind` spawns, run directly: the Node
  wrapper's start-up, ~50 ms, is left out, again in the peer's favour).
  Modes: fresh (PUBLIC and CACHE absent), in place (Hugo writes into the
  existing PUBLIC with its cache, pagefind indexes it again), incremental (the
  same one-word edit in the runbook's content/runbooks/<slug>.md, then hugo +
  pagefind in place: the peer has no incremental build, it builds everything
  again). The peer has no catalog. Hugo + Pagefind of a mode = hugo's time +
  pagefind's time (peak RSS: the larger of the two); medians over those sums.

Each timed command is a whole process: wall clock with time.perf_counter()
around spawn and os.wait4(); peak RSS (ru_maxrss, KiB -> MiB; it includes
the command's reaped children) and user+sys CPU seconds from the rusage of
wait4 on the command, read through GNU time (/usr/bin/time -f '%M %U %S'):
Python's own wait4 would report the Python parent's peak RSS as a floor
(see timed()). GNU time adds about 1 ms and 1 MiB. "Cores used" = CPU / wall;
"wall / (CPU / cores)" is how far the wall time is from a perfect spread of
the command's CPU over every core (1.00 = perfect; nproc = one core busy).
Before a fresh build its old output is moved aside (renamed into a trash
folder on the same file system; on tmpfs deleted right away, elsewhere only
after every measurement of that file system: see discard()), and `sync` runs
just before each timed command, so no write-back of an earlier command lands
inside a measurement. The gtdocs binary is COPIED to the work folder at start
(a rebuild under way does not change what is measured; its sha256 and the git
commit are reported). One untimed warm-up round per size and file system
(fresh builds) checks the outputs (page counts of both search indexes), then R
timed rounds alternate which stack goes first: odd rounds gtdocs first, even
rounds Hugo + Pagefind first.

Noise guard (the machine may be shared; --no-noise-guard or NOISE_GUARD=0
turns it off): before each stack's half of a round the script waits, up to
--max-quiet-wait seconds (MAX_QUIET_WAIT, default 300), for 3 seconds in a
row in which the machine is idle (under 10% of a core busy, /proc/stat).
During each timed command it counts the CPU that the rest of the machine used
(/proc/stat busy time minus the command's own CPU); a half-round (all of one
stack's commands of a round) in which that exceeds 10% of a command's wall
time + 0.05 s is discarded and run again (with new edits), at most
--max-retries (MAX_RETRIES, default 2 x R) extra halves per size and file
system; past that, noisy halves are kept and counted. The report gives the
discarded halves, the noisy ones kept, the wait, and the "other CPU".

Browser search: once per size, on tmpfs (else on the last file system run),
after that size's rounds:
  node scripts/bench/search.mjs --gtdocs-site OUT/html --peer-site PUBLIC
       --rare WORD --common WORD --runs 7 --out target/bench/search-DATE-N.json
(search.mjs belongs to the browser search benchmark; --search-mjs PATH picks
another copy). The rare word is one the corpus generator put in exactly one
runbook that no edit touched and that starts no other word of the corpus
(Pagefind matches prefixes); the common word is the one of "tenant", "chat",
"key" found in the most runbooks. Its stdout goes into the report, its JSON
into the results. Without search.mjs the report says "search.mjs missing".

Results: a Markdown report on stdout and in target/bench/build-<date>.md,
the raw data in target/bench/build-<date>.json. Targets are printed as
PASS/FAIL lines per file system (a miss does not change the exit code); sizes
not run show SKIP. The exit code is non-zero only when something failed to
run (or the incremental output differs from a clean build's).
"""
import argparse
import datetime
import filecmp
import hashlib
import json
import os
import re
import signal
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
MIN_RUNS = 3
# Rounds alternate which tool goes first (odd rounds gtdocs, even rounds the peer).
DEFAULT_RUNS = 3

# Targets: (label, size, metric function over results, threshold, comparison)
RATIO_TARGET = 0.35
RATIO_STRETCH = 1.0
RSS_TARGET_MIB = 250
INCR_TARGET = 0.10  # incremental (one runbook) / full in-place build
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
        # A process group of its own: on Ctrl-C / SIGTERM the script kills it
        # (see kill_current()) before it unmounts the file system.
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                                start_new_session=True)
        _CURRENT["proc"] = proc
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        _CURRENT["proc"] = None
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


_CURRENT = {"proc": None}


def kill_current():
    """Kills the timed command still running (its whole process group)."""
    proc = _CURRENT["proc"]
    if proc is None:
        return
    try:
        os.killpg(proc.pid, 9)
    except OSError:
        pass
    try:
        os.waitpid(proc.pid, 0)
    except OSError:
        pass
    _CURRENT["proc"] = None


def rmtree(path):
    if os.path.lexists(path):
        shutil.rmtree(path)


_TRASH = {"dir": None, "n": 0, "now": False}


def discard(path):
    """Moves `path` into the work folder's trash (a rename: no file is
    deleted). Deleting tens of thousands of files just before a timed run
    makes every file the next command creates slow: ext4 skips inodes freed
    in the last 60 s when it allocates new ones, scanning inode tables to do
    so. A CI build starts on a disk with no such deletions, so the trash is
    emptied only after every measurement of the file system. On tmpfs
    (_TRASH["now"]) nothing of the kind happens and the trash would fill the
    RAM: the folder is deleted at once, before the quiet wait."""
    if not os.path.lexists(path):
        return
    if _TRASH["now"]:
        shutil.rmtree(path)
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




# ------------------------------------------------------------ file systems
FS_KINDS = ("ext4-journal", "tmpfs", "tmpdir")
IMAGE_SIZE = "24G"
# The journal of a disk of 128 GiB or more (see the docstring), not the
# 128 MiB mkfs.ext4 gives the 24 GiB image.
JOURNAL_MIB = 1024
TMPFS_SIZE = "20G"
MNT_ROOT = "/mnt"


def mount_info(path):
    """(fstype, mount point, source) of the file system holding `path`, from
    /proc/self/mountinfo (the entry whose device is the path's st_dev; the
    last one listed when several are, as that is the one on top)."""
    st = os.stat(path)
    dev = f"{os.major(st.st_dev)}:{os.minor(st.st_dev)}"
    found = None
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            parts = left.split()
            if parts[2] != dev:
                continue
            mnt = parts[4].replace("\\040", " ")
            if path == mnt or path.startswith(mnt.rstrip("/") + "/"):
                fstype, source = right.split()[:2]
                found = (fstype, mnt, source)
    if found is None:
        return ("unknown", "?", "?")
    return found


def jbd2_devices():
    try:
        return sorted(os.listdir("/proc/fs/jbd2"))
    except OSError:
        return []


def has_journal(source):
    """Whether /proc/fs/jbd2 lists the block device `source` (/dev/vda ->
    vda-8): the kernel runs a journal thread for every mounted ext3/ext4
    file system that has a journal."""
    if not source.startswith("/dev/"):
        return False
    name = os.path.basename(os.path.realpath(source))
    return any(d.rsplit("-", 1)[0] == name for d in jbd2_devices())


def describe_fs(path):
    fstype, mnt, source = mount_info(path)
    d = {"type": fstype, "mount_point": mnt, "source": source, "path": path}
    if fstype in ("ext4", "ext3"):
        d["journal"] = has_journal(source)
        d["label"] = f"{fstype} {'with' if d['journal'] else 'WITHOUT'} a journal ({source} on {mnt})"
    else:
        d["label"] = f"{fstype} ({source} on {mnt})"
    return d


def run_root(cmd):
    subprocess.run(cmd, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


class Mounts:
    """The mounts and the image this run made, undone by cleanup() (called
    from main's finally, also after Ctrl-C / SIGTERM)."""

    def __init__(self):
        self.mounted = []  # mount points, in mount order
        self.dirs = []     # folders made under /mnt
        self.files = []    # images
        self.made = []     # every folder made under /mnt, kept for the final check

    def _mkdir(self, kind):
        d = tempfile.mkdtemp(prefix=f"gtdocs-bench-{kind}.", dir=MNT_ROOT)
        self.dirs.append(d)
        self.made.append(d)
        return d

    def ext4(self, work):
        image = os.path.join(work, "ext4.img")
        self.files.append(image)
        run_root(["truncate", "-s", IMAGE_SIZE, image])
        run_root(["mkfs.ext4", "-q", "-F", "-J", f"size={JOURNAL_MIB}", image])
        mnt = self._mkdir("ext4")
        run_root(["mount", "-o", "loop", image, mnt])
        self.mounted.append(mnt)
        d = describe_fs(mnt)
        if d["mount_point"] != mnt or d["type"] != "ext4":
            raise BenchError(f"{mnt}: /proc/self/mountinfo says {d['type']} on {d['mount_point']}, not ext4 on {mnt}")
        if not d["journal"]:
            raise BenchError(f"{mnt}: /proc/fs/jbd2 does not list {d['source']} ({jbd2_devices()}): "
                             "the image has no journal")
        d["label"] = (f"ext4 with a journal (/proc/fs/jbd2: {os.path.basename(d['source'])}-8), "
                      f"sparse {IMAGE_SIZE} image with a {JOURNAL_MIB} MiB journal on {mount_info(work)[0]} "
                      f"via {d['source']}, mounted on {mnt}")
        return mnt, d

    def tmpfs(self):
        mnt = self._mkdir("tmpfs")
        run_root(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE}", "gtdocs-bench", mnt])
        self.mounted.append(mnt)
        d = describe_fs(mnt)
        if d["mount_point"] != mnt or d["type"] != "tmpfs":
            raise BenchError(f"{mnt}: /proc/self/mountinfo says {d['type']} on {d['mount_point']}, not tmpfs")
        d["label"] = f"tmpfs (size={TMPFS_SIZE}, mounted on {mnt})"
        return mnt, d

    def release(self, mnt):
        """Unmounts one mount point (if mounted) and removes its folder."""
        if os.path.ismount(mnt):
            umount(mnt)
        if mnt in self.mounted:
            self.mounted.remove(mnt)
        if mnt in self.dirs:
            os.rmdir(mnt)
            self.dirs.remove(mnt)

    def cleanup(self):
        # Every folder made under /mnt, mounted or not (a signal may have
        # come between `mount` and the note of it).
        for mnt in reversed(list(dict.fromkeys(self.dirs + self.mounted))):
            try:
                self.release(mnt)
            except Exception as e:  # keep going: every mount must go
                log(f"cleanup of {mnt} failed: {e}")
        for f in list(self.files):
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
            except OSError as e:
                log(f"could not delete {f}: {e}")
            self.files.remove(f)


def umount(mnt):
    """umount, retried for a few seconds while busy, then lazily (detached
    now, freed when the last user goes) so that nothing stays mounted."""
    last = ""
    for _ in range(10):
        r = subprocess.run(["umount", mnt], capture_output=True, text=True)
        if r.returncode == 0:
            return
        last = r.stderr.strip()
        time.sleep(0.5)
    log(f"umount {mnt} failed ({last}); detaching it lazily (umount -l)")
    subprocess.run(["umount", "-l", mnt], check=True)


class Interrupted(BaseException):
    pass


def on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


# ---------------------------------------------------------------- one size
# A command's measurement is noisy when the rest of the machine used more than
# this share of one core meanwhile (plus a small slack for short commands).
NOISE_FRACTION = 0.10
NOISE_SLACK_S = 0.05
GTDOCS_MODES = ("fresh", "inplace", "incr", "incr2", "catalog")
PEER_MODES = ("fresh", "inplace", "incr")
MODE_LABEL = {"fresh": "fresh", "inplace": "in place", "incr": "incremental (1 runbook)",
              "incr2": "incremental (1 runbook, the next edit)",
              "catalog": "catalog edit (gtdocs.yaml)"}
GTDOCS_KEYS = [f"gtdocs_{m}" for m in GTDOCS_MODES] + ["gtdocs_check"]
PEER_KEYS = [f"{t}_{m}" for m in PEER_MODES for t in ("hugo", "pagefind")]
SEARCH_CANDIDATES = ("tenant", "chat", "key")
SEARCH_TIMEOUT_S = 1800


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


def edit_word(e):
    """The word of the e-th edit: revised + e in base 26 (letters only)."""
    s = ""
    while True:
        s = chr(97 + e % 26) + s
        e //= 26
        if e == 0:
            return "revised" + s


class Editor:
    """Deterministic one-runbook edits (one caveat word) and catalog edits
    (the first route's summary), each different from all before it. gtdocs
    edits the corpus YAML; the peer the same runbook's Hugo Markdown."""

    def __init__(self, corpus, hugo_site, n):
        self.corpus, self.hugo_site, self.n = corpus, hugo_site, n
        self.files = {}
        for name in os.listdir(os.path.join(corpus, "runbooks")):
            stem = name[:-5]
            self.files[int(stem.rsplit("-", 1)[1])] = stem
        if len(self.files) != n:
            raise BenchError(f"corpus: {len(self.files)} runbooks, expected {n}")
        self.count = {"gtdocs": 0, "peer": 0, "catalog": 0}
        self.touched = set()
        with open(os.path.join(corpus, "gtdocs.yaml"), encoding="utf-8") as f:
            self.catalog = f.read()

    def target(self, e):
        return (e * 7919 + 17) % self.n

    def runbook(self, who):
        e = self.count[who]
        self.count[who] += 1
        i, word = self.target(e), edit_word(e)
        self.touched.add(i)
        stem = self.files[i]
        if who == "gtdocs":
            path, want = os.path.join(self.corpus, "runbooks", stem + ".yaml"), 1
        else:
            path, want = os.path.join(self.hugo_site, "content", "runbooks", stem + ".md"), None
        with open(path, encoding="utf-8") as f:
            text = f.read()
        new, k = re.subn(rf"(Deployment {i} uses the )\w+( profile\.)", rf"\g<1>{word}\g<2>", text)
        if k == 0 or (want is not None and k != want) or new == text:
            raise BenchError(f"edit of {path}: {k} caveat(s) 'Deployment {i} uses the ... profile.' found")
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
        return {"runbook": stem, "word": word}

    def gtdocs_yaml(self):
        e = self.count["catalog"]
        self.count["catalog"] += 1
        new, k = re.subn(r"^(    summary: [^\n]*?\.)$", rf"\g<1> Revision {e + 1}.", self.catalog, count=1, flags=re.M)
        if k != 1:
            raise BenchError("gtdocs.yaml: no route summary to edit")
        with open(os.path.join(self.corpus, "gtdocs.yaml"), "w", encoding="utf-8") as f:
            f.write(new)
        return {"catalog": f"Revision {e + 1}"}


def same_tree(a, b):
    """None when the trees under a and b hold the same paths with the same
    bytes (symbolic links: the same target), else the first difference."""
    def listing(root):
        out = {}
        for dirpath, dirnames, names in os.walk(root):
            for name in names + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                full = os.path.join(dirpath, name)
                out[os.path.relpath(full, root)] = full
            for d in dirnames:
                full = os.path.join(dirpath, d)
                out.setdefault(os.path.relpath(full, root) + "/", full)
        return out
    la, lb = listing(a), listing(b)
    if la.keys() != lb.keys():
        only_a, only_b = sorted(la.keys() - lb.keys()), sorted(lb.keys() - la.keys())
        return f"paths only in the incremental output: {only_a[:5]}; only in the clean one: {only_b[:5]}"
    for rel in sorted(la):
        pa, pb = la[rel], lb[rel]
        if rel.endswith("/"):
            continue
        if os.path.islink(pa) or os.path.islink(pb):
            if not (os.path.islink(pa) and os.path.islink(pb) and os.readlink(pa) == os.readlink(pb)):
                return f"{rel}: symbolic links differ"
        elif not filecmp.cmp(pa, pb, shallow=False):
            return f"{rel}: bytes differ"
    return None


def peer_sum(rec, mode):
    h, p = rec[f"hugo_{mode}"], rec[f"pagefind_{mode}"]
    return {
        "wall_s": h["wall_s"] + p["wall_s"],
        "rss_mib": max(h["rss_mib"], p["rss_mib"]),
        "cpu_s": h["cpu_s"] + p["cpu_s"],
        "user_s": h["user_s"] + p["user_s"],
        "sys_s": h["sys_s"] + p["sys_s"],
        "other_cpu_s": h["other_cpu_s"] + p["other_cpu_s"],
        "exit": 0,
    }


def bench_size(fs, n, runs, bins, logroot, guard, keep=False):
    base = fs["base"]
    d = os.path.join(base, f"n{n}")
    rmtree(d)
    os.makedirs(d)
    logdir = os.path.join(logroot, fs["kind"], f"n{n}")
    os.makedirs(logdir, exist_ok=True)
    tag = f"{fs['kind']} N={n}"
    corpus = os.path.join(d, "corpus")
    log(f"{tag}: generating the corpus")
    subprocess.run([sys.executable, os.path.join(BENCH, "corpus.py"), str(n), corpus], check=True)
    src_bytes, src_files = tree_size(corpus)

    log(f"{tag}: gtdocs build (untimed) for the Hugo site's content")
    prep = os.path.join(d, "prep")
    timed([bins["gtdocs"], "build", "-q", "--root", corpus, "--out", prep], logdir, "prep")
    hugo_site = os.path.join(d, "hugo-site")
    pages = make_hugo_site(hugo_site, os.path.join(prep, "json", "manifest.json"), os.path.join(prep, "wiki"))
    if pages != n:
        raise BenchError(f"manifest lists {pages} runbooks, corpus has {n}")
    discard(prep)
    editor = Editor(corpus, hugo_site, n)

    out = os.path.join(d, "gtdocs-out")
    public = os.path.join(d, "hugo-public")
    cache = os.path.join(d, "hugo-cache")
    check_out = os.path.join(d, "gtdocs-clean")
    out_cache = os.path.join(d, ".gtdocs-out.cache")  # gtdocs' default: beside the output
    gt_build = lambda: [bins["gtdocs"], "build", "-q", "--root", corpus, "--out", out]  # noqa: E731
    hugo_cmd = [bins["hugo"], "--quiet", "--noBuildLock", "--source", hugo_site,
                "--destination", public, "--cacheDir", cache]
    pagefind_cmd = [bins["pagefind"], "--site", public, "--quiet"]
    compared = {}

    def run_gtdocs(t, first_round):
        discard(out)
        discard(out_cache)
        r = {"gtdocs_fresh": timed(gt_build(), logdir, f"{t}-fresh")}
        # A full rebuild in place: the cache neither read nor kept.
        r["gtdocs_inplace"] = timed(gt_build() + ["--no-cache"], logdir, f"{t}-inplace")
        # Untimed: a build with the cache, so that the next one has an
        # indexed output to reuse (the one above left none).
        timed(gt_build(), logdir, f"{t}-warm")
        r["edit"] = editor.runbook("gtdocs")
        r["gtdocs_incr"] = timed(gt_build(), logdir, f"{t}-incr")
        r["edit2"] = editor.runbook("gtdocs")
        r["gtdocs_incr2"] = timed(gt_build(), logdir, f"{t}-incr2")
        if first_round and not compared:
            # Untimed: the incremental output against a clean build of the same tree.
            discard(check_out)
            timed([bins["gtdocs"], "build", "-q", "--no-cache", "--root", corpus, "--out", check_out], logdir,
                  f"{t}-clean")
            diff = same_tree(out, check_out)
            if diff:
                raise BenchError(f"{tag}: the incremental build's output differs from a clean build's: {diff}")
            b, fcount = tree_size(out)
            compared.update({"equal": True, "files": fcount, "bytes": b, "edit": r["edit"]})
            log(f"{tag}: incremental output = clean build's, byte for byte ({fcount:,} files)")
            discard(check_out)
        r["catalog_edit"] = editor.gtdocs_yaml()
        r["gtdocs_catalog"] = timed(gt_build(), logdir, f"{t}-catalog")
        r["gtdocs_check"] = timed([bins["gtdocs"], "check", "-q", "--root", corpus], logdir, f"{t}-check")
        return r

    def run_peer(t):
        discard(public)
        discard(cache)
        os.makedirs(cache)
        r = {}
        for mode in PEER_MODES:
            if mode == "incr":
                r["peer_edit"] = editor.runbook("peer")
            r[f"hugo_{mode}"] = timed(hugo_cmd, logdir, f"{t}-hugo-{mode}")
            r[f"pagefind_{mode}"] = timed(pagefind_cmd, logdir, f"{t}-pagefind-{mode}")
            r[f"peer_{mode}"] = peer_sum(r, mode)
        return r

    log(f"{tag}: warm-up round (untimed, fresh builds, checks the outputs)")
    discard(out)
    discard(public)
    discard(cache)
    timed(gt_build(), logdir, "warmup-gtdocs")
    os.makedirs(cache)
    timed(hugo_cmd, logdir, "warmup-hugo")
    timed(pagefind_cmd, logdir, "warmup-pagefind")
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
    noisy_kept = 0
    for i in range(1, runs + 1):
        order = ["gtdocs", "peer"] if i % 2 == 1 else ["peer", "gtdocs"]
        rec = {"round": i, "order": order, "waited_for_quiet_s": 0.0, "noisy": []}
        for who in order:
            keys = GTDOCS_KEYS if who == "gtdocs" else PEER_KEYS
            while True:
                waited = wait_quiet(guard["max_wait"]) if guard["on"] else 0.0
                with open("/proc/loadavg") as f:
                    load = float(f.read().split()[0])
                half = run_gtdocs(f"r{i}", i == 1) if who == "gtdocs" else run_peer(f"r{i}")
                half[f"loadavg_1m_before_{who}"] = load
                noisy = [k for k in keys if half[k]["other_cpu_s"] > NOISE_FRACTION * half[k]["wall_s"] + NOISE_SLACK_S]
                if who == "gtdocs":
                    log(f"{tag} round {i}/{runs}: gtdocs fresh {half['gtdocs_fresh']['wall_s']:.2f} s, "
                        f"in place {half['gtdocs_inplace']['wall_s']:.2f} s, incr {half['gtdocs_incr']['wall_s']:.2f} s, "
                        f"next edit {half['gtdocs_incr2']['wall_s']:.2f} s, "
                        f"catalog {half['gtdocs_catalog']['wall_s']:.2f} s, check {half['gtdocs_check']['wall_s']:.2f} s, "
                        f"RSS {max(half[k]['rss_mib'] for k in GTDOCS_KEYS):.0f} MiB"
                        f"{'; NOISY: ' + ', '.join(noisy) if noisy else ''}")
                else:
                    log(f"{tag} round {i}/{runs}: hugo + pagefind fresh {half['peer_fresh']['wall_s']:.2f} s, "
                        f"in place {half['peer_inplace']['wall_s']:.2f} s, incr {half['peer_incr']['wall_s']:.2f} s"
                        f"{'; NOISY: ' + ', '.join(noisy) if noisy else ''}")
                rec["waited_for_quiet_s"] += waited
                if noisy and retries > 0:
                    retries -= 1
                    discarded.append({"round": i, "stack": who, "noisy": noisy, **half})
                    log(f"{tag}: {who}'s half of round {i} discarded (another process used the CPU); running it again")
                    continue
                if noisy:
                    noisy_kept += 1
                rec["noisy"] += noisy
                rec.update(half)
                break
        rounds.append(rec)
    result = {"n": n, "runs": runs, "fs": fs["label"], "fs_kind": fs["kind"], "outputs": outputs,
              "rounds": rounds, "discarded_halves": discarded, "noisy_halves_kept": noisy_kept,
              "incremental_equals_clean": compared,
              "paths": {"out": out, "public": public, "corpus": corpus, "dir": d},
              "touched": sorted(editor.touched)}
    return result


def finish_size(result, keep):
    if not keep:
        p = result["paths"]
        discard(p["dir"])


# ------------------------------------------------------------------ search
def search_words(corpus, touched):
    """(rare, common, counts): rare = a word the corpus generator put in
    exactly one runbook (its setup step or caveat), in a runbook no edit
    touched, and no prefix of another word of the corpus; common = the one of
    SEARCH_CANDIDATES found in the most runbooks."""
    rb_dir = os.path.join(corpus, "runbooks")
    names = sorted(os.listdir(rb_dir))
    word_files = {}
    generated = []
    vocab = set()
    for name in names:
        with open(os.path.join(rb_dir, name), encoding="utf-8") as f:
            text = f.read().lower()
        words = set(re.findall(r"[a-z]+", text))
        vocab |= words
        for w in words:
            word_files[w] = word_files.get(w, 0) + 1
        i = int(name[:-5].rsplit("-", 1)[1])
        if i not in touched:
            for m in re.finditer(r"(?:ask the (\w+) team for the tenant host|deployment \d+ uses the (\w+) profile)", text):
                generated.append(m.group(1) or m.group(2))
    rare = None
    for w in generated:
        if word_files.get(w) == 1 and not any(v != w and v.startswith(w) for v in vocab):
            rare = w
            break
    counts = {c: word_files.get(c, 0) for c in SEARCH_CANDIDATES}
    common = max(SEARCH_CANDIDATES, key=lambda c: counts[c])
    return rare, common, {"candidates": counts, "runbooks": len(names)}


def run_search(args, result, out_dir, stamp, logroot):
    n = result["n"]
    rec = {"n": n, "fs": result["fs"]}
    script = args.search_mjs
    if not os.path.isfile(script):
        rec["skipped"] = f"search.mjs missing ({script})"
        log(f"N={n}: {rec['skipped']}: browser search not measured")
        return rec
    p = result["paths"]
    rare, common, counts = search_words(p["corpus"], set(result["touched"]))
    rec.update({"rare": rare, "common": common, "word_counts": counts})
    if rare is None:
        rec["error"] = "no word of the corpus generator is in exactly one runbook"
        return rec
    json_out = os.path.join(out_dir, f"search-{stamp}-n{n}.json")
    cmd = ["node", script, "--gtdocs-site", os.path.join(p["out"], "html"), "--peer-site", p["public"],
           "--rare", rare, "--common", common, "--runs", "7", "--out", json_out]
    rec["command"] = " ".join(cmd)
    log(f"N={n}: {rec['command']}")
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=SEARCH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        rec["error"] = f"search.mjs did not finish within {SEARCH_TIMEOUT_S} s (killed)"
        log(f"N={n}: {rec['error']}")
        return rec
    with open(os.path.join(logroot, f"search-n{n}.log"), "w", encoding="utf-8") as f:
        f.write(r.stdout + "\n--- stderr\n" + r.stderr)
    rec["stdout"] = r.stdout
    if r.returncode != 0:
        rec["error"] = f"exit {r.returncode}: {r.stderr.strip()[-1500:]}"
        log(f"N={n}: search.mjs failed: {rec['error']}")
        return rec
    try:
        with open(json_out, encoding="utf-8") as f:
            rec["json"] = json.load(f)
        rec["json_path"] = json_out
    except (OSError, ValueError) as e:
        rec["error"] = f"search.mjs wrote no readable {json_out}: {e}"
    return rec


# ------------------------------------------------------------------- report
ROWS = [  # (key, stack, mode)
    ("gtdocs_fresh", "gtdocs build", "fresh"),
    ("peer_fresh", "hugo + pagefind", "fresh"),
    ("gtdocs_inplace", "gtdocs build", "inplace"),
    ("peer_inplace", "hugo + pagefind", "inplace"),
    ("gtdocs_incr", "gtdocs build", "incr"),
    ("gtdocs_incr2", "gtdocs build", "incr2"),
    ("peer_incr", "hugo + pagefind", "incr"),
    ("gtdocs_catalog", "gtdocs build", "catalog"),
    ("gtdocs_check", "gtdocs check", "-"),
    ("hugo_fresh", "hugo alone", "fresh"),
    ("pagefind_fresh", "pagefind alone", "fresh"),
    ("hugo_inplace", "hugo alone", "inplace"),
    ("pagefind_inplace", "pagefind alone", "inplace"),
]
FIELDS = ("wall_s", "rss_mib", "cpu_s", "user_s", "sys_s", "other_cpu_s")


def stats(size, key, field):
    vals = [r[key][field] for r in size["rounds"]]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def summarize(size):
    s = {key: {f: stats(size, key, f) for f in FIELDS} for key, _, _ in ROWS}
    med = lambda k: s[k]["wall_s"]["median"]  # noqa: E731
    for m in PEER_MODES:
        s[f"ratio_{m}"] = med(f"gtdocs_{m}") / med(f"peer_{m}")
    s["ratio_hugo_fresh"] = med("gtdocs_fresh") / med("hugo_fresh")
    s["ratio_hugo_inplace"] = med("gtdocs_inplace") / med("hugo_inplace")
    s["incr_over_inplace"] = med("gtdocs_incr") / med("gtdocs_inplace")
    s["incr2_over_inplace"] = med("gtdocs_incr2") / med("gtdocs_inplace")
    s["catalog_over_inplace"] = med("gtdocs_catalog") / med("gtdocs_inplace")
    s["peer_incr_over_inplace"] = med("peer_incr") / med("peer_inplace")
    rr = size["rounds"]
    for m in PEER_MODES:  # per-round ratios: drift over the run did not skew the medians
        s[f"round_ratio_{m}"] = statistics.median(r[f"gtdocs_{m}"]["wall_s"] / r[f"peer_{m}"]["wall_s"] for r in rr)
    s["round_incr_over_inplace"] = statistics.median(r["gtdocs_incr"]["wall_s"] / r["gtdocs_inplace"]["wall_s"] for r in rr)
    s["gtdocs_rss_max"] = max(r[k]["rss_mib"] for r in rr for k in ("gtdocs_fresh", "gtdocs_inplace", "gtdocs_incr", "gtdocs_incr2",
                                                                        "gtdocs_catalog"))
    return s


def mib(b):
    return f"{b / 1048576:.1f} MiB"


def fmt_n(n):
    return f"{n:,}"


def targets(fsrun, nproc):
    by_n = {r["n"]: r["summary"] for r in fsrun["results"]}
    lines = []

    def line(ok, text):
        lines.append(f"{'SKIP' if ok is None else 'PASS' if ok else 'FAIL'}  {text}")

    for n in (1000, 10000):
        for m in ("fresh", "inplace"):
            what = f"gtdocs / (hugo + pagefind), {MODE_LABEL[m]}, at {fmt_n(n)}"
            if n in by_n:
                v = by_n[n][f"ratio_{m}"]
                line(v <= RATIO_TARGET, f"{what}: {v:.3f} (target <= {RATIO_TARGET})")
            else:
                line(None, f"{what}: not run (target <= {RATIO_TARGET})")
    for n in (1000, 10000):
        for key, label in (("incr_over_inplace", "incremental (1 runbook)"),
                           ("incr2_over_inplace", "incremental (1 runbook, the next edit)")):
            what = f"{label} / full in place, gtdocs, at {fmt_n(n)}"
            if n in by_n:
                v = by_n[n][key]
                line(v <= INCR_TARGET, f"{what}: {v:.3f} (target <= {INCR_TARGET})")
            else:
                line(None, f"{what}: not run (target <= {INCR_TARGET})")
    if 10000 in by_n:
        s = by_n[10000]
        line(s["gtdocs_rss_max"] <= RSS_TARGET_MIB,
             f"gtdocs build peak RSS at 10,000: {s['gtdocs_rss_max']:.1f} MiB, the largest of every mode and round "
             f"(fresh median {s['gtdocs_fresh']['rss_mib']['median']:.1f} MiB; target <= {RSS_TARGET_MIB} MiB)")
        v = s["gtdocs_check"]["wall_s"]["median"]
        line(v < CHECK_TARGET_S, f"gtdocs check at 10,000: {v:.3f} s median (target < {CHECK_TARGET_S} s)")
    else:
        line(None, f"gtdocs build peak RSS at 10,000: not run (target <= {RSS_TARGET_MIB} MiB)")
        line(None, f"gtdocs check at 10,000: not run (target < {CHECK_TARGET_S} s)")
    for n in (1000, 10000):
        if n in by_n:
            v = by_n[n]["ratio_hugo_fresh"]
            line(v <= RATIO_STRETCH, f"stretch: gtdocs / hugo alone, fresh, at {fmt_n(n)}: {v:.3f} (target <= {RATIO_STRETCH})")
    if 1000 in by_n and 10000 in by_n:
        v = by_n[10000]["gtdocs_fresh"]["wall_s"]["median"] / by_n[1000]["gtdocs_fresh"]["wall_s"]["median"]
        line(v <= GROWTH_TARGET, f"gtdocs build (fresh) time growth 1,000 -> 10,000: {v:.2f}x (target <= {GROWTH_TARGET:g}x)")
    for n in sorted(by_n):
        s = by_n[n]
        for k in ("gtdocs_fresh", "gtdocs_inplace"):
            w, c = s[k]["wall_s"]["median"], s[k]["cpu_s"]["median"]
            lines.append(f"INFO  wall vs CPU / cores, {k.replace('_', ' ')} at {fmt_n(n)}: wall {w:.2f} s, "
                         f"CPU {c:.2f} s / {nproc} cores = {c / nproc:.2f} s: wall is {w / (c / nproc):.2f}x that "
                         f"({c / w:.2f} cores used; no numeric target in issue 17)")
    return lines


def report(meta, data):
    nproc = meta["nproc"] or 1
    L = []
    L.append(f"# gtdocs build benchmark, {meta['date']}")
    L.append("")
    L.append(f"{meta['gtdocs_version']}, binary sha256 {meta['gtdocs_sha256'][:16]}… (copied from {meta['gtdocs_source']}); "
             f"this repository (scripts/bench) at commit {meta['git_commit']}"
             f"{' (work tree has uncommitted changes in src/)' if meta['git_dirty_src'] else ''}")
    L.append("")
    L.append("| machine | |")
    L.append("| --- | --- |")
    for k, label in (("nproc", "cores (nproc)"), ("cpu", "CPU"), ("memory", "memory"), ("kernel", "kernel"),
                     ("os", "OS"), ("work", "work folder (logs)"), ("hugo", "hugo"), ("pagefind", "pagefind"),
                     ("python", "python"), ("rss_floor", "measurement floor")):
        L.append(f"| {label} | {meta.get(k, '?')} |")
    L.append(f"| runs | {meta['runs']} timed rounds per size and file system (+1 warm-up)"
             f"{' — QUICK, not a valid result' if meta['quick'] else ''} |")
    L.append(f"| command | `{meta.get('command', '?')}` |")
    L.append("")
    if not meta.get("complete", True):
        L.append("**INCOMPLETE: the run stopped before the end; only the sizes below were measured.**")
        L.append("")
    for w in meta.get("warnings", []):
        L.append(f"**WARNING: {w}**")
        L.append("")
    L.append("Medians over the rounds. Hugo + Pagefind = hugo's + pagefind's time in the same round (RSS: the larger). "
             "CPU = user + system seconds of the command. Cores used = CPU / wall. "
             f"wall/(CPU/{nproc}) = how far the wall time is from the CPU spread over all {nproc} cores (1.00 = perfect). "
             "Ratio: gtdocs over hugo + pagefind in the same mode; for incremental and catalog rows, "
             "the stack's own full in-place build. Other CPU: what the rest of the machine used meanwhile.")
    for fsrun in data["filesystems"]:
        L.append("")
        L.append(f"## File system: {fsrun['label']}")
        for r in fsrun["results"]:
            s = r["summary"]
            L.append("")
            L.append(f"### {fmt_n(r['n'])} runbooks — {fsrun['kind']}")
            L.append("")
            L.append("| stack | mode | wall s | [min–max] | CPU s (user + sys) | cores used | wall/(CPU/cores) "
                     "| peak RSS MiB | [max] | ratio | other CPU s |")
            L.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
            for key, stack, mode in ROWS:
                w, m, c = s[key]["wall_s"], s[key]["rss_mib"], s[key]["cpu_s"]
                if key in ("gtdocs_fresh", "gtdocs_inplace"):
                    ratio = f"{s['ratio_' + mode]:.3f} of peer"
                elif key == "gtdocs_incr":
                    ratio = f"**{s['incr_over_inplace']:.3f}** of in place (peer {s['ratio_incr']:.3f})"
                elif key == "gtdocs_incr2":
                    ratio = f"**{s['incr2_over_inplace']:.3f}** of in place"
                elif key == "gtdocs_catalog":
                    ratio = f"{s['catalog_over_inplace']:.3f} of in place"
                elif key == "peer_incr":
                    ratio = f"{s['peer_incr_over_inplace']:.3f} of in place"
                else:
                    ratio = ""
                L.append(f"| {stack} | {MODE_LABEL.get(mode, mode)} | {w['median']:.3f} | {w['min']:.3f}–{w['max']:.3f} | "
                         f"{c['median']:.2f} ({s[key]['user_s']['median']:.2f} + {s[key]['sys_s']['median']:.2f}) | "
                         f"{c['median'] / w['median']:.2f} | {w['median'] / (c['median'] / nproc):.2f} | "
                         f"{m['median']:.1f} | {m['max']:.1f} | {ratio} | {s[key]['other_cpu_s']['median']:.2f} |")
            L.append("")
            L.append(f"- gtdocs / (hugo + pagefind): fresh **{s['ratio_fresh']:.3f}**, in place **{s['ratio_inplace']:.3f}** "
                     f"(medians of per-round ratios: {s['round_ratio_fresh']:.3f}, {s['round_ratio_inplace']:.3f}); "
                     f"incremental / in place, gtdocs: **{s['incr_over_inplace']:.3f}** (per round {s['round_incr_over_inplace']:.3f}), "
                     f"the next edit **{s['incr2_over_inplace']:.3f}**. gtdocs' in place build is --no-cache (it reuses nothing); "
                     "the peer has no incremental build: it rebuilds everything.")
            o = r["outputs"]
            L.append(f"- outputs: gtdocs `--out` {mib(o['gtdocs_out']['bytes'])} in {fmt_n(o['gtdocs_out']['files'])} files "
                     f"(search index: {fmt_n(o['gtdocs_out']['search_pages'])} pages in {o['gtdocs_out']['search_parts']} part(s)); "
                     f"Hugo `public/` after pagefind {mib(o['hugo_public']['bytes'])} in {fmt_n(o['hugo_public']['files'])} files "
                     f"(search index: {fmt_n(o['hugo_public']['search_pages'])} pages); "
                     f"corpus {mib(o['corpus']['bytes'])} in {fmt_n(o['corpus']['files'])} files")
            eq = r.get("incremental_equals_clean") or {}
            if eq:
                L.append(f"- incremental output (edit: {eq['edit']['runbook']} -> \"{eq['edit']['word']}\") = a clean build's, "
                         f"byte for byte: {fmt_n(eq['files'])} files, {mib(eq['bytes'])} (round 1, untimed)")
            waited = sum(x.get("waited_for_quiet_s", 0) for x in r["rounds"])
            other = sum(x[k]["other_cpu_s"] for x in r["rounds"] for k in GTDOCS_KEYS + PEER_KEYS)
            timed_wall = sum(x[k]["wall_s"] for x in r["rounds"] for k in GTDOCS_KEYS + PEER_KEYS)
            L.append(f"- noise: halves discarded and run again {len(r.get('discarded_halves', []))}, noisy halves kept "
                     f"{r.get('noisy_halves_kept', 0)}, waited {waited:.0f} s for a quiet machine; other CPU during the "
                     f"timed commands {other:.2f} s over {timed_wall:.1f} s of timed wall clock")
        L.append("")
        L.append(f"#### Targets on {fsrun['kind']} ({fsrun['label']})")
        L.append("")
        L.append("```")
        L.extend(targets(fsrun, nproc))
        L.append("```")
    L.append("")
    L.append("## Browser search")
    if not data.get("search"):
        L.append("")
        L.append("not run")
    for sr in data.get("search", []):
        L.append("")
        L.append(f"### {fmt_n(sr['n'])} runbooks, {sr['fs']}")
        L.append("")
        if "skipped" in sr:
            L.append(f"SKIP  {sr['skipped']}")
            continue
        L.append(f"- words: rare \"{sr.get('rare')}\" (in exactly one runbook), common \"{sr.get('common')}\" "
                 f"(runbooks holding each candidate: {sr.get('word_counts', {}).get('candidates')}, "
                 f"of {sr.get('word_counts', {}).get('runbooks')})")
        if sr.get("command"):
            L.append(f"- `{sr['command']}`")
        if sr.get("error"):
            L.append(f"- ERROR: {sr['error']}")
        if sr.get("stdout", "").strip():
            L.append("")
            L.append(sr["stdout"].rstrip())
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


def save(meta, data, base_name):
    """Writes the JSON and the Markdown report (after every size: a run
    stopped half-way keeps its finished sizes, marked incomplete)."""
    for fsrun in data["filesystems"]:
        fsrun["targets"] = targets(fsrun, meta["nproc"] or 1)
    md = report(meta, data)
    with open(base_name + ".json", "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    with open(base_name + ".md", "w", encoding="utf-8") as f:
        f.write(md)
    return md


def parse_fs(text):
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in kinds if k not in FS_KINDS]
    if bad or not kinds:
        raise argparse.ArgumentTypeError(f"--fs: {bad or text!r}: choose from {', '.join(FS_KINDS)}")
    return kinds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+",
                    default=[int(x) for x in os.environ.get("SIZES", "1000 10000").split()])
    ap.add_argument("--runs", type=int, default=int(os.environ["RUNS"]) if os.environ.get("RUNS") else None)
    ap.add_argument("--quick", action="store_true", default=os.environ.get("BENCH_QUICK") == "1",
                    help="sizes 100 1000 (unless given), 2 runs (unless given), any run count allowed; not a valid result")
    ap.add_argument("--fs", type=parse_fs, default=parse_fs(os.environ.get("BENCH_FS", "ext4-journal,tmpfs")),
                    help="file systems, comma-separated: ext4-journal, tmpfs (both mounted by the script; root only), "
                         "tmpdir (TMPDIR as it is). Default ext4-journal,tmpfs; not root: tmpdir")
    ap.add_argument("--gtdocs-bin", default=os.environ.get("GTDOCS_BIN") or os.path.join(REPO, "target", "release", "gtdocs"))
    ap.add_argument("--hugo-bin", default=os.environ.get("HUGO_BIN") or shutil.which("hugo") or "hugo")
    ap.add_argument("--pagefind-bin", default=os.environ.get("PAGEFIND_BIN") or DEFAULT_PAGEFIND)
    ap.add_argument("--search-mjs", default=os.path.join(BENCH, "search.mjs"),
                    help="the browser search benchmark (default scripts/bench/search.mjs)")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "target", "bench"))
    ap.add_argument("--report", metavar="JSON",
                    help="print the Markdown report of an earlier run's JSON (rewriting its .md beside it) and exit")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs; corpora and outputs in tmpdir only)")
    ap.add_argument("--no-noise-guard", action="store_true", default=os.environ.get("NOISE_GUARD") == "0",
                    help="measure even while other processes use the CPU (no waiting, no re-runs)")
    ap.add_argument("--max-retries", type=int, default=int(os.environ["MAX_RETRIES"]) if os.environ.get("MAX_RETRIES") else None,
                    help="noisy halves run again per size and file system, at most (default 2 x runs)")
    ap.add_argument("--max-quiet-wait", type=float, default=float(os.environ.get("MAX_QUIET_WAIT", "300")),
                    help="seconds to wait for a quiet machine before each half-round (default 300)")
    args = ap.parse_args()

    if args.report:
        with open(args.report, encoding="utf-8") as f:
            data = json.load(f)
        for fsrun in data["filesystems"]:
            for r in fsrun["results"]:
                r["summary"] = summarize(r)
        md = report(data["meta"], data)
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

    warnings = []
    kinds = list(dict.fromkeys(args.fs))
    if os.geteuid() != 0 and any(k != "tmpdir" for k in kinds):
        w = (f"not root: no ext4 image or tmpfs mounted (asked for {','.join(kinds)}); "
             "the benchmark runs once, in TMPDIR, on the file system named below")
        warnings.append(w)
        log(f"WARNING: {w}")
        kinds = ["tmpdir"]

    # SIGINT too: a shell starts background jobs with SIGINT ignored, and a
    # Ctrl-C or kill -INT must still unmount.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    work = tempfile.mkdtemp(prefix="gtdocs-bench-build.")
    mounts = Mounts()
    status = 0
    base_name = None
    try:
        gtdocs = os.path.join(work, "gtdocs")
        shutil.copy2(args.gtdocs_bin, gtdocs)
        with open(gtdocs, "rb") as f:
            sha = hashlib.file_digest(f, "sha256").hexdigest()
        bins = {"gtdocs": gtdocs, "hugo": args.hugo_bin, "pagefind": args.pagefind_bin}
        now = datetime.datetime.now().astimezone()
        stamp = now.strftime("%Y%m%d-%H%M%S")
        base_name = os.path.join(args.out_dir, f"build-{stamp}{'-quick' if args.quick else ''}")
        dirty = capture(["git", "-C", REPO, "status", "--porcelain", "--", "src", "Cargo.toml", "Cargo.lock"])
        meta = {
            "date": now.strftime("%Y-%m-%d %H:%M %Z"),
            "git_commit": capture(["git", "-C", REPO, "log", "-1", "--format=%h"]),
            "git_dirty_src": bool(dirty) and not dirty.startswith("unknown"),
            "gtdocs_version": capture([gtdocs, "--version"]),
            "gtdocs_source": os.path.abspath(args.gtdocs_bin),
            "gtdocs_sha256": sha,
            "work": f"{work} ({describe_fs(work)['label']})",
            "sizes": args.sizes,
            "runs": args.runs,
            "quick": args.quick,
            "fs": kinds,
            "noise_guard": not args.no_noise_guard,
            "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:]),
            "warnings": warnings,
            "complete": False,
            **machine(bins),
        }
        log(f"{meta['gtdocs_version']} (repository at commit {meta['git_commit']}), {meta['hugo']}, {meta['pagefind']}; "
            f"sizes {args.sizes}, {args.runs} runs{' (quick)' if args.quick else ''}, file systems {kinds}; "
            f"work folder {work}")
        guard = {"on": not args.no_noise_guard, "max_wait": args.max_quiet_wait,
                 "retries": args.max_retries if args.max_retries is not None else 2 * args.runs}
        logroot = os.path.join(work, "logs")
        os.makedirs(logroot)
        os.makedirs(args.out_dir, exist_ok=True)
        meta["rss_floor"] = rss_floor(logroot)
        data = {"meta": meta, "filesystems": [], "search": []}
        search_kind = "tmpfs" if "tmpfs" in kinds else kinds[-1]
        for kind in kinds:
            if kind == "ext4-journal":
                base, desc = mounts.ext4(work)
            elif kind == "tmpfs":
                base, desc = mounts.tmpfs()
            else:
                base = os.path.join(work, "tmpdir")
                os.makedirs(base)
                desc = describe_fs(base)
                if desc["type"] in ("ext4", "ext3") and not desc["journal"]:
                    w = (f"TMPDIR is on {desc['label']}: file creation right after deletions is slow and erratic "
                         "there (no journal), unlike on a user's journaled disk; figures of fresh and in-place "
                         "builds are not representative. Run as root for ext4-journal and tmpfs.")
                    warnings.append(w)
                    log(f"WARNING: {w}")
            log(f"file system {kind}: {desc['label']}")
            _TRASH.update({"dir": os.path.join(base, "trash"), "now": desc["type"] == "tmpfs"})
            fsrun = {"kind": kind, "label": desc["label"], "describe": desc, "results": []}
            data["filesystems"].append(fsrun)
            for n in args.sizes:
                r = bench_size({"kind": kind, "base": base, "label": desc["label"]}, n, args.runs, bins,
                               logroot, guard, args.keep)
                r["summary"] = summarize(r)
                fsrun["results"].append(r)
                if kind == search_kind:
                    data["search"].append(run_search(args, r, args.out_dir, stamp, logroot))
                finish_size(r, args.keep and kind == "tmpdir")
                save(meta, data, base_name)  # an interrupted run keeps what it measured
            if kind != "tmpdir":
                log(f"file system {kind}: unmounting {base}")
                mounts.release(base)
                if kind == "ext4-journal":
                    for img in list(mounts.files):
                        os.unlink(img)
                        mounts.files.remove(img)
        for sr in data["search"]:
            if sr.get("error"):
                status = 1
        meta["complete"] = True
        md = save(meta, data, base_name)
        print(md, end="")
        log(f"wrote {base_name}.md and {base_name}.json")
    except BenchError as e:
        log(f"FAILED: {e}")
        status = 1
    except (KeyboardInterrupt, Interrupted) as e:
        log(f"interrupted ({e.__class__.__name__} {e}); cleaning up")
        status = 130
    finally:
        # No second signal stops the clean-up half-way.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        kill_current()
        mounts.cleanup()
        if status != 0 and base_name and os.path.exists(base_name + ".json"):
            log(f"the sizes finished before the stop: {base_name}.md and .json (marked INCOMPLETE)")
        if status != 0 or args.keep:
            log(f"work folder kept{' for inspection' if status else ''}: {work} (logs in {work}/logs)")
            if status != 0 and not args.keep:  # the logs stay; the bulk goes
                shutil.rmtree(os.path.join(work, "tmpdir"), ignore_errors=True)
                for big in ("gtdocs", "ext4.img"):
                    if os.path.exists(os.path.join(work, big)):
                        os.unlink(os.path.join(work, big))
        else:
            shutil.rmtree(work, ignore_errors=True)
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            mounted = {line.split()[4] for line in f}
        left = [d for d in mounts.made if d in mounted or os.path.exists(d)]
        if left:
            log("ERROR: still there after the clean-up: " + "; ".join(left))
            status = status or 1
        elif mounts.made:
            log(f"clean-up: {', '.join(mounts.made)} unmounted and removed; no image left")
    return status


if __name__ == "__main__":
    sys.exit(main())
