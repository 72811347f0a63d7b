#!/usr/bin/env bash
# Installs everything ipgate and its tests need on a fresh Debian machine with Node >= 20:
# the Debian packages the tests start for real, the npm dependencies, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: command -> package.
declare -A NEED=(
  [curl]=curl
  [openssl]=openssl
)
missing=()
for cmd in "${!NEED[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEED[$cmd]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
