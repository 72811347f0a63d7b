#!/usr/bin/env bash
# Installs everything ipgate, its tests and its benchmarks need on a fresh Debian machine with Node >= 20:
# the Debian packages the tests and benchmarks start for real (chromium for the dashboard's browser tests,
# systemd for systemd-analyze, podman and runc for the container image test), the npm dependencies, and the
# build.
# Idempotent and quiet: only what is missing is installed; services installed by these packages (nginx,
# haproxy, etcd) are never left running or enabled, since the tests start their own instances.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

# Debian package -> a test that is true when it is already installed.
declare -A NEED=(
  [curl]='command -v curl'
  [openssl]='command -v openssl'
  [haproxy]='command -v haproxy'
  [nginx]='command -v nginx'
  [libnginx-mod-stream]='test -e /usr/lib/nginx/modules/ngx_stream_module.so'
  [wrk]='command -v wrk'
  [kubernetes-client]='command -v kubectl'
  [etcd-server]='command -v etcd'
  [systemd]='command -v systemd-analyze'
  [podman]='command -v podman'
  [runc]='command -v runc'
  [chromium]='command -v chromium'
  [nftables]='command -v nft'
  [conntrack]='command -v conntrack'
  [ipset]='command -v ipset'
  [iptables]='command -v iptables'
  [iproute2]='command -v ip && command -v ss'
  [tcpdump]='command -v tcpdump'
)
# Packages that ship a service the package manager would otherwise start (and enable).
SERVICES=(nginx haproxy etcd podman.socket)

missing=()
for pkg in "${!NEED[@]}"; do
  bash -c "${NEED[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then SUDO=(sudo); fi
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package manager from starting services during the install (the standard Debian mechanism);
  # an existing policy-rc.d is left as it is.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$policy" >/dev/null
    "${SUDO[@]}" chmod 755 "$policy"
    own_policy=1
  fi
  cleanup_policy() { if [ "$own_policy" -eq 1 ]; then "${SUDO[@]}" rm -f "$policy"; fi; }
  trap cleanup_policy EXIT
  log="$(mktemp)"
  if ! { "${SUDO[@]}" apt-get update -qq && \
         "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    echo "setup: apt-get failed (output above)" >&2
    exit 1
  fi
  rm -f "$log"
  cleanup_policy
  trap - EXIT
  # Belt and braces: if a service was started anyway (no policy-rc.d honoured), stop and disable it so
  # nothing occupies port 80 (nginx), 2379 (etcd) or the haproxy defaults.
  for svc in "${SERVICES[@]}"; do
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      "${SUDO[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$svc" ]; then
      "${SUDO[@]}" "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    fi
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
