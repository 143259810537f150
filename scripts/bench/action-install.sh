#!/usr/bin/env bash
# The Action's time to a running gtdocs: its two install steps (plan, then
# install, as action.yml runs them) and `gtdocs --version`, first with the
# prebuilt release binary, then with the cargo fallback.
#
#   scripts/bench/action-install.sh [RUNS]      (default 30 runs of the prebuilt path)
#
# - prebuilt: a fake release v<version> (the static musl binary built here,
#   its SHA256SUMS, COMMIT) served on 127.0.0.1 by python3's http.server; the
#   Action's ref is the tag, so it downloads and verifies. hyperfine, RUNS runs.
#   A real runner downloads from GitHub's release CDN instead of loopback:
#   add the transfer of the binary's size (printed below).
# - fallback: `build-from-source: 'true'` from an empty target folder, with
#   the crates already in ~/.cargo/registry (what the Action's cache restores
#   after a first run; a first run also downloads them). One run: it takes
#   minutes and is the same every time.
#
# Needs: the x86_64-unknown-linux-musl target (`rustup target add`), hyperfine,
# python3, curl, sha256sum. Run it on an idle machine: the figures are wall
# clock. TMPDIR chooses the file system (named in the report). Writes
# target/bench/action-install-<date>.md.
set -euo pipefail

runs="${1:-30}"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
target=x86_64-unknown-linux-musl
work="$(mktemp -d "${TMPDIR:-/tmp}/gtdocs-action-bench.XXXXXX")"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf -- "$work"
}
trap cleanup EXIT

for tool in hyperfine python3 curl sha256sum; do
  command -v "$tool" >/dev/null || { echo "action-install: $tool is missing" >&2; exit 1; }
done
rustup target list --installed 2>/dev/null | grep -qx "$target" \
  || { echo "action-install: rustup target add $target first" >&2; exit 1; }

echo "building the release binary (static, $target) ..." >&2
cargo build --quiet --release --locked --target "$target"
binary="$repo/target/$target/release/gtdocs"
asset="gtdocs-$version-x86_64-linux"
release="$work/serve/v$version"
mkdir -p "$release"
cp "$binary" "$release/$asset"
strip "$release/$asset" 2>/dev/null || true
(cd "$release" && sha256sum "$asset" > SHA256SUMS)
git rev-parse HEAD > "$release/COMMIT"
size="$(stat -c %s "$release/$asset")"

port=18080
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/serve" >"$work/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/v$version/COMMIT" 2>/dev/null && break
  sleep 0.1
done

# One run of the Action's two steps, then gtdocs itself.
cat > "$work/run.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
export GITHUB_ACTION_PATH='$repo' RUNNER_OS=Linux RUNNER_TEMP="\$1"
export GITHUB_OUTPUT="\$1/output" GTDOCS_ACTION_REPOSITORY=example/gtdocs
export GTDOCS_RELEASE_URL='http://127.0.0.1:$port/v$version' GTDOCS_ACTION_REF='v$version'
rm -rf "\$1/gtdocs-bin"; mkdir -p "\$1"; : > "\$GITHUB_OUTPUT"
GTDOCS_MODE=plan bash "\$GITHUB_ACTION_PATH/scripts/action/install-gtdocs.sh" >/dev/null
src="\$(sed -n 's/^source=//p' "\$GITHUB_OUTPUT")"
: > "\$GITHUB_OUTPUT"
GTDOCS_MODE=install GTDOCS_SOURCE="\$src" bash "\$GITHUB_ACTION_PATH/scripts/action/install-gtdocs.sh" >/dev/null
path="\$(sed -n 's/^path=//p' "\$GITHUB_OUTPUT")"
"\$path" --version >/dev/null
EOF

echo "prebuilt: $runs runs ..." >&2
hyperfine --style basic --warmup 2 --runs "$runs" --export-json "$work/prebuilt.json" \
  "bash $work/run.sh $work/runner" >&2
grep -q "GET /v$version/$asset" "$work/http.log" \
  || { echo "action-install: the prebuilt runs never downloaded the binary" >&2; exit 1; }

echo "fallback: cargo build from an empty target folder ..." >&2
start=$(date +%s.%N)
GTDOCS_BUILD_FROM_SOURCE=true GTDOCS_TARGET_DIR="$work/clean-target" CARGO_NET_OFFLINE=true \
  bash "$work/run.sh" "$work/runner-cargo"
end=$(date +%s.%N)

read -r median mean <<<"$(python3 -c "
import json,sys
r=json.load(open('$work/prebuilt.json'))['results'][0]
print(f\"{r['median']:.3f} {r['mean']:.3f}\")")"
fallback="$(python3 -c "print(f'{$end - $start:.1f}')")"
ratio="$(python3 -c "print(f'{($end - $start) / $median:.0f}')")"
# The file system the downloads and the fallback's build are written to
# (TMPDIR): ext4 with or without a journal, tmpfs.
fs="$(df --output=fstype "$work" | tail -n1)"
if [ "$fs" = ext4 ]; then
  dev="$(df --output=source "$work" | tail -n1)"
  if dumpe2fs -h "$dev" 2>/dev/null | grep -q '^Filesystem features:.*has_journal'; then
    fs="ext4 with a journal"
  else
    fs="ext4 ($dev; journal unknown or none)"
  fi
fi
mkdir -p target/bench
out="target/bench/action-install-$(date -u +%Y-%m-%d).md"
{
  echo "Action: time to a running gtdocs ($(git rev-parse --short HEAD), $(nproc) cores, $(uname -m), work folder on $fs)"
  echo
  echo "| path | time | runs |"
  echo "| --- | ---: | ---: |"
  echo "| prebuilt release binary ($size bytes, loopback download, checksum checked) | median ${median} s (mean ${mean} s) | $runs |"
  echo "| cargo fallback (empty target folder, crates cached) | ${fallback} s | 1 |"
  echo
  echo "The fallback takes ${ratio}x the prebuilt path's median."
} | tee "$out"
echo "written: $out" >&2
