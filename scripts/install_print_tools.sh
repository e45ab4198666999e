#!/usr/bin/env bash
# LibreOffice (headless, to render the quarterly workbook to PDF in the tests) and poppler's
# pdftoppm/pdfinfo (page counts, screenshots). Installed with apt-get when missing; needs root
# (or sudo) on Debian/Ubuntu. Safe to run twice.
set -euo pipefail
if command -v soffice >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=900 update -qq
$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends libreoffice-calc-nogui poppler-utils fonts-dejavu-core \
  >/dev/null || $SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends libreoffice-calc poppler-utils >/dev/null
