#!/usr/bin/env bash
# File write → reload event latency of `gtdocs serve` (release build).
#
# For the bundled tree (runbooks/) and for a generated tree of 1,000
# runbooks (copies of runbooks/librechat.yaml with distinct titles, slugs
# from their file names), starts `gtdocs serve --port 0` on 127.0.0.1, then
# ITERATIONS times: opens `__gtdocs/wait?epoch=N`, writes a changed summary
# to one runbook and measures the time from just before the write to the
# long-poll's answer (the moment live.js would reload the page). Each answer
# is checked (`ok: true`, the page then holds the new summary), and any
# extra rebuild a single write caused is counted. Writes to one file are
# more than 1 s apart (with --poll a second write within the same second is
# missed: notify's PollWatcher compares whole-second mtimes). Prints a
# Markdown table.
#
#   scripts/bench-reload.sh                  # both trees, OS events and --poll
#   ITERATIONS=50 MODES=events scripts/bench-reload.sh
#   GTDOCS_BIN=target/debug/gtdocs scripts/bench-reload.sh   # skip the release build
#
# Needs cargo and python3 (3.8+, standard library only). Everything runs in
# a temporary folder that is removed at the end; only 127.0.0.1 is used.
set -euo pipefail

cd "$(dirname "$0")/.."
ITERATIONS="${ITERATIONS:-20}"
MODES="${MODES:-events poll}"
RUNBOOKS="${RUNBOOKS:-1000}"

if [[ -z "${GTDOCS_BIN:-}" ]]; then
  echo "building target/release/gtdocs ..." >&2
  cargo build --release --quiet
  GTDOCS_BIN="$PWD/target/release/gtdocs"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/gtdocs-bench-reload.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

python3 - "$GTDOCS_BIN" "$PWD" "$WORK" "$ITERATIONS" "$MODES" "$RUNBOOKS" <<'PY'
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

BIN, REPO, WORK, ITER, MODES, RUNBOOKS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5].split(), int(sys.argv[6])


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ trees
def bundled_tree():
    root = os.path.join(WORK, "bundled")
    os.makedirs(root)
    shutil.copy(os.path.join(REPO, "gtdocs.yaml"), root)
    shutil.copytree(os.path.join(REPO, "runbooks"), os.path.join(root, "runbooks"))
    return root, "librechat"


def generated_tree(n):
    root = os.path.join(WORK, f"generated-{n}")
    os.makedirs(os.path.join(root, "runbooks"))
    shutil.copy(os.path.join(REPO, "gtdocs.yaml"), root)
    with open(os.path.join(REPO, "runbooks", "librechat.yaml"), encoding="utf-8") as f:
        source = f.read()
    assert source.count("\ntitle: LibreChat\n") == 1, "runbooks/librechat.yaml changed: update the generator"
    for i in range(n):
        text = source.replace("\ntitle: LibreChat\n", f"\ntitle: LibreChat copy {i:04d}\n", 1)
        with open(os.path.join(root, "runbooks", f"client-{i:04d}.yaml"), "w", encoding="utf-8") as f:
            f.write(text)
    check = subprocess.run([BIN, "check", "--root", root], capture_output=True, text=True)
    if check.returncode != 0:
        sys.exit(f"the generated tree does not validate:\n{check.stderr}")
    return root, f"client-{n // 2:04d}"


# ------------------------------------------------------------------- HTTP
def http_get(port, target, timeout=60.0):
    """GET over a raw socket with Connection: close; returns (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        return read_response(s)


def read_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            raise IOError(f"connection closed before a response: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        body = body[:n]
    else:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        if "chunked" in headers.get("transfer-encoding", "").lower():
            out, rest = b"", body
            while rest:
                size_line, _, rest = rest.partition(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    break
                out, rest = out + rest[:size], rest[size + 2:]
            body = out
    return status, body


# ----------------------------------------------------------------- server
class Server:
    def __init__(self, root, poll):
        args = [BIN, "serve", "-v", "--port", "0"] + (["--poll"] if poll else [])
        t = time.perf_counter()
        self.proc = subprocess.Popen(args, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr = []
        threading.Thread(target=self._drain, daemon=True).start()
        line = self.proc.stdout.readline()
        m = re.fullmatch(r"serving http://127\.0\.0\.1:(\d+)(/\S*)\n", line)
        if not m:
            self.stop()
            sys.exit(f"gtdocs serve printed {line!r}:\n{''.join(self.stderr)}")
        self.startup = time.perf_counter() - t
        self.port, self.base = int(m.group(1)), m.group(2)

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def status(self):
        code, body = http_get(self.port, self.base + "__gtdocs/status")
        assert code == 200, code
        return json.loads(body)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def settle(srv, quiet=0.4, limit=30.0):
    """Waits until the epoch stays put for `quiet` seconds."""
    deadline = time.monotonic() + limit
    epoch = srv.status()["epoch"]
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = srv.status()["epoch"]
        if now == epoch:
            return epoch
        epoch = now
    sys.exit("the server keeps rebuilding")


def measure(root, slug, poll):
    srv = Server(root, poll)
    try:
        path = os.path.join(root, "runbooks", f"{slug}.yaml")
        with open(path, encoding="utf-8") as f:
            original = f.read()
        summary = re.search(r"^summary: .*$", original, re.M).group(0)
        samples, extra = [], 0
        rebuilt, rebuild_ms = [], []
        settle(srv)
        for i in range(ITER):
            epoch = srv.status()["epoch"]
            marker = f"Benchmark edit {i} at {time.time_ns()}."
            text = original.replace(summary, f"summary: {marker}", 1)
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=60)
            s.sendall(f"GET {srv.base}__gtdocs/wait?epoch={epoch} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            time.sleep(0.05)  # let the server park the long-poll
            # notify's PollWatcher compares mtimes in whole seconds: a second
            # write within the same second is never seen with --poll. So that
            # every row measures the same thing, each write is > 1 s after
            # the file's previous one.
            wait = 1.1 - (time.time() - os.stat(path).st_mtime)
            if wait > 0:
                time.sleep(wait)
            mark = len(srv.stderr)
            t0 = time.perf_counter()
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            code, body = read_response(s)
            t1 = time.perf_counter()
            s.close()
            answer = json.loads(body)
            if code != 200 or answer.get("epoch") == epoch or answer.get("ok") is not True:
                sys.exit(f"iteration {i}: wait answered {code} {answer}\n{''.join(srv.stderr)}")
            samples.append((t1 - t0) * 1000)
            code, page = http_get(srv.port, f"{srv.base}runbooks/{slug}/")
            if code != 200 or marker.encode() not in page:
                sys.exit(f"iteration {i}: the page does not show the edit after the reload event")
            after = settle(srv, quiet=0.3)
            extra += after - answer["epoch"]
            lines = [l.strip() for l in srv.stderr[mark:] if "rebuilt" in l]
            rebuilt += lines
            took = [float(m.group(1)) for l in lines for m in [re.search(r"in ([\d.]+) ?ms", l)] if m]
            if took:
                rebuild_ms.append(sum(took))
        with open(path, "w", encoding="utf-8") as f:
            f.write(original)
        return samples, extra, srv.startup, rebuilt, rebuild_ms
    finally:
        srv.stop()


def p95(xs):
    ys = sorted(xs)
    return ys[max(0, -(-len(ys) * 95 // 100) - 1)]  # nearest rank


rows = []
trees = [("bundled", *bundled_tree())]
log(f"generating {RUNBOOKS} runbooks ...")
trees.append((f"{RUNBOOKS} generated", *generated_tree(RUNBOOKS)))
for name, root, slug in trees:
    count = len([f for f in os.listdir(os.path.join(root, "runbooks")) if f.endswith(".yaml")])
    for mode in MODES:
        log(f"{name} ({count} runbooks), {mode}: {ITER} edits of runbooks/{slug}.yaml ...")
        samples, extra, startup, rebuilt, rebuild_ms = measure(root, slug, mode == "poll")
        pages = re.search(r"(\d+) of (\d+) pages", rebuilt[-1]) if rebuilt else None
        rows.append(
            (
                name,
                count,
                mode if mode != "events" else "OS events",
                len(samples),
                statistics.median(samples),
                p95(samples),
                min(samples),
                max(samples),
                extra,
                startup,
                f"{pages.group(1)} of {pages.group(2)}" if pages else "?",
                statistics.median(rebuild_ms) if rebuild_ms else float("nan"),
            )
        )

print()
print(f"gtdocs serve: file write → `wait` answer (reload event), {ITER} edits per row, {BIN}")
print()
print("| tree | runbooks | watcher | n | median ms | p95 ms | min ms | max ms | rebuild ms (median, -v) | extra rebuilds | first build s | pages re-rendered |")
print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.1f} | {r[5]:.1f} | {r[6]:.1f} | {r[7]:.1f} | {r[11]:.0f} | {r[8]} | {r[9]:.2f} | {r[10]} |")
print()
big = [r for r in rows if r[1] >= 1000 and r[2] == "OS events"]
if big:
    verdict = "met" if big[0][4] < 50 else "NOT met"
    print(f"target median < 50 ms at {big[0][1]} runbooks (OS events): {verdict} ({big[0][4]:.1f} ms)")
PY
