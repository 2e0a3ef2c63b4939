#!/usr/bin/env bash
# One-time setup after `npm ci`:
#  - the Temporal CLI (dev server + Web UI) into .tools/ (scripts/install-temporal.sh);
#  - a C compiler (Debian's gcc) when there is none, for the filesystem provider's openat2
#    addon that npm run build compiles (native/fs-openat2.c);
#  - Debian's bubblewrap (`bwrap`), the OS sandbox every proc.exec runs in, when it is
#    missing and apt-get is available (as root, or through sudo). Without it proc.exec
#    refuses to run (unless an operator turns the sandbox off explicitly).
#  - Debian's chromium for the Web UI browser test, when it is missing and apt-get is
#    available. Set AGENT_OS_SKIP_CHROMIUM=1 to skip it; the browser test then fails and
#    says how to install it. No browser is ever downloaded by npm.
#  - for the cluster tier: Debian's postgresql-15 (and golang-go when there is no Go), then the
#    Temporal server, its schema tool and the Web UI built once from the Go module proxy
#    into .tools/ (scripts/cluster.js build). AGENT_OS_SKIP_CLUSTER=1 skips it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-temporal.sh

packages=()
if ! [ -x /usr/bin/bwrap ] && ! command -v bwrap >/dev/null 2>&1; then
  packages+=(bubblewrap)
fi
if [ -z "${AGENT_OS_CHROMIUM:-}" ] && ! [ -x /usr/bin/chromium ] && [ "${AGENT_OS_SKIP_CHROMIUM:-}" != 1 ]; then
  packages+=(chromium)
fi
if ! command -v "${CC:-cc}" >/dev/null 2>&1; then
  # The filesystem provider's openat2 addon (native/, compiled by npm run build).
  packages+=(gcc libc6-dev)
fi
if ! command -v openssl >/dev/null 2>&1; then
  packages+=(openssl)
fi
if [ "${AGENT_OS_SKIP_CLUSTER:-}" != 1 ]; then
  # The cluster tier (npm run test:cluster): PostgreSQL 15, and Go to build the Temporal server once.
  [ -x /usr/lib/postgresql/15/bin/pg_ctl ] || packages+=(postgresql-15)
  command -v go >/dev/null 2>&1 || [ -n "${GO:-}" ] || packages+=(golang-go)
fi

build_cluster() {
  if [ "${AGENT_OS_SKIP_CLUSTER:-}" != 1 ]; then
    echo "setup: Temporal server, schema tool and Web UI for the cluster tier (built once from the Go module proxy into .tools/)"
    node scripts/cluster.js build
  fi
}

if [ "${#packages[@]}" = 0 ]; then
  build_cluster
  exit 0
fi

SUDO=none
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi
if [ "$SUDO" != none ]; then
  echo "setup: installing ${packages[*]} from Debian's packages (bubblewrap: the sandbox of proc.exec; gcc: the filesystem's openat2 addon; chromium: the Web UI browser test)"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
  build_cluster
  exit 0
fi
for p in "${packages[@]}"; do
  case "$p" in
    bubblewrap) echo "setup: no bwrap; every proc.exec will be refused until bubblewrap is installed (as root: apt-get install bubblewrap; or your distribution's bubblewrap package)" >&2 ;;
    postgresql-15|golang-go) echo "setup: $p is missing; the cluster tier (npm run test:cluster) needs it (apt-get install $p), or set AGENT_OS_SKIP_CLUSTER=1" >&2 ;;
    gcc) echo "setup: no C compiler; npm run build cannot compile the filesystem provider's openat2 addon, which then uses its older ways (as safe, slower) and npm test fails the addon's tests (apt-get install gcc libc6-dev)" >&2 ;;
    openssl) echo "setup: no openssl; the codec server's mTLS test needs it (apt-get install openssl)" >&2 ;;
    chromium) echo "setup: no /usr/bin/chromium; the browser test needs one (apt-get install chromium, or set AGENT_OS_CHROMIUM=/path/to/chromium)" >&2 ;;
  esac
done
build_cluster
