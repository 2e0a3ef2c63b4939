#!/usr/bin/env bash
# One-time setup after `npm ci`: provides the Temporal CLI (dev server + Web UI) in .tools/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-temporal.sh
