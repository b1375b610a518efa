#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages: Debian's Chromium, for the
# browser (gRPC-Web) test. Runs before `npm test`; does nothing when it is already there.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "The browser test needs Debian's chromium at /usr/bin/chromium: apt-get install chromium" >&2
  exit 1
fi
echo "installing chromium for the browser test (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium >/dev/null
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
