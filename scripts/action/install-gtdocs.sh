#!/usr/bin/env bash
# The Action's way to a gtdocs binary: a prebuilt release binary, verified
# against the release's SHA256SUMS before it is ever run, or a build from the
# action's own source with cargo when no release matches the action's ref.
#
# action.yml runs it twice: GTDOCS_MODE=plan chooses (so the cargo cache is
# restored only for a build from source), GTDOCS_MODE=install carries out
# that choice. Run alone, `install` chooses for itself.
#
# Environment (inputs):
#   GITHUB_ACTION_PATH      required; the action's source (its Cargo.toml
#                           gives the version, its sources the fallback build)
#   GITHUB_OUTPUT           required; receives the outputs below
#   GTDOCS_MODE             plan | install (default install)
#   GTDOCS_INPUT_BINARY     the `gtdocs` input: path of an installed binary;
#                           when set, nothing is downloaded or built
#   GTDOCS_BUILD_FROM_SOURCE  'true' always builds with cargo (input
#                           `build-from-source`)
#   GTDOCS_ACTION_REF       github.action_ref: the prebuilt binary is used
#                           only when it is v<version>, or the 40-hex commit
#                           named in that release's COMMIT file; a branch,
#                           another tag, an unreleased commit or `uses: ./`
#                           (empty) builds from source
#   GTDOCS_ACTION_REPOSITORY  github.action_repository, OWNER/REPO of the
#                           action (for the default release URL)
#   GITHUB_SERVER_URL       default https://github.com
#   GTDOCS_RELEASE_URL      the release's base URL, default
#                           $GITHUB_SERVER_URL/$GTDOCS_ACTION_REPOSITORY/releases/download/v<version>
#                           (http or https only)
#   GTDOCS_SOURCE           install mode: release | cargo, as chosen by the
#                           plan step (empty: choose now)
#   GTDOCS_INSTALL_DIR      where the verified binary goes, default
#                           $RUNNER_TEMP/gtdocs-bin
#   GTDOCS_TARGET_DIR       cargo's target dir for the fallback, default
#                           $HOME/.cache/gtdocs-action/target (the cached one)
#   GTDOCS_CARGO            the cargo command, default cargo
#   GTDOCS_CURL_RETRIES     curl --retry count, default 3
#
# Outputs ($GITHUB_OUTPUT):
#   plan:    chosen=input|release|cargo, cache-key=<key for the cargo cache>
#   install: path=<the gtdocs binary>, chosen=input|release|cargo
#
# Exit status: 0 with the outputs written; 1 with a `::error::` line and
# nothing downloaded left behind (a binary that failed its checks is deleted
# without having been run).
set -euo pipefail

# Workflow-command data: %, CR and LF would end or corrupt the message.
escape() {
  local s="$1"
  s="${s//'%'/%25}"
  s="${s//$'\r'/%0D}"
  s="${s//$'\n'/%0A}"
  printf '%s' "$s"
}
error() { printf '::error title=gtdocs::%s\n' "$(escape "$*")"; }
die() { error "$@"; exit 1; }
notice() { printf '::notice title=gtdocs::%s\n' "$(escape "$*")"; }

[ -n "${GITHUB_OUTPUT:-}" ] || die "GITHUB_OUTPUT is not set: run this script from the action"
[ -n "${GITHUB_ACTION_PATH:-}" ] || die "GITHUB_ACTION_PATH is not set: run this script from the action"

mode="${GTDOCS_MODE:-install}"
case "$mode" in
  plan|install) ;;
  *) die "GTDOCS_MODE must be plan or install, not '$mode'" ;;
esac

output() { printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; }

# The [package] version of the action's Cargo.toml: the release it may use.
package_version() {
  awk '
    /^[[:space:]]*\[/ { in_package = ($0 ~ /^[[:space:]]*\[package\][[:space:]]*$/); next }
    in_package && /^[[:space:]]*version[[:space:]]*=/ {
      line = $0
      sub(/^[^=]*=[[:space:]]*"/, "", line)
      sub(/".*$/, "", line)
      print line
      exit
    }' "$1"
}

arch_name() {
  case "$(uname -m)" in
    x86_64|amd64) printf 'x86_64' ;;
    aarch64|arm64) printf 'aarch64' ;;
    *) return 1 ;;
  esac
}

curl_get() { # URL FILE MAX_BYTES
  curl --fail --silent --show-error --location \
    --proto '=https,http' --proto-redir '=https' \
    --connect-timeout 20 --max-time 300 --max-filesize "$3" \
    --retry "${GTDOCS_CURL_RETRIES:-3}" --retry-delay 2 \
    --output "$2" "$1"
}

# ------------------------------------------------------- an installed binary
if [ -n "${GTDOCS_INPUT_BINARY:-}" ]; then
  if [ "$mode" = plan ]; then
    output source input
    exit 0
  fi
  { [ -f "$GTDOCS_INPUT_BINARY" ] && [ -x "$GTDOCS_INPUT_BINARY" ]; } \
    || die "input gtdocs: $GTDOCS_INPUT_BINARY is not an executable file"
  output path "$GTDOCS_INPUT_BINARY"
  output source input
  exit 0
fi

manifest="$GITHUB_ACTION_PATH/Cargo.toml"
[ -f "$manifest" ] || die "no Cargo.toml in the action's folder $GITHUB_ACTION_PATH"
version="$(package_version "$manifest")"
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$ ]] \
  || die "cannot read the package version from $manifest (found '${version}')"
tag="v$version"
ref="${GTDOCS_ACTION_REF:-}"
release_url="${GTDOCS_RELEASE_URL:-${GITHUB_SERVER_URL:-https://github.com}/${GTDOCS_ACTION_REPOSITORY:-}/releases/download/$tag}"
release_url="${release_url%/}"
case "$release_url" in
  https://*|http://*) ;;
  *) die "the release URL must be http(s): $release_url" ;;
esac
if [ -z "${GTDOCS_RELEASE_URL:-}" ] && [ -z "${GTDOCS_ACTION_REPOSITORY:-}" ]; then
  release_url=""
fi

scratch="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gtdocs-install.XXXXXX")"
trap 'rm -rf -- "$scratch"' EXIT

# ------------------------------------------------------------------- choose
# Sets `chosen` (release or cargo) and `reason` (why not the release).
choose() {
  chosen=cargo
  case "${GTDOCS_BUILD_FROM_SOURCE:-false}" in
    true)
      reason="the input build-from-source is 'true'"
      return
      ;;
    false) ;;
    # A mistyped switch ('yes', 'True') would otherwise download silently.
    *) die "the input build-from-source is '$GTDOCS_BUILD_FROM_SOURCE', neither 'true' nor 'false'" ;;
  esac
  if ! arch="$(arch_name)"; then
    reason="no prebuilt binary for the machine type $(uname -m) (only x86_64 and aarch64 Linux)"
    return
  fi
  if [ "$(uname -s)" != Linux ]; then
    reason="no prebuilt binary for $(uname -s) (only Linux)"
    return
  fi
  if [ -z "$release_url" ]; then
    reason="the action's repository is unknown (github.action_repository is empty), so is its release"
    return
  fi
  if [ "$ref" = "$tag" ]; then
    chosen=release
    return
  fi
  if [ -z "$ref" ]; then
    reason="the action runs from a local path (uses: ./), not from the release tag $tag"
    return
  fi
  if [[ ! "$ref" =~ ^[0-9a-f]{40}$ ]]; then
    reason="the action's ref '$ref' is not the release tag $tag nor the commit of that release"
    return
  fi
  local commit_file="$scratch/COMMIT" rc=0 released
  curl_get "$release_url/COMMIT" "$commit_file" 1024 || rc=$?
  if [ "$rc" -ne 0 ]; then
    reason="the action's ref $ref is a commit, and the release $tag has no COMMIT file to match it against ($release_url/COMMIT, curl exit $rc)"
    return
  fi
  released="$(tr -d ' \t\r\n' < "$commit_file")"
  if [ "$released" = "$ref" ]; then
    chosen=release
  else
    reason="the action's ref $ref is not the commit of the release $tag (${released:-empty COMMIT file})"
  fi
}

chosen="${GTDOCS_SOURCE:-}"
reason=""
if [ "$mode" = plan ] || [ -z "$chosen" ]; then
  choose
elif [ "$chosen" != release ] && [ "$chosen" != cargo ]; then
  die "GTDOCS_SOURCE must be release or cargo, not '$chosen'"
elif [ "$chosen" = release ]; then
  arch="$(arch_name)" || die "GTDOCS_SOURCE=release on the machine type $(uname -m), which has no prebuilt binary"
  [ -n "$release_url" ] || die "GTDOCS_SOURCE=release, but the action's repository is unknown (set GTDOCS_RELEASE_URL)"
fi

if [ "$mode" = plan ]; then
  if [ "$chosen" = cargo ]; then
    notice "building gtdocs $version from the action's source with cargo (minutes, not seconds): $reason"
  fi
  lock_hash="$(sha256sum "$GITHUB_ACTION_PATH/Cargo.lock" 2>/dev/null | cut -c1-16)" || lock_hash=nolock
  output source "$chosen"
  output cache-key "gtdocs-${RUNNER_OS:-Linux}-$(uname -m)-${lock_hash:-nolock}"
  exit 0
fi

# Runs a binary's --version; it must name exactly this version.
check_version() { # BINARY
  local said
  said="$("$1" --version 2>/dev/null | head -n1)" || said=""
  [ "$said" = "gtdocs $version" ]
}

# ------------------------------------------------------------ build (cargo)
if [ "$chosen" = cargo ]; then
  if [ -n "$reason" ]; then
    notice "building gtdocs $version from the action's source with cargo: $reason"
  fi
  cargo="${GTDOCS_CARGO:-cargo}"
  command -v -- "$cargo" >/dev/null 2>&1 \
    || die "'$cargo' is not installed, and gtdocs must be built from source: install Rust, or use the action at its release tag $tag"
  target_dir="${GTDOCS_TARGET_DIR:-$HOME/.cache/gtdocs-action/target}"
  "$cargo" build --release --locked --quiet \
    --manifest-path "$manifest" --target-dir "$target_dir" \
    || die "cargo build of gtdocs $version failed"
  binary="$target_dir/release/gtdocs"
  [ -x "$binary" ] || die "cargo build finished but $binary is not there"
  check_version "$binary" || die "the gtdocs built from source does not report version $version"
  output path "$binary"
  output source cargo
  exit 0
fi

# ------------------------------------------------ download, verify, then run
name="gtdocs-$version-$arch-linux"
install_dir="${GTDOCS_INSTALL_DIR:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/gtdocs-bin}"
mkdir -p -- "$install_dir"
binary="$install_dir/gtdocs"
download="$install_dir/$name.download"
# Whatever stops this step before the checks pass leaves no downloaded file.
trap 'rm -rf -- "$scratch"; rm -f -- "$download"' EXIT
rm -f -- "$binary" "$download"

refuse() {
  rm -f -- "$download" "$binary"
  die "$@"
}

sums="$scratch/SHA256SUMS"
rc=0
curl_get "$release_url/SHA256SUMS" "$sums" 65536 || rc=$?
[ "$rc" -eq 0 ] || refuse "cannot download the checksums $release_url/SHA256SUMS (curl exit $rc); nothing was run. Set build-from-source: 'true' to build gtdocs from the action's source instead."

# sha256sum format: <64 hex><space><space or *><file name>; exactly one
# line for this file name, or none is trusted.
# (No {64} interval: mawk, Debian's and Ubuntu's awk, may not have them.)
expected="$(awk -v name="$name" '
  substr($0, 1, 64) ~ /^[0-9a-f]+$/ && length($0) > 66 && substr($0, 65, 1) == " " &&
  substr($0, 66, 1) ~ /^[ *]$/ && substr($0, 67) == name { print substr($0, 1, 64); n++ }
  END { if (n != 1) exit 1 }' "$sums")" \
  || refuse "$release_url/SHA256SUMS has no single entry for $name; nothing was run"

rc=0
curl_get "$release_url/$name" "$download" 209715200 || rc=$?
[ "$rc" -eq 0 ] || refuse "cannot download $release_url/$name (curl exit $rc); nothing was run"

actual="$(sha256sum -- "$download" | cut -d' ' -f1)"
[ "$actual" = "$expected" ] \
  || refuse "checksum mismatch for $name: SHA256SUMS says $expected, the download is $actual; deleted without running it"

mv -f -- "$download" "$binary"
chmod 0755 -- "$binary"
check_version "$binary" \
  || refuse "$name passed its checksum but does not report 'gtdocs $version'; deleted"
printf 'gtdocs %s (%s, sha256 %s) from %s\n' "$version" "$arch" "$actual" "$release_url"
output path "$binary"
output source release
