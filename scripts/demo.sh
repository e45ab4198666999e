#!/usr/bin/env bash
# Set up, then run the nightly sync against the embedded local Sheets server with the 17
# sample Bengkalis villages, and print a province summary from the report views.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/tpbis demo "$@"
