#!/usr/bin/env bash
# System packages the tests use: Chromium for the browser end-to-end tests, redis-server for the
# Redis queue tests (each test starts a private one on loopback; the app itself never needs it).
# (ffmpeg ships inside the npm package @ffmpeg-installer/linux-x64.)
set -euo pipefail
PACKAGES=()
[ -x /usr/bin/chromium ] || PACKAGES+=(chromium)
[ -x /usr/bin/redis-server ] || PACKAGES+=(redis-server)
if [ ${#PACKAGES[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi
