#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine with Node 20+.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci
