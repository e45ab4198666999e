#!/usr/bin/env bash
# The portal on the sample villages: after scripts/demo.sh (run here if data/tpbis.duckdb is
# missing), create the user `demo` (scope provinsi) with a fresh random password, print it
# once, and serve the portal on http://127.0.0.1:${PORT:-8080}/ until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -f data/tpbis.duckdb ]; then
  .venv/bin/tpbis demo
fi
exec .venv/bin/tpbis dashboard --demo --warehouse data/tpbis.duckdb --users data/users.json --port "${PORT:-8080}" "$@"
