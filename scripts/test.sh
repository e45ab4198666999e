#!/usr/bin/env bash
# Set up, then run the whole default test suite (benchmarks excluded: `-m benchmark`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q "$@"
