#!/usr/bin/env bash
# Installs what the test suite needs beyond npm packages: Debian's Chromium, for the browser
# (gRPC-Web) test; jq, which the audit export test pipes the JSONL export through; promtool (from
# the prometheus package), which checks /metrics and the shipped alert rules; and nginx, which the
# replica tests put in front of the gateways; protoc, Debian's grpc_python_plugin and Python's grpcio
# and protobuf, with which the Python recipe (buf.gen.python.yaml) is generated and run; Go with
# Debian's protoc-gen-go, protoc-gen-go-grpc and grpc-go (and protobuf 1.5, the APIv2 shim grpc-go must
# marshal through: the 1.3 one crashes on APIv2 messages), for the Go recipe (buf.gen.go.yaml). Runs before
# `npm test`; does nothing when all are there.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v jq >/dev/null || missing+=(jq)
command -v promtool >/dev/null || missing+=(prometheus)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
command -v protoc >/dev/null || missing+=(protobuf-compiler)
command -v grpc_python_plugin >/dev/null || missing+=(protobuf-compiler-grpc)
/usr/bin/python3 -c "import grpc" 2>/dev/null || missing+=(python3-grpcio)
/usr/bin/python3 -c "import google.protobuf" 2>/dev/null || missing+=(python3-protobuf)
command -v go >/dev/null || missing+=(golang-go)
command -v protoc-gen-go >/dev/null || missing+=(protoc-gen-go)
command -v protoc-gen-go-grpc >/dev/null || missing+=(protoc-gen-go-grpc)
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || missing+=(golang-google-grpc-dev)
[ -d /usr/share/gocode/src/google.golang.org/protobuf ] || missing+=(golang-google-protobuf-dev)
dpkg -s golang-github-golang-protobuf-1-5-dev >/dev/null 2>&1 || missing+=(golang-github-golang-protobuf-1-5-dev)
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
command -v promtool >/dev/null && echo "promtool: $(promtool --version 2>&1 | head -1)"
if [ -x /usr/sbin/nginx ]; then echo "nginx: $(/usr/sbin/nginx -v 2>&1)"; fi
command -v protoc >/dev/null && echo "protoc: $(protoc --version)"
/usr/bin/python3 -c "import grpc; print('python grpcio:', grpc.__version__)" 2>/dev/null || true
command -v go >/dev/null && echo "go: $(go version)"
