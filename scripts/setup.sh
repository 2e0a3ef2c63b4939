#!/usr/bin/env bash
# One-time setup after `npm ci`:
#  - the Temporal CLI (dev server + Web UI) into .tools/ (scripts/install-temporal.sh);
#  - Debian's chromium for the Web UI browser test, when it is missing and apt-get is
#    available (as root, or through sudo). Set AGENT_OS_SKIP_CHROMIUM=1 to skip it; the
#    browser test then fails and says how to install it. No browser is ever downloaded
#    by npm.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-temporal.sh

if [ -n "${AGENT_OS_CHROMIUM:-}" ] || [ -x /usr/bin/chromium ] || [ "${AGENT_OS_SKIP_CHROMIUM:-}" = 1 ]; then
  exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO=none; fi
  if [ "$SUDO" != none ]; then
    echo "setup: installing chromium from Debian's packages (for the Web UI browser test)"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
    exit 0
  fi
fi
echo "setup: no /usr/bin/chromium; the browser test needs one (apt-get install chromium, or set AGENT_OS_CHROMIUM=/path/to/chromium)" >&2
