#!/usr/bin/env bash
# Create .venv and install the project with its test dependencies (idempotent, fast when
# nothing changed). Used by scripts/demo.sh and scripts/test.sh; needs only python3 >= 3.11.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.tpbis-installed
# requirements.lock pins every dependency (a constraints file: what CI tested is what installs);
# refresh it after changing pyproject.toml: see README "For developers".
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ] || [ setup.py -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -c requirements.lock -e '.[test]'
  touch "$stamp"
fi
# the portal's browser test needs Debian's chromium + chromium-driver
bash scripts/install-browser.sh
# LibreOffice + poppler for the print test (tests/test_print.py); apt-get when missing.
bash scripts/install_print_tools.sh || echo "warning: could not install LibreOffice/poppler-utils (needs root or sudo):" \
  "tests/test_print.py will fail until they are installed" >&2
