#!/usr/bin/env bash
# Runs a command with the project's own tools first on PATH (Node 24, the Temporal CLI), installing
# them when missing, so `npm run bench` and `npm test` work from any shell, as `make` targets do.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PATH="$PWD/.tools/bin:$PATH"
exec "$@"
