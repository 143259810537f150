#!/usr/bin/env bash
# Install the outside tools gtdocs' test suite needs, at pinned versions.
#
#   sudo-less root on Debian 12 (bookworm):  bash scripts/install-test-tools.sh
#
# Idempotent: a second run checks versions and changes nothing.
# Installs:
#   - Debian package cmark-gfm   (pinned: CMARK_GFM_DEB_VERSION)   -> /usr/bin/cmark-gfm
#   - PyPI check-jsonschema      (pinned: CHECK_JSONSCHEMA_VERSION) -> $TOOLS/venv (python3 -m venv)
#   - PyPI zizmor                (pinned: ZIZMOR_VERSION)           -> $TOOLS/venv (the same venv)
#   - Debian package git         (pinned: GIT_DEB_VERSION)          -> /usr/bin/git
#   - Debian package wrk         (pinned: WRK_DEB_VERSION)          -> /usr/bin/wrk
#   - Debian package shellcheck  (pinned: SHELLCHECK_DEB_VERSION)   -> /usr/bin/shellcheck
#   - Debian package chromium    (only if /usr/bin/chromium is missing; not
#                                 pinned: a browser takes security updates, so
#                                 the installed version is shown in the summary)
#   - Debian default-jre-headless (only if no java is on PATH; runs vnu.jar)
#   - npm playwright-core, axe-core, vnu-jar (exact versions, pinned by
#     tests/browser/package.json + package-lock.json) -> tests/browser/node_modules
#     via `npm ci --ignore-scripts` (vnu-jar ships vnu.jar; its postinstall,
#     which would fetch a Java runtime, never runs). Needs Node >= 20 and npm.
# Writes $TOOLS/env for the test command to `source`; exports nothing itself.
#   TOOLS = ${GTDOCS_TOOLS:-$HOME/.cache/gtdocs-tools}
# Overrides (for bumping pins): CMARK_GFM_DEB_VERSION, CHECK_JSONSCHEMA_VERSION,
# ZIZMOR_VERSION, GIT_DEB_VERSION, WRK_DEB_VERSION, SHELLCHECK_DEB_VERSION.
# npm pins are bumped in tests/browser/package.json, then `npm install
# --ignore-scripts` there to refresh package-lock.json.
set -euo pipefail

CMARK_GFM_DEB_VERSION="${CMARK_GFM_DEB_VERSION:-0.29.0.gfm.6-6}"     # Debian bookworm/main
CHECK_JSONSCHEMA_VERSION="${CHECK_JSONSCHEMA_VERSION:-0.39.0}"       # PyPI
ZIZMOR_VERSION="${ZIZMOR_VERSION:-1.32.0}"                           # PyPI (the GitHub Actions audit)
GIT_DEB_VERSION="${GIT_DEB_VERSION:-1:2.39.5-0+deb12u3}"             # Debian bookworm/main (security)
GIT_BIN=/usr/bin/git
WRK_DEB_VERSION="${WRK_DEB_VERSION:-4.1.0-3+b2}"                     # Debian bookworm/main
WRK_BIN=/usr/bin/wrk
SHELLCHECK_DEB_VERSION="${SHELLCHECK_DEB_VERSION:-0.9.0-1}"           # Debian bookworm/main
SHELLCHECK_BIN=/usr/bin/shellcheck

CMARK_GFM_BIN=/usr/bin/cmark-gfm
# Upstream version as printed by `cmark-gfm --version` (Debian revision stripped).
CMARK_GFM_UPSTREAM="${CMARK_GFM_DEB_VERSION%-*}"

CHROMIUM_BIN=/usr/bin/chromium
NODE_MIN_MAJOR=20
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

[ "$(id -u)" -eq 0 ] || die "must run as root (needs apt-get)"
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian only"

# ---------------------------------------------------------------- apt helpers
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

# apt_install_latest PKG -> installs the candidate version; on failure (stale
# lists naming a version the mirror no longer has) updates once and retries.
apt_install_latest() {
  if [ -z "$(apt_candidate "$1")" ]; then apt_update_once; fi
  [ -n "$(apt_candidate "$1")" ] || die "no '$1' package in the configured Debian mirrors"
  if ! apt-get install -y -qq --no-install-recommends "$1" >/dev/null; then
    [ "$APT_UPDATED" -eq 0 ] || die "apt-get install $1 failed"
    apt_update_once
    apt-get install -y -qq --no-install-recommends "$1" >/dev/null || die "apt-get install $1 failed"
  fi
}

# apt_install_pinned PKG VERSION PIN_VAR OK_FN WHAT_IF_NOT_OK -> installs
# exactly PKG=VERSION unless OK_FN already passes; dies with a clear message
# when the mirrors no longer carry that version (then bump PIN_VAR).
apt_install_pinned() {
  local pkg="$1" version="$2" pin="$3" ok="$4" broken="$5"
  if "$ok"; then
    log "$pkg $version already installed, skipping"
    return
  fi
  if ! apt_has_version "$pkg" "$version"; then
    apt_update_once
  fi
  if ! apt_has_version "$pkg" "$version"; then
    local cand
    cand="$(apt_candidate "$pkg")"
    die "$pkg=$version is not available from the configured Debian mirrors (candidate now: ${cand:-none}). Update $pin in $0 (or set it in the environment) after checking the new version."
  fi
  log "installing $pkg=$version"
  apt-get install -y -qq --no-install-recommends "$pkg=$version" >/dev/null \
    || die "apt-get install $pkg=$version failed"
  "$ok" || die "$pkg installed but $broken"
}

# ------------------------------------------------------------------ cmark-gfm
cmark_gfm_ok() {
  [ -x "$CMARK_GFM_BIN" ] || return 1
  local v
  v="$("$CMARK_GFM_BIN" --version 2>/dev/null | head -n1)" || return 1
  # e.g. "cmark-gfm 0.29.0.gfm.6 - CommonMark with GitHub extensions converter"
  [[ " $v " == *" $CMARK_GFM_UPSTREAM "* ]]
}

apt_install_pinned cmark-gfm "$CMARK_GFM_DEB_VERSION" CMARK_GFM_DEB_VERSION cmark_gfm_ok \
  "'$CMARK_GFM_BIN --version' does not report $CMARK_GFM_UPSTREAM"

# ------------------------------------------------------------------------ git
# Debian's git, pinned, at /usr/bin/git: the publish and diff tests drive it
# (a machine may carry another git earlier on PATH; the tests never use it).
git_ok() {
  [ -x "$GIT_BIN" ] && [ "$(dpkg-query -W -f='${Version}' git 2>/dev/null)" = "$GIT_DEB_VERSION" ]
}
apt_install_pinned git "$GIT_DEB_VERSION" GIT_DEB_VERSION git_ok \
  "dpkg does not report $GIT_DEB_VERSION at $GIT_BIN"

# ------------------------------------------------------------------------ wrk
# The HTTP load generator of the `gtdocs serve` load test.
wrk_ok() {
  [ -x "$WRK_BIN" ] && [ "$(dpkg-query -W -f='${Version}' wrk 2>/dev/null)" = "$WRK_DEB_VERSION" ]
}
apt_install_pinned wrk "$WRK_DEB_VERSION" WRK_DEB_VERSION wrk_ok \
  "dpkg does not report $WRK_DEB_VERSION at $WRK_BIN"

# ----------------------------------------------------------------- shellcheck
# Lints the Action's shell scripts (scripts/action/*.sh).
shellcheck_ok() {
  [ -x "$SHELLCHECK_BIN" ] && [ "$(dpkg-query -W -f='${Version}' shellcheck 2>/dev/null)" = "$SHELLCHECK_DEB_VERSION" ]
}
apt_install_pinned shellcheck "$SHELLCHECK_DEB_VERSION" SHELLCHECK_DEB_VERSION shellcheck_ok \
  "dpkg does not report $SHELLCHECK_DEB_VERSION at $SHELLCHECK_BIN"

# ------------------------------------------------- the Python venv's tools
# check-jsonschema and zizmor share one venv; each is checked and installed
# on its own, so bumping one pin leaves the other alone.
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null
}

ensure_venv() {
  venv_ok && return
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    log "python3 venv support missing; installing python3-venv"
    apt_update_once
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null \
      || die "apt-get install python3-venv failed"
  fi
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

check_jsonschema_ok() {
  venv_ok && [ -x "$VENV/bin/check-jsonschema" ] || return 1
  local v
  v="$("$VENV/bin/check-jsonschema" --version 2>/dev/null)" || return 1
  # e.g. "check-jsonschema, version 0.39.0"
  [ "${v##* }" = "$CHECK_JSONSCHEMA_VERSION" ]
}
pip_install_pinned check-jsonschema "$CHECK_JSONSCHEMA_VERSION" check_jsonschema_ok

# The static security audit of action.yml and .github/workflows/ (a Rust
# binary shipped as a PyPI wheel; the tests run it with --offline).
zizmor_ok() {
  venv_ok && [ -x "$VENV/bin/zizmor" ] || return 1
  local v
  v="$("$VENV/bin/zizmor" --version 2>/dev/null)" || return 1
  # e.g. "zizmor 1.32.0"
  [ "${v##* }" = "$ZIZMOR_VERSION" ]
}
pip_install_pinned zizmor "$ZIZMOR_VERSION" zizmor_ok

# ------------------------------------------------------------------- chromium
# The Debian wrapper script prints a harmless shell warning on stderr.
chromium_version() {
  "$CHROMIUM_BIN" --version 2>/dev/null | awk '{print $2}'
}

if [ -x "$CHROMIUM_BIN" ] && [ -n "$(chromium_version)" ]; then
  log "chromium $(chromium_version) already installed, skipping"
else
  log "installing chromium (Debian, current security release)"
  apt_install_latest chromium
  { [ -x "$CHROMIUM_BIN" ] && [ -n "$(chromium_version)" ]; } \
    || die "chromium installed but '$CHROMIUM_BIN --version' does not run"
fi

# ----------------------------------------------------------------------- java
java_version() {
  # e.g. 'openjdk version "17.0.15" 2025-04-15'
  java -version 2>&1 | awk -F'"' '/version/ {print $2; exit}'
}

if command -v java >/dev/null 2>&1 && [ -n "$(java_version)" ]; then
  log "java $(java_version) present ($(command -v java)), skipping"
else
  log "installing default-jre-headless"
  apt_install_latest default-jre-headless
  { command -v java >/dev/null 2>&1 && [ -n "$(java_version)" ]; } \
    || die "default-jre-headless installed but 'java -version' does not run"
fi

# ------------------------------------------- npm: playwright-core, axe-core, vnu-jar
command -v node >/dev/null 2>&1 || die "node not found: install Node.js >= $NODE_MIN_MAJOR (with npm) first"
command -v npm >/dev/null 2>&1 || die "npm not found: install npm alongside Node.js >= $NODE_MIN_MAJOR"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$NODE_MIN_MAJOR" ] \
  || die "node $(node --version) is too old: the browser tests need Node.js >= $NODE_MIN_MAJOR"
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
export GTDOCS_SHELLCHECK="$SHELLCHECK_BIN"
ENVEOF
if [ -f "$ENV_FILE" ] && cmp -s "$tmp" "$ENV_FILE"; then
  rm -f -- "$tmp"
else
  chmod 0644 "$tmp"
  mv -f -- "$tmp" "$ENV_FILE"
  log "wrote $ENV_FILE"
fi

# -------------------------------------------------------------------- summary
cmark_v="$("$CMARK_GFM_BIN" --version | head -n1 | awk '{print $2}')"
cj_v="$("$VENV/bin/check-jsonschema" --version | awk '{print $NF}')"
zizmor_v="$("$VENV/bin/zizmor" --version | awk '{print $NF}')"
git_path="$GIT_BIN"
git_v="$("$GIT_BIN" --version | awk '{print $3}')"
chromium_v="$(chromium_version)"
chromium_deb="$(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo not-a-deb)"
java_v="$(java_version)"
node_v="$(node --version)"
{ [ -n "$cmark_v" ] && [ -n "$cj_v" ] && [ -n "$zizmor_v" ] && [ -n "$git_v" ] && [ -n "$chromium_v" ] && [ -n "$java_v" ]; } \
  || die "could not read a tool version"
printf '%-17s %-15s %s\n' cmark-gfm "$cmark_v" "$CMARK_GFM_BIN"
printf '%-17s %-15s %s\n' check-jsonschema "$cj_v" "$VENV/bin/check-jsonschema"
printf '%-17s %-15s %s\n' zizmor "$zizmor_v" "$VENV/bin/zizmor"
printf '%-17s %-15s %s\n' git "$git_v" "$git_path"
printf '%-17s %-15s %s\n' wrk "$(dpkg-query -W -f='${Version}' wrk)" "$WRK_BIN"
printf '%-17s %-15s %s\n' shellcheck "$("$SHELLCHECK_BIN" --version | awk '/^version:/ {print $2}')" "$SHELLCHECK_BIN"
printf '%-17s %-15s %s\n' chromium "$chromium_v" "$CHROMIUM_BIN (deb $chromium_deb, not pinned)"
printf '%-17s %-15s %s\n' java "$java_v" "$(command -v java)"
printf '%-17s %-15s %s\n' node "${node_v#v}" "$(command -v node)"
for p in "${NPM_PACKAGES[@]}"; do
  printf '%-17s %-15s %s\n' "$p" "$(npm_installed "$p")" "$BROWSER_TESTS/node_modules/$p"
done
printf '%-17s %-15s %s\n' vnu.jar "$vnu_v" "$VNU_JAR"
log "done; use: source $ENV_FILE"
