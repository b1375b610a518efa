#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages: Debian's Chromium, for the browser
# (gRPC-Web) test, and jq, which the audit export test pipes the JSONL export through. Runs before
# `npm test`; does nothing when both are there already.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null; then
  echo "The test suite needs Debian's ${missing[*]}: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]} for the tests (apt-get)..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
[ -x /usr/bin/chromium ] && echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo installed)"
command -v jq >/dev/null && echo "jq: $(jq --version)"
