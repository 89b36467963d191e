#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian (bookworm) machine with Node 20+:
# the real Kafka clients used by test/compat (kcat, confluent-kafka for Python, Sarama for Go), the
# headers native client builds link against (librdkafka, SASL, SSL, LZ4, zstd, curl), etcd for the
# cluster tests, then the npm tree (kafkajs, @confluentinc/kafka-javascript built from source).
# Idempotent and non-interactive. Set SAMSA_SLOW_COMPAT=1 to also build node-rdkafka (it compiles
# its own librdkafka 2.12: about 80 s more on 2 cores) for test/compat/node-rdkafka.slow-test.mjs.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

APT_PACKAGES=(
  kcat
  python3
  python3-confluent-kafka
  python3-kafka
  python3-snappy
  python3-lz4
  python3-zstandard
  python3-xxhash
  golang-go
  golang-github-shopify-sarama-dev
  librdkafka-dev
  libsasl2-dev
  liblz4-dev
  libzstd-dev
  libssl-dev
  libcurl4-openssl-dev
  etcd-server
  build-essential
  pkg-config
)

run_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-test-deps: apt packages: ${missing[*]}"
  # The lock serialises with other apt users on a shared development machine.
  run_root flock /tmp/samsa-apt.lock apt-get update -q
  run_root flock /tmp/samsa-apt.lock apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# node-gyp must compile native addons against the local Node headers instead of downloading them.
node_prefix="$(node -p 'require("node:path").resolve(process.execPath, "../..")')"
if [ -f "$node_prefix/include/node/node_version.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
# @confluentinc/kafka-javascript: skip the prebuilt-binary download (only the npm registry is reachable)
# and compile the librdkafka 2.15 it bundles, linked dynamically against Debian's ssl/sasl/zstd/lz4/curl
# (Debian's own librdkafka 2.0 is too old for its bindings). About a minute on 2 cores.
export CKJS_LINKING=dynamic
export npm_config_build_from_source=true

# Not `npm ci`: the registry reachable here serves only the Linux builds of optional platform packages
# (e.g. @biomejs/cli-darwin-x64 is a 404), so the lockfile can never list them all and `npm ci` refuses
# it as out of sync. `npm install` still installs the versions the lockfile pins.
npm install --no-fund --no-audit

if [ "${SAMSA_SLOW_COMPAT:-}" = "1" ]; then
  echo "install-test-deps: SAMSA_SLOW_COMPAT=1: building node-rdkafka from source (slow)"
  npm install --no-save --no-fund --no-audit node-rdkafka@3.6.1
fi
