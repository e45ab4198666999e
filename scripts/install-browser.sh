#!/usr/bin/env bash
# Install Debian's chromium and chromium-driver when missing (the portal's browser test drives
# them through Selenium). Needs root (or sudo); does nothing when both are already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
    echo "install-browser: chromium/chromium-driver missing and not root: install them with apt-get" >&2
    exit 0          # the browser test then fails, naming what is missing
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
