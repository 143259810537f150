#!/usr/bin/env bash
# Install the outside tools gtdocs' test suite needs: pinned where their
# version changes what the tests see, accepted as found where it does not.
#
#   bash scripts/install-test-tools.sh
#
# Needs: Node.js >= 20 with npm, Java (runs vnu.jar), Python 3 with venv,
# git >= 2.31, and root only to install a missing Debian tool (apt-get,
# Debian 12 bookworm). With every tool present it runs as any user and never
# calls apt-get; with one missing and no root it stops at once, naming the
# tool and the command that installs it.
# Idempotent: a second run checks versions and changes nothing.
#
# Pinned (a new version changes results):
#   - Debian cmark-gfm        (CMARK_GFM_DEB_VERSION)    the wiki pages' renderer of record
#   - Debian shellcheck       (SHELLCHECK_DEB_VERSION)   new versions add warnings
#   - PyPI check-jsonschema   (CHECK_JSONSCHEMA_VERSION) -> $TOOLS/venv (python3 -m venv)
#   - PyPI zizmor             (ZIZMOR_VERSION)           -> $TOOLS/venv (the same venv)
#   - PyPI feedparser         (FEEDPARSER_VERSION)       -> $TOOLS/venv (reads the Atom feed)
#   - PyPI openai             (OPENAI_VERSION)           -> $TOOLS/venv (a real client of the GT API stand-in)
#   - Debian jing             (JING_DEB_VERSION)         the RELAX NG validator of the Atom feed
#   - the bundled probes' packages (pinned in probes/*/probe.yaml): installed by
#     `gtdocs probe` itself into $TOOLS/probe-cache (GTDOCS_PROBE_CACHE) on the
#     first test run that needs them, from PyPI / npm, then reused
#   - npm playwright-core, axe-core, vnu-jar (exact versions, pinned by
#     tests/browser/package.json + package-lock.json) -> tests/browser/node_modules
#     via `npm ci --ignore-scripts` (vnu-jar ships vnu.jar; its postinstall,
#     which would fetch a Java runtime, never runs).
# Accepted as found (Debian's current package when missing):
#   - git >= 2.31 (GIT_MIN_VERSION; GTDOCS_GIT, else the first on PATH):
#     gtdocs hands git its token through GIT_CONFIG_COUNT, new in 2.31
#   - wrk (the load generator of `gtdocs serve`'s load test)
#   - curl (drives the GT API stand-in of `gtdocs probe` as a client would)
#   - chromium (takes security updates; the version is shown in the summary)
#   - java (default-jre-headless when no java is on PATH)
# Writes $TOOLS/env for the test command to `source`; exports nothing itself.
#   TOOLS = ${GTDOCS_TOOLS:-$HOME/.cache/gtdocs-tools}
# Overrides (for bumping pins): CMARK_GFM_DEB_VERSION, CHECK_JSONSCHEMA_VERSION,
# ZIZMOR_VERSION, SHELLCHECK_DEB_VERSION, JING_DEB_VERSION, FEEDPARSER_VERSION, OPENAI_VERSION. npm pins are bumped in
# tests/browser/package.json, then `npm install --ignore-scripts` there to
# refresh package-lock.json.
set -euo pipefail

CMARK_GFM_DEB_VERSION="${CMARK_GFM_DEB_VERSION:-0.29.0.gfm.6-6}"     # Debian bookworm/main
CHECK_JSONSCHEMA_VERSION="${CHECK_JSONSCHEMA_VERSION:-0.39.0}"       # PyPI
ZIZMOR_VERSION="${ZIZMOR_VERSION:-1.32.0}"                           # PyPI (the GitHub Actions audit)
SHELLCHECK_DEB_VERSION="${SHELLCHECK_DEB_VERSION:-0.9.0-1}"           # Debian bookworm/main
JING_DEB_VERSION="${JING_DEB_VERSION:-20220510-2}"                   # Debian bookworm/main
FEEDPARSER_VERSION="${FEEDPARSER_VERSION:-6.0.12}"                   # PyPI
OPENAI_VERSION="${OPENAI_VERSION:-3.63.0}"                           # PyPI
GIT_MIN_VERSION=2.31
NODE_MIN_MAJOR=20

# Upstream versions as the tools print them (Debian revision stripped).
CMARK_GFM_UPSTREAM="${CMARK_GFM_DEB_VERSION%-*}"
SHELLCHECK_UPSTREAM="${SHELLCHECK_DEB_VERSION%-*}"
JING_UPSTREAM="${JING_DEB_VERSION%-*}"

REPO="$(realpath -- "$(dirname -- "${BASH_SOURCE[0]}")/..")"
BROWSER_TESTS="$REPO/tests/browser"
NPM_PACKAGES=(playwright-core axe-core vnu-jar)
VNU_JAR="$BROWSER_TESTS/node_modules/vnu-jar/build/dist/vnu.jar"

TOOLS="${GTDOCS_TOOLS:-$HOME/.cache/gtdocs-tools}"
TOOLS="$(realpath -m -- "$TOOLS")"
VENV="$TOOLS/venv"
ENV_FILE="$TOOLS/env"

export DEBIAN_FRONTEND=noninteractive

log()  { printf 'install-test-tools: %s\n' "$*" >&2; }
die()  { printf 'install-test-tools: ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck disable=SC2154  # rc is assigned inside the trap string
trap 'rc=$?; printf "install-test-tools: ERROR: command failed (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2; exit "$rc"' ERR

log "needs Node.js >= $NODE_MIN_MAJOR with npm, Java, Python 3 with venv, git >= $GIT_MIN_VERSION; root (apt-get, Debian 12) only if a Debian tool below is missing"

# ------------------------------------------------------------- finding tools
# first_of CHECK NAME... -> the first existing path among NAME (a path, or a
# command looked up on PATH, every match) for which `CHECK path` succeeds.
first_of() {
  local check="$1" name p
  shift
  for name in "$@"; do
    [ -n "$name" ] || continue
    if [[ "$name" == */* ]]; then
      [ -x "$name" ] && "$check" "$name" && { printf '%s' "$name"; return 0; }
    else
      while IFS= read -r p; do
        [ -x "$p" ] && "$check" "$p" && { printf '%s' "$p"; return 0; }
      done < <(type -ap -- "$name" 2>/dev/null || true)
    fi
  done
  return 1
}

runs() { "$1" --version >/dev/null 2>&1; }

# wrk has no --version: -v prints "wrk <version> [epoll] Copyright ...".
wrk_runs() {
  local out
  out="$("$1" -v 2>&1)" || true
  [[ "$out" == "wrk "* ]]
}

cmark_gfm_pinned() {
  # e.g. "cmark-gfm 0.29.0.gfm.6 - CommonMark with GitHub extensions converter"
  [[ " $("$1" --version 2>/dev/null | head -n1) " == *" $CMARK_GFM_UPSTREAM "* ]]
}

shellcheck_pinned() {
  # e.g. "version: 0.9.0"
  [ "$("$1" --version 2>/dev/null | awk '/^version:/ {print $2}')" = "$SHELLCHECK_UPSTREAM" ]
}

jing_pinned() {
  # jing has no --version: run bare, it prints "Jing version 20220510" and
  # its usage (the Debian wrapper adds warnings about optional jars).
  [[ "$("$1" 2>&1 | grep -m1 '^Jing version')" == "Jing version $JING_UPSTREAM" ]]
}

git_version() { "$1" --version 2>/dev/null | awk '{print $3}'; }

# version_at_least HAVE WANT -> HAVE >= WANT, comparing numeric fields
version_at_least() {
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

git_new_enough() {
  local v
  v="$(git_version "$1")"
  [ -n "$v" ] && version_at_least "$v" "$GIT_MIN_VERSION"
}

java_version() {
  # e.g. 'openjdk version "17.0.15" 2025-04-15'
  java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}'
}

# The Debian wrapper script prints a harmless shell warning on stderr.
chromium_version() { "$1" --version 2>/dev/null | awk '{print $2}'; }
chromium_runs() { [ -n "$(chromium_version "$1")" ]; }

venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null
}

check_jsonschema_ok() {
  venv_ok && [ -x "$VENV/bin/check-jsonschema" ] || return 1
  local v
  v="$("$VENV/bin/check-jsonschema" --version 2>/dev/null)" || return 1
  # e.g. "check-jsonschema, version 0.39.0"
  [ "${v##* }" = "$CHECK_JSONSCHEMA_VERSION" ]
}

feedparser_ok() {
  venv_ok || return 1
  [ "$("$VENV/bin/python" -c 'import feedparser; print(feedparser.__version__)' 2>/dev/null)" \
    = "$FEEDPARSER_VERSION" ]
}

openai_ok() {
  venv_ok || return 1
  [ "$("$VENV/bin/python" -c 'import openai; print(openai.__version__)' 2>/dev/null)" \
    = "$OPENAI_VERSION" ]
}

zizmor_ok() {
  venv_ok && [ -x "$VENV/bin/zizmor" ] || return 1
  local v
  v="$("$VENV/bin/zizmor" --version 2>/dev/null)" || return 1
  # e.g. "zizmor 1.32.0"
  [ "${v##* }" = "$ZIZMOR_VERSION" ]
}

CMARK_GFM_BIN="" SHELLCHECK_BIN="" GIT_BIN="" WRK_BIN="" CURL_BIN="" CHROMIUM_BIN="" JING_BIN=""
find_tools() {
  JING_BIN="$(first_of jing_pinned /usr/bin/jing jing || true)"
  CMARK_GFM_BIN="$(first_of cmark_gfm_pinned /usr/bin/cmark-gfm cmark-gfm || true)"
  SHELLCHECK_BIN="$(first_of shellcheck_pinned /usr/bin/shellcheck shellcheck || true)"
  GIT_BIN="$(first_of runs "${GTDOCS_GIT:-}" git || true)"
  WRK_BIN="$(first_of wrk_runs "${GTDOCS_WRK:-}" wrk || true)"
  CURL_BIN="$(first_of runs "${GTDOCS_CURL:-}" curl || true)"
  CHROMIUM_BIN="$(first_of chromium_runs "${GTDOCS_CHROMIUM:-}" /usr/bin/chromium chromium || true)"
}

# ------------------------------------------- what is there, what is missing
find_tools
missing=()    # apt-get install arguments
names=()      # what each is, for the message
want_apt() { missing+=("$1"); names+=("$2"); }

# found NAME -> what PATH has under NAME instead, for the message
found() {
  local p
  p="$(command -v "$1" 2>/dev/null)" || { printf 'none on PATH'; return; }
  printf '%s at %s' "$("$p" --version 2>/dev/null | grep -m1 '[0-9]' || true)" "$p"
}

# Node.js is not a Debian package here (bookworm's is 18): say so first.
command -v node >/dev/null 2>&1 || die "node not found: install Node.js >= $NODE_MIN_MAJOR (with npm) first"
command -v npm >/dev/null 2>&1 || die "npm not found: install npm alongside Node.js >= $NODE_MIN_MAJOR"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$NODE_MIN_MAJOR" ] \
  || die "node $(node --version) is too old: the browser tests need Node.js >= $NODE_MIN_MAJOR"

if [ -n "$GIT_BIN" ] && ! git_new_enough "$GIT_BIN"; then
  die "git $(git_version "$GIT_BIN") at $GIT_BIN is older than $GIT_MIN_VERSION, which the publish tests need (GIT_CONFIG_COUNT): install a newer git (Debian 12's is 2.39) or name one with GTDOCS_GIT"
fi
[ -n "$GIT_BIN" ] || want_apt git "git >= $GIT_MIN_VERSION"
[ -n "$CMARK_GFM_BIN" ] || want_apt "cmark-gfm=$CMARK_GFM_DEB_VERSION" \
  "cmark-gfm $CMARK_GFM_UPSTREAM (pinned; found: $(found cmark-gfm))"
[ -n "$SHELLCHECK_BIN" ] || want_apt "shellcheck=$SHELLCHECK_DEB_VERSION" \
  "shellcheck $SHELLCHECK_UPSTREAM (pinned; found: $(found shellcheck))"
[ -n "$WRK_BIN" ] || want_apt wrk "wrk"
[ -n "$CURL_BIN" ] || want_apt curl "curl"
[ -n "$JING_BIN" ] || want_apt "jing=$JING_DEB_VERSION" "jing $JING_UPSTREAM (pinned; found: $(command -v jing || echo none on PATH))"
[ -n "$CHROMIUM_BIN" ] || want_apt chromium "chromium"
{ command -v java >/dev/null 2>&1 && [ -n "$(java_version)" ]; } || want_apt default-jre-headless "java"
if ! { check_jsonschema_ok && zizmor_ok; } && ! venv_ok \
  && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  want_apt python3-venv "Python 3 with venv (for check-jsonschema and zizmor)"
fi

# ---------------------------------------------------------------- apt-get
APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "running apt-get update"
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
}

# apt_has_version PKG VERSION -> 0 if that exact version is in apt's lists
apt_has_version() {
  apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF -- "$2"
}

# apt_candidate PKG -> candidate version or empty
apt_candidate() {
  apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}' | grep -v '^(none)$' || true
}

# apt_install SPEC -> installs PKG or PKG=VERSION; a pinned version the
# mirrors no longer carry stops with what to bump.
apt_install() {
  local spec="$1" pkg="${1%%=*}"
  if [[ "$spec" == *=* ]]; then
    local version="${spec#*=}"
    apt_has_version "$pkg" "$version" || apt_update_once
    apt_has_version "$pkg" "$version" \
      || die "$spec is not available from the configured Debian mirrors (candidate now: $(apt_candidate "$pkg")). Update its pin in $0 (or set it in the environment) after checking the new version."
  else
    [ -n "$(apt_candidate "$pkg")" ] || apt_update_once
    [ -n "$(apt_candidate "$pkg")" ] || die "no '$pkg' package in the configured Debian mirrors"
  fi
  log "installing $spec"
  if ! apt-get install -y -qq --no-install-recommends "$spec" >/dev/null; then
    # Stale lists can name a version the mirror no longer has.
    [ "$APT_UPDATED" -eq 0 ] || die "apt-get install $spec failed"
    apt_update_once
    apt-get install -y -qq --no-install-recommends "$spec" >/dev/null || die "apt-get install $spec failed"
  fi
}

if [ "${#missing[@]}" -gt 0 ]; then
  list="$(printf '  - %s\n' "${names[@]}")"
  command -v apt-get >/dev/null 2>&1 \
    || die "missing, and apt-get not found (this script installs on Debian only):
$list
install them with your system's packages, or name them with GTDOCS_GIT, GTDOCS_WRK, GTDOCS_CURL, GTDOCS_CHROMIUM"
  [ "$(id -u)" -eq 0 ] || die "missing, and installing needs root:
$list
as root: apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
then run this script again (as any user)"
  for spec in "${missing[@]}"; do apt_install "$spec"; done
  find_tools
  if [ -z "$GIT_BIN" ] || ! git_new_enough "$GIT_BIN"; then
    die "git installed, but no git >= $GIT_MIN_VERSION runs"
  fi
  [ -n "$CMARK_GFM_BIN" ] || die "cmark-gfm installed, but no cmark-gfm reports $CMARK_GFM_UPSTREAM"
  [ -n "$SHELLCHECK_BIN" ] || die "shellcheck installed, but no shellcheck reports $SHELLCHECK_UPSTREAM"
  [ -n "$WRK_BIN" ] || die "wrk installed, but it does not run"
  [ -n "$CURL_BIN" ] || die "curl installed, but 'curl --version' does not run"
  [ -n "$CHROMIUM_BIN" ] || die "chromium installed, but 'chromium --version' does not run"
  { command -v java >/dev/null 2>&1 && [ -n "$(java_version)" ]; } \
    || die "default-jre-headless installed, but 'java -version' does not run"
else
  log "every Debian tool is present; apt-get not needed"
fi

# ------------------------------------------------- the Python venv's tools
# check-jsonschema and zizmor share one venv; each is checked and installed
# on its own, so bumping one pin leaves the other alone.
ensure_venv() {
  venv_ok && return
  mkdir -p "$TOOLS"
  # Recreate the venv if its interpreter is broken (e.g. base python removed).
  if [ -e "$VENV" ]; then
    log "venv at $VENV is broken; recreating"
    rm -rf -- "$VENV"
  fi
  log "creating venv $VENV"
  python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
}

# pip_install_pinned PKG VERSION OK_FN -> installs exactly PKG==VERSION into
# the venv unless OK_FN already passes.
pip_install_pinned() {
  local pkg="$1" version="$2" ok="$3"
  if "$ok"; then
    log "$pkg $version already installed in $VENV, skipping"
    return
  fi
  ensure_venv
  log "installing $pkg==$version into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$pkg==$version" \
    || die "pip install $pkg==$version failed (is that version still on PyPI and installable on $("$VENV/bin/python" --version 2>&1)?)"
  "$ok" || die "$pkg installed but does not report version $version"
  "$VENV/bin/python" -m pip freeze --disable-pip-version-check > "$TOOLS/venv-freeze.txt" 2>/dev/null || true
}

pip_install_pinned check-jsonschema "$CHECK_JSONSCHEMA_VERSION" check_jsonschema_ok
# The static security audit of action.yml and .github/workflows/ (a Rust
# binary shipped as a PyPI wheel; the tests run it with --offline).
pip_install_pinned zizmor "$ZIZMOR_VERSION" zizmor_ok
# Reads the Atom feed (changes.xml) as feed readers do; a `bozo` flag is
# a feed it could not read cleanly.
pip_install_pinned feedparser "$FEEDPARSER_VERSION" feedparser_ok
# The OpenAI Python SDK, run against the GT API stand-in (tests/testsuite/probe.rs).
pip_install_pinned openai "$OPENAI_VERSION" openai_ok

# ------------------------------------------- npm: playwright-core, axe-core, vnu-jar
{ [ -f "$BROWSER_TESTS/package.json" ] && [ -f "$BROWSER_TESTS/package-lock.json" ]; } \
  || die "missing $BROWSER_TESTS/package.json or package-lock.json"

# npm_pin PKG -> the exact version package.json asks for; dies on a range.
npm_pin() {
  local v
  v="$(cd "$BROWSER_TESTS" && node -p "require('./package.json').dependencies['$1'] || ''")"
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || die "tests/browser/package.json must pin $1 to an exact version (found '${v:-nothing}')"
  printf '%s' "$v"
}

# npm_installed PKG -> version in node_modules, or empty
npm_installed() {
  local f="$BROWSER_TESTS/node_modules/$1/package.json"
  if [ -f "$f" ]; then node -p "require(process.argv[1]).version" "$f" 2>/dev/null || true; fi
}

npm_ok() {
  local p
  for p in "${NPM_PACKAGES[@]}"; do
    [ "$(npm_installed "$p")" = "$(npm_pin "$p")" ] || return 1
  done
  # node_modules must also come from this very lock file.
  [ -f "$BROWSER_TESTS/node_modules/.package-lock.json" ] || return 1
  [ "$(cat "$BROWSER_TESTS/node_modules/.gtdocs-lock.sha256" 2>/dev/null)" \
    = "$(sha256sum "$BROWSER_TESTS/package-lock.json" | awk '{print $1}')" ] || return 1
  [ -f "$VNU_JAR" ]
}

for p in "${NPM_PACKAGES[@]}"; do npm_pin "$p" >/dev/null; done
if npm_ok; then
  log "npm packages in tests/browser already match package-lock.json, skipping"
else
  log "running npm ci --ignore-scripts in $BROWSER_TESTS"
  (cd "$BROWSER_TESTS" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) \
    || die "npm ci in $BROWSER_TESTS failed (are the pinned versions in package-lock.json still on the npm registry?)"
  sha256sum "$BROWSER_TESTS/package-lock.json" | awk '{print $1}' > "$BROWSER_TESTS/node_modules/.gtdocs-lock.sha256"
  for p in "${NPM_PACKAGES[@]}"; do
    [ "$(npm_installed "$p")" = "$(npm_pin "$p")" ] \
      || die "after npm ci, $p is '$(npm_installed "$p")', not the pinned $(npm_pin "$p")"
  done
  [ -f "$VNU_JAR" ] || die "vnu-jar installed but $VNU_JAR is missing"
fi
vnu_v="$(java -jar "$VNU_JAR" --version 2>/dev/null | awk '{print $1}')"
[ "$vnu_v" = "$(npm_pin vnu-jar)" ] \
  || die "java -jar $VNU_JAR --version reports '${vnu_v:-nothing}', not $(npm_pin vnu-jar)"

# ------------------------------------------------------------------- env file
mkdir -p "$TOOLS"
tmp="$(mktemp "$TOOLS/env.XXXXXX")"
cat > "$tmp" <<ENVEOF
# Generated by scripts/install-test-tools.sh; source this before running the tests.
case ":\$PATH:" in *":$VENV/bin:"*) ;; *) export PATH="$VENV/bin:\$PATH" ;; esac
export GTDOCS_CMARK_GFM="$CMARK_GFM_BIN"
export GTDOCS_CHECK_JSONSCHEMA="$VENV/bin/check-jsonschema"
export GTDOCS_ZIZMOR="$VENV/bin/zizmor"
export GTDOCS_CHROMIUM="$CHROMIUM_BIN"
export GTDOCS_BROWSER_TESTS="$BROWSER_TESTS"
export GTDOCS_VNU_JAR="$VNU_JAR"
export GTDOCS_GIT="$GIT_BIN"
export GTDOCS_WRK="$WRK_BIN"
export GTDOCS_CURL="$CURL_BIN"
export GTDOCS_SHELLCHECK="$SHELLCHECK_BIN"
export GTDOCS_JING="$JING_BIN"
export GTDOCS_FEEDPARSER_PYTHON="$VENV/bin/python"
export GTDOCS_OPENAI_PYTHON="$VENV/bin/python"
export GTDOCS_PROBE_CACHE="$TOOLS/probe-cache"
ENVEOF
if [ -f "$ENV_FILE" ] && cmp -s "$tmp" "$ENV_FILE"; then
  rm -f -- "$tmp"
else
  chmod 0644 "$tmp"
  mv -f -- "$tmp" "$ENV_FILE"
  log "wrote $ENV_FILE"
fi

# -------------------------------------------------------------------- summary
# deb_of PATH -> the Debian package version that owns PATH, or "not a deb"
deb_of() {
  local pkg
  pkg="$(dpkg-query -S "$(realpath -- "$1")" 2>/dev/null | head -n1 | cut -d: -f1)" || true
  if [ -n "$pkg" ]; then dpkg-query -W -f='deb ${Version}' "$pkg" 2>/dev/null; else printf 'not a deb'; fi
}
cmark_v="$("$CMARK_GFM_BIN" --version | head -n1 | awk '{print $2}')"
cj_v="$("$VENV/bin/check-jsonschema" --version | awk '{print $NF}')"
zizmor_v="$("$VENV/bin/zizmor" --version | awk '{print $NF}')"
git_v="$(git_version "$GIT_BIN")"
wrk_v="$("$WRK_BIN" -v 2>&1 | head -n1 | awk '{print $2}')" || true
chromium_v="$(chromium_version "$CHROMIUM_BIN")"
java_v="$(java_version)"
node_v="$(node --version)"
{ [ -n "$cmark_v" ] && [ -n "$cj_v" ] && [ -n "$zizmor_v" ] && [ -n "$git_v" ] && [ -n "$chromium_v" ] && [ -n "$java_v" ]; } \
  || die "could not read a tool version"
printf '%-17s %-15s %s\n' cmark-gfm "$cmark_v" "$CMARK_GFM_BIN (pinned)"
printf '%-17s %-15s %s\n' check-jsonschema "$cj_v" "$VENV/bin/check-jsonschema (pinned)"
printf '%-17s %-15s %s\n' zizmor "$zizmor_v" "$VENV/bin/zizmor (pinned)"
printf '%-17s %-15s %s\n' shellcheck "$SHELLCHECK_UPSTREAM" "$SHELLCHECK_BIN (pinned)"
printf '%-17s %-15s %s\n' jing "$JING_UPSTREAM" "$JING_BIN (pinned)"
printf '%-17s %-15s %s\n' feedparser "$FEEDPARSER_VERSION" "$VENV/bin/python (pinned)"
printf '%-17s %-15s %s\n' openai "$OPENAI_VERSION" "$VENV/bin/python (pinned)"
printf '%-17s %-15s %s\n' git "$git_v" "$GIT_BIN ($(deb_of "$GIT_BIN"); >= $GIT_MIN_VERSION)"
printf '%-17s %-15s %s\n' wrk "${wrk_v:-?}" "$WRK_BIN ($(deb_of "$WRK_BIN"))"
printf '%-17s %-15s %s\n' curl "$("$CURL_BIN" --version | head -n1 | awk '{print $2}')" "$CURL_BIN ($(deb_of "$CURL_BIN"))"
printf '%-17s %-15s %s\n' chromium "$chromium_v" "$CHROMIUM_BIN ($(deb_of "$CHROMIUM_BIN"), not pinned)"
printf '%-17s %-15s %s\n' java "$java_v" "$(command -v java)"
printf '%-17s %-15s %s\n' node "${node_v#v}" "$(command -v node)"
for p in "${NPM_PACKAGES[@]}"; do
  printf '%-17s %-15s %s\n' "$p" "$(npm_installed "$p")" "$BROWSER_TESTS/node_modules/$p (pinned)"
done
printf '%-17s %-15s %s\n' vnu.jar "$vnu_v" "$VNU_JAR"
log "done; use: source $ENV_FILE"
