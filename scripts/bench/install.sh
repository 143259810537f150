#!/usr/bin/env bash
# Installs the peers of the build benchmark (scripts/bench/run.py), pinned:
#
#   - Debian package hugo   (pinned: HUGO_DEB_VERSION, what bookworm/main
#                            offers) -> /usr/bin/hugo
#   - Debian package time   (pinned: TIME_DEB_VERSION; GNU time -> /usr/bin/time,
#                            which reports each command's own peak RSS; see
#                            run.py for why Python's wait4 alone cannot)
#   - npm pagefind          (exact version pinned by scripts/bench/package.json
#                            + package-lock.json) -> scripts/bench/node_modules
#                            via `npm ci --ignore-scripts`. The CLI's binary
#                            comes in the optional dependency
#                            @pagefind/linux-x64 (a registry package: nothing
#                            is downloaded at install or run time).
#   - npm playwright-core   (exact version pinned by package.json, the one
#                            tests/browser pins) -> scripts/bench/node_modules,
#                            the browser driver of scripts/bench/search.mjs
#   - Debian package chromium (accepted as found; Debian's current package
#                            when missing: it takes security updates) ->
#                            /usr/bin/chromium, driven by search.mjs
#
#   bash scripts/bench/install.sh        # root on Debian 12 (bookworm)
#
# Idempotent: a second run checks the versions and changes nothing. Prints
# the versions (and the pagefind binary's path) at the end.
# Bumping pins: HUGO_DEB_VERSION below (or in the environment); for pagefind,
# edit package.json, then `npm install --ignore-scripts --package-lock-only`
# in scripts/bench to refresh package-lock.json.
set -euo pipefail

HUGO_DEB_VERSION="${HUGO_DEB_VERSION:-0.111.3-1}"   # Debian bookworm/main
TIME_DEB_VERSION="${TIME_DEB_VERSION:-1.9-0.2}"      # Debian bookworm/main
# `hugo version` prints v0.111.3+extended ...: the upstream part of the pin.
HUGO_UPSTREAM="${HUGO_DEB_VERSION%-*}"
BENCH="$(realpath -- "$(dirname -- "${BASH_SOURCE[0]}")")"
PAGEFIND_BIN="$BENCH/node_modules/@pagefind/linux-x64/bin/pagefind_extended"

export DEBIAN_FRONTEND=noninteractive
log() { printf 'bench/install: %s\n' "$*" >&2; }
die() { printf 'bench/install: ERROR: %s\n' "$*" >&2; exit 1; }

# ------------------------------------------------------------ hugo, time (apt)
deb_installed() { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null | awk '$3=="installed"{print $4}'; }
APT_UPDATED=0
deb_pin() { # PKG VERSION
  if [ "$(deb_installed "$1")" = "$2" ]; then
    log "$1 $2 already installed"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "$1 $2 is not installed and this is not root (needs apt-get)"
  command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian only"
  if [ "$APT_UPDATED" -eq 0 ] && ! apt-cache madison "$1" 2>/dev/null | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -qxF -- "$2"; then
    log "running apt-get update"
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing $1=$2"
  apt-get install -y -qq --no-install-recommends "$1=$2" >&2 \
    || die "apt-get install $1=$2 failed (apt-cache policy $1 shows what is offered)"
  [ "$(deb_installed "$1")" = "$2" ] || die "after apt-get install, $1 is '$(deb_installed "$1")', not $2"
}
deb_pin hugo "$HUGO_DEB_VERSION"
deb_pin time "$TIME_DEB_VERSION"
# chromium: any version (search.mjs reports the one it drove).
if [ -z "$(deb_installed chromium)" ]; then
  [ "$(id -u)" -eq 0 ] || die "chromium is not installed and this is not root (needs apt-get)"
  if [ "$APT_UPDATED" -eq 0 ] && ! apt-cache policy chromium 2>/dev/null | awk '/Candidate:/{print $2}' | grep -qv none; then
    log "running apt-get update"
    apt-get update -qq || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "installing chromium"
  apt-get install -y -qq --no-install-recommends chromium >&2 || die "apt-get install chromium failed"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing the chromium package"
/usr/bin/time -f '%M' -o /dev/null true || die "/usr/bin/time does not run"
hugo_v="$(hugo version)"
case "$hugo_v" in
  "hugo v$HUGO_UPSTREAM"[+\ ]*) ;;
  *) die "hugo version reports '$hugo_v', not v$HUGO_UPSTREAM" ;;
esac

# ---------------------------------------------------------------- pagefind (npm)
command -v node >/dev/null || die "node not found: install Node.js >= 18 with npm"
command -v npm >/dev/null || die "npm not found"
pin="$(cd "$BENCH" && node -p "require('./package.json').dependencies.pagefind")"
[[ "$pin" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "package.json must pin pagefind to an exact version, not '$pin'"
pw_pin="$(cd "$BENCH" && node -p "require('./package.json').dependencies['playwright-core']")"
[[ "$pw_pin" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "package.json must pin playwright-core to an exact version, not '$pw_pin'"
lock_sum="$(sha256sum "$BENCH/package-lock.json" | awk '{print $1}')"
installed_ok() {
  [ -x "$PAGEFIND_BIN" ] || return 1
  [ "$(node -p "require(process.argv[1]).version" "$BENCH/node_modules/pagefind/package.json" 2>/dev/null)" = "$pin" ] || return 1
  [ "$(node -p "require(process.argv[1]).version" "$BENCH/node_modules/playwright-core/package.json" 2>/dev/null)" = "$pw_pin" ] || return 1
  [ "$(cat "$BENCH/node_modules/.gtdocs-lock.sha256" 2>/dev/null)" = "$lock_sum" ]
}
if installed_ok; then
  log "pagefind $pin and playwright-core $pw_pin already installed in scripts/bench/node_modules"
else
  log "running npm ci --ignore-scripts in scripts/bench"
  (cd "$BENCH" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) \
    || die "npm ci in scripts/bench failed"
  echo "$lock_sum" > "$BENCH/node_modules/.gtdocs-lock.sha256"
  installed_ok || die "after npm ci, pagefind $pin or playwright-core $pw_pin is not there (is this linux-x64? $PAGEFIND_BIN)"
fi
# Both the npm wrapper (what `npx pagefind` runs) and the native binary it
# spawns must run offline and report the pin.
for exe in "$BENCH/node_modules/.bin/pagefind" "$PAGEFIND_BIN"; do
  v="$("$exe" --version)"
  [ "$v" = "pagefind $pin" ] || die "$exe --version reports '$v', not 'pagefind $pin'"
done

printf '%-15s %-12s %s\n' hugo "$HUGO_UPSTREAM" "$(command -v hugo)  ($hugo_v)"
printf '%-15s %-12s %s\n' time "$TIME_DEB_VERSION" "/usr/bin/time  (GNU time, Debian package)"
printf '%-15s %-12s %s\n' pagefind "$pin" "$PAGEFIND_BIN"
printf '%-15s %-12s %s\n' playwright-core "$pw_pin" "$BENCH/node_modules/playwright-core"
printf '%-15s %-12s %s\n' chromium "$(deb_installed chromium)" "/usr/bin/chromium  ($(/usr/bin/chromium --version 2>/dev/null || echo '?'))"
printf '%-15s %-12s %s\n' node "$(node --version)" "$(command -v node)"
