#!/usr/bin/env bash
# Checks the protos the way CI does: formatted, linted (STANDARD), free of
# breaking changes against main (FILE), and gen/ up to date with them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

buf format --diff --exit-code
buf lint
if git rev-parse --verify -q main >/dev/null && git cat-file -e main:proto 2>/dev/null; then
  buf breaking --against '.git#branch=main,subdir=proto'
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
buf generate -o "$tmp"
if ! diff -r "$tmp/gen" gen >/dev/null; then
  echo "gen/ is stale: run 'npm run generate' and commit the result" >&2
  diff -r "$tmp/gen" gen >&2 || true
  exit 1
fi
echo "proto: format, lint, breaking and gen/ freshness OK"
