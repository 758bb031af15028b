#!/usr/bin/env bash
# System packages the tests use: Chromium for the browser end-to-end tests.
# (ffmpeg ships inside the npm package @ffmpeg-installer/linux-x64.)
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
