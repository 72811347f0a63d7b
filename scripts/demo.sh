#!/usr/bin/env bash
# A working ipgate on loopback, in one command: a small TLS server standing in for the Kubernetes API
# server, and `ipgate serve` in front of it with a profile that allows 127.0.0.2 and refuses 127.0.0.3
# (every 127.0.0.0/8 address is local on Linux, so `curl --interface 127.0.0.N` plays a client from N).
# Prints what to try, then runs until Ctrl-C, which stops everything and removes the demo's files.
#
# Environment (all optional):
#   IPGATE_DEMO_PORT=6443 IPGATE_DEMO_UPSTREAM_PORT=8443 IPGATE_DEMO_ADMIN_PORT=9090   ports on 127.0.0.1
#   IPGATE_DEMO_DIR=DIR        keep the demo's state (config, token, certificate, store, audit log) in DIR
#   IPGATE_DEMO_SKIP_SETUP=1   do not install or build first (it is already built)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PORT="${IPGATE_DEMO_PORT:-6443}"
UPSTREAM_PORT="${IPGATE_DEMO_UPSTREAM_PORT:-8443}"
ADMIN_PORT="${IPGATE_DEMO_ADMIN_PORT:-9090}"

# Only what the demo needs: Node.js >= 20 (required beforehand), openssl and curl (installed from Debian's
# packages when missing, which needs root or sudo), the npm dependencies and the build. With those present,
# nothing here needs root. (scripts/setup.sh installs everything the tests need as well.)
if [ "${IPGATE_DEMO_SKIP_SETUP:-}" != "1" ]; then
  node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
  if [ "$node_major" -lt 20 ]; then
    echo "demo: Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))" >&2
    exit 1
  fi
  missing=()
  for tool in openssl curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" -ne 0 ]; then
      if ! command -v sudo >/dev/null 2>&1; then
        echo "demo: ${missing[*]} missing; install them (apt-get install ${missing[*]}) and run again" >&2
        exit 1
      fi
      SUDO=(sudo)
    fi
    echo "demo: installing ${missing[*]}..."
    log="$(mktemp)"
    if ! { "${SUDO[@]}" apt-get update -qq && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
      cat "$log" >&2; rm -f "$log"; echo "demo: apt-get failed (output above)" >&2; exit 1
    fi
    rm -f "$log"
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "demo: installing the npm dependencies..."
    npm ci --no-audit --no-fund --loglevel=error
  fi
  echo "demo: building..."
  npm run --silent build:product
fi

if [ -n "${IPGATE_DEMO_DIR:-}" ]; then
  STATE="$IPGATE_DEMO_DIR"
  mkdir -p "$STATE"
  KEEP_STATE=1
else
  STATE="$(mktemp -d "${TMPDIR:-/tmp}/ipgate-demo.XXXXXX")"
  KEEP_STATE=0
fi

PIDS=()
stopping=0
cleanup() {
  if [ "$stopping" -eq 1 ]; then return; fi
  stopping=1
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$KEEP_STATE" -eq 0 ]; then rm -rf "$STATE"; fi
  echo "demo: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Is something already listening on one of our ports? Then say so instead of failing obscurely.
for p in "$PORT" "$UPSTREAM_PORT" "$ADMIN_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "demo: port $p on 127.0.0.1 is in use; set IPGATE_DEMO_PORT / IPGATE_DEMO_UPSTREAM_PORT / IPGATE_DEMO_ADMIN_PORT" >&2
    exit 1
  fi
done

# The stand-in API server: HTTPS with a self-signed certificate made here.
mkdir -p "$STATE/certs"
node dist/src/demo/upstream.js --port "$UPSTREAM_PORT" --cert-dir "$STATE/certs" >"$STATE/upstream.log" 2>&1 &
PIDS+=("$!")

# The admin token and the config (keys as documented in the README).
umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/admin.token"
umask 022
cat >"$STATE/ipgate.yaml" <<EOF
upstream: 127.0.0.1:$UPSTREAM_PORT
listeners:
  - name: public
    address: 127.0.0.1:$PORT
    enforce: true
admin:
  address: 127.0.0.1:$ADMIN_PORT
  tokenFile: $STATE/admin.token
store:
  file: $STATE/profile.json
auditLog: $STATE/audit.log
profile:
  authorizedIpRanges: [127.0.0.1/32, 127.0.0.2/32]
  egressIpRanges: [127.0.0.10/32]
EOF

wait_for() { # URL, what
  local i
  for i in $(seq 1 150); do
    if curl -ks -o /dev/null --max-time 1 "$1"; then return 0; fi
    for pid in "${PIDS[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "demo: $2 exited; its log:" >&2
        cat "$STATE"/*.log >&2 || true
        exit 1
      fi
    done
    sleep 0.1
  done
  echo "demo: $2 did not start; logs in $STATE" >&2
  exit 1
}
wait_for "https://127.0.0.1:$UPSTREAM_PORT/version" "the demo upstream"

node bin/ipgate.js serve --config "$STATE/ipgate.yaml" >"$STATE/ipgate.log" 2>&1 &
PIDS+=("$!")
wait_for "http://127.0.0.1:$ADMIN_PORT/readyz" "ipgate serve"

IPGATE="$ROOT/bin/ipgate.js"
FLAGS="--server http://127.0.0.1:$ADMIN_PORT --token-file $STATE/admin.token"
cat <<EOF

ipgate demo ready
  gateway      https://127.0.0.1:$PORT  (enforced; passes TLS through untouched)
  upstream     https://127.0.0.1:$UPSTREAM_PORT  (the stand-in API server)
  admin API    http://127.0.0.1:$ADMIN_PORT  (token in $STATE/admin.token)
  profile      authorized 127.0.0.1/32 127.0.0.2/32, egress 127.0.0.10/32
  state        $STATE  (config ipgate.yaml, store profile.json, audit.log, *.log)

Try:
  curl --interface 127.0.0.2 -k https://127.0.0.1:$PORT/version     # allowed: the upstream answers
  curl --interface 127.0.0.3 -k https://127.0.0.1:$PORT/version     # refused: connection closed at once
  curl --interface 127.0.0.2 --cacert $STATE/certs/upstream.crt https://127.0.0.1:$PORT/version
                                   # TLS is passed through: the upstream's own certificate verifies
  kubectl --server https://127.0.0.1:$PORT --certificate-authority $STATE/certs/upstream.crt --token demo get --raw /version
  $IPGATE whoami $FLAGS
  $IPGATE explain 127.0.0.3 $FLAGS
  $IPGATE ranges show $FLAGS
  $IPGATE ranges add 127.0.0.3 $FLAGS                # then the refused curl above works
  $IPGATE ranges remove 127.0.0.1/32 $FLAGS          # refused: ERR_LOCKOUT (it is your own address)
  $IPGATE ranges remove 127.0.0.2/32 --dry-run $FLAGS
  curl -s http://127.0.0.1:$ADMIN_PORT/metrics | grep -E '^ipgate_(connections|active|revoked|profile)'
  tail -f $STATE/audit.log

Ctrl-C stops everything.
EOF

# Run until Ctrl-C (or until one of the processes exits on its own).
wait -n "${PIDS[@]}" || true
echo "demo: a process exited; logs:" >&2
tail -n 20 "$STATE"/*.log >&2 || true
exit 1
