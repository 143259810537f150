#!/usr/bin/env bash
# Install the outside tools gtdocs' test suite needs, at pinned versions.
#
#   sudo-less root on Debian 12 (bookworm):  bash scripts/install-test-tools.sh
#
# Idempotent: a second run checks versions and changes nothing.
# Installs:
#   - Debian package cmark-gfm   (pinned: CMARK_GFM_DEB_VERSION)   -> /usr/bin/cmark-gfm
#   - PyPI check-jsonschema      (pinned: CHECK_JSONSCHEMA_VERSION) -> $TOOLS/venv (python3 -m venv)
#   - Debian package git         (only if no git is on PATH)
# Writes $TOOLS/env for the test command to `source`; exports nothing itself.
#   TOOLS = ${GTDOCS_TOOLS:-$HOME/.cache/gtdocs-tools}
# Overrides (for bumping pins): CMARK_GFM_DEB_VERSION, CHECK_JSONSCHEMA_VERSION.
set -euo pipefail

CMARK_GFM_DEB_VERSION="${CMARK_GFM_DEB_VERSION:-0.29.0.gfm.6-6}"     # Debian bookworm/main
CHECK_JSONSCHEMA_VERSION="${CHECK_JSONSCHEMA_VERSION:-0.39.0}"       # PyPI

CMARK_GFM_BIN=/usr/bin/cmark-gfm
# Upstream version as printed by `cmark-gfm --version` (Debian revision stripped).
CMARK_GFM_UPSTREAM="${CMARK_GFM_DEB_VERSION%-*}"

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

# ------------------------------------------------------------------ cmark-gfm
cmark_gfm_ok() {
  [ -x "$CMARK_GFM_BIN" ] || return 1
  local v
  v="$("$CMARK_GFM_BIN" --version 2>/dev/null | head -n1)" || return 1
  # e.g. "cmark-gfm 0.29.0.gfm.6 - CommonMark with GitHub extensions converter"
  [[ " $v " == *" $CMARK_GFM_UPSTREAM "* ]]
}

if cmark_gfm_ok; then
  log "cmark-gfm $CMARK_GFM_UPSTREAM already installed, skipping"
else
  if ! apt_has_version cmark-gfm "$CMARK_GFM_DEB_VERSION"; then
    apt_update_once
  fi
  if ! apt_has_version cmark-gfm "$CMARK_GFM_DEB_VERSION"; then
    cand="$(apt_candidate cmark-gfm)"
    die "cmark-gfm=$CMARK_GFM_DEB_VERSION is not available from the configured Debian mirrors (candidate now: ${cand:-none}). Update CMARK_GFM_DEB_VERSION in $0 (or set it in the environment) after checking the new version."
  fi
  log "installing cmark-gfm=$CMARK_GFM_DEB_VERSION"
  apt-get install -y -qq --no-install-recommends "cmark-gfm=$CMARK_GFM_DEB_VERSION" >/dev/null \
    || die "apt-get install cmark-gfm=$CMARK_GFM_DEB_VERSION failed"
  cmark_gfm_ok || die "cmark-gfm installed but '$CMARK_GFM_BIN --version' does not report $CMARK_GFM_UPSTREAM"
fi

# ------------------------------------------------------------------------ git
if command -v git >/dev/null 2>&1; then
  log "git present ($(command -v git)), skipping"
else
  if [ -z "$(apt_candidate git)" ]; then apt_update_once; fi
  log "installing git"
  apt-get install -y -qq --no-install-recommends git >/dev/null || die "apt-get install git failed"
  command -v git >/dev/null 2>&1 || die "git installed but not on PATH"
fi

# ----------------------------------------------------------- check-jsonschema
check_jsonschema_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null || return 1
  [ -x "$VENV/bin/check-jsonschema" ] || return 1
  local v
  v="$("$VENV/bin/check-jsonschema" --version 2>/dev/null)" || return 1
  # e.g. "check-jsonschema, version 0.39.0"
  [ "${v##* }" = "$CHECK_JSONSCHEMA_VERSION" ]
}

if check_jsonschema_ok; then
  log "check-jsonschema $CHECK_JSONSCHEMA_VERSION already installed in $VENV, skipping"
else
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    log "python3 venv support missing; installing python3-venv"
    apt_update_once
    apt-get install -y -qq --no-install-recommends python3 python3-venv >/dev/null \
      || die "apt-get install python3-venv failed"
  fi
  mkdir -p "$TOOLS"
  # Recreate the venv if its interpreter is broken (e.g. base python removed).
  if [ -e "$VENV" ] && ! { [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys' 2>/dev/null; }; then
    log "venv at $VENV is broken; recreating"
    rm -rf -- "$VENV"
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
  fi
  log "installing check-jsonschema==$CHECK_JSONSCHEMA_VERSION into $VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
      "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" \
    || die "pip install check-jsonschema==$CHECK_JSONSCHEMA_VERSION failed (is that version still on PyPI and installable on $("$VENV/bin/python" --version 2>&1)?)"
  check_jsonschema_ok || die "check-jsonschema installed but does not report version $CHECK_JSONSCHEMA_VERSION"
  "$VENV/bin/python" -m pip freeze --disable-pip-version-check > "$TOOLS/venv-freeze.txt" 2>/dev/null || true
fi

# ------------------------------------------------------------------- env file
mkdir -p "$TOOLS"
tmp="$(mktemp "$TOOLS/env.XXXXXX")"
cat > "$tmp" <<ENVEOF
# Generated by scripts/install-test-tools.sh; source this before running the tests.
case ":\$PATH:" in *":$VENV/bin:"*) ;; *) export PATH="$VENV/bin:\$PATH" ;; esac
export GTDOCS_CMARK_GFM="$CMARK_GFM_BIN"
export GTDOCS_CHECK_JSONSCHEMA="$VENV/bin/check-jsonschema"
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
git_path="$(command -v git)"
git_v="$(git --version | awk '{print $3}')"
[ -n "$cmark_v" ] && [ -n "$cj_v" ] && [ -n "$git_v" ] || die "could not read a tool version"
printf '%-17s %-15s %s\n' cmark-gfm "$cmark_v" "$CMARK_GFM_BIN"
printf '%-17s %-15s %s\n' check-jsonschema "$cj_v" "$VENV/bin/check-jsonschema"
printf '%-17s %-15s %s\n' git "$git_v" "$git_path"
log "done; use: source $ENV_FILE"
