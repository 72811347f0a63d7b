#!/usr/bin/env bash
# A fleet on loopback, in one command: etcd, three ipgate instances sharing their profile through it, and
# HAProxy as the TCP load balancer in front of them (PROXY protocol v2 to the instances, health checks on
# each instance's /readyz, retries and redispatch), in front of a small TLS server standing in for the
# Kubernetes API server. Prints what to try, then runs until Ctrl-C, which stops everything and removes
# the demo's files. Needs etcd and HAProxy (scripts/setup.sh installs them).
#
# Environment (all optional; ports on 127.0.0.1):
#   IPGATE_HA_PORT=6443            the load balancer (what clients use)
#   IPGATE_HA_GATEWAY_PORT=16443   the instances' listeners: this port and the next two
#   IPGATE_HA_ADMIN_PORT=9091      the instances' admin APIs: this port and the next two
#   IPGATE_HA_UPSTREAM_PORT=8443   the stand-in API server
#   IPGATE_HA_ETCD_PORT=2379       etcd's client port (its peer port is the next one)
#   IPGATE_DEMO_DIR=DIR            keep the demo's state in DIR
#   IPGATE_DEMO_SKIP_SETUP=1       do not run scripts/setup.sh first (it is already built)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PORT="${IPGATE_HA_PORT:-6443}"
GW_PORT="${IPGATE_HA_GATEWAY_PORT:-16443}"
ADMIN_PORT="${IPGATE_HA_ADMIN_PORT:-9091}"
UPSTREAM_PORT="${IPGATE_HA_UPSTREAM_PORT:-8443}"
ETCD_PORT="${IPGATE_HA_ETCD_PORT:-2379}"
ETCD_PEER_PORT=$((ETCD_PORT + 1))

if [ "${IPGATE_DEMO_SKIP_SETUP:-}" != "1" ]; then
  echo "ha-demo: installing what is missing and building (scripts/setup.sh)..."
  ./scripts/setup.sh
fi
for tool in etcd haproxy curl node; do
  command -v "$tool" >/dev/null 2>&1 || { echo "ha-demo: $tool is missing; run scripts/setup.sh" >&2; exit 1; }
done

if [ -n "${IPGATE_DEMO_DIR:-}" ]; then
  STATE="$IPGATE_DEMO_DIR"; mkdir -p "$STATE"; KEEP_STATE=1
else
  STATE="$(mktemp -d "${TMPDIR:-/tmp}/ipgate-ha-demo.XXXXXX")"; KEEP_STATE=0
fi

PIDS=()
stopping=0
cleanup() {
  if [ "$stopping" -eq 1 ]; then return; fi
  stopping=1
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$KEEP_STATE" -eq 0 ]; then rm -rf "$STATE"; fi
  echo "ha-demo: stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ports=("$PORT" "$UPSTREAM_PORT" "$ETCD_PORT" "$ETCD_PEER_PORT")
for i in 0 1 2; do ports+=("$((GW_PORT + i))" "$((ADMIN_PORT + i))"); done
for p in "${ports[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "ha-demo: port $p on 127.0.0.1 is in use; set the IPGATE_HA_*_PORT variables (see the top of $0)" >&2
    exit 1
  fi
done

wait_for() { # URL, what
  local i
  for i in $(seq 1 200); do
    if curl -ks -o /dev/null --max-time 1 "$1"; then return 0; fi
    for pid in "${PIDS[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "ha-demo: $2 exited; logs:" >&2
        tail -n 20 "$STATE"/*.log >&2 || true
        exit 1
      fi
    done
    sleep 0.1
  done
  echo "ha-demo: $2 did not start; logs in $STATE" >&2
  exit 1
}

# etcd: one member on loopback, data in the state directory.
ETCD_URL="http://127.0.0.1:$ETCD_PORT"
ETCD_UNSUPPORTED_ARCH="$( [ "$(uname -m)" = aarch64 ] && echo arm64 || true )" etcd \
  --name ha-demo --data-dir "$STATE/etcd" --log-level warn \
  --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "ha-demo=http://127.0.0.1:$ETCD_PEER_PORT" >"$STATE/etcd.log" 2>&1 &
PIDS+=("$!")
wait_for "$ETCD_URL/health" "etcd"

# The stand-in API server.
mkdir -p "$STATE/certs"
node dist/src/demo/upstream.js --port "$UPSTREAM_PORT" --cert-dir "$STATE/certs" >"$STATE/upstream.log" 2>&1 &
PIDS+=("$!")
wait_for "https://127.0.0.1:$UPSTREAM_PORT/version" "the demo upstream"

umask 077
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$STATE/admin.token"
umask 022

# Three instances: PROXY protocol believed only from the load balancer (127.0.0.1), one profile in etcd.
INSTANCE_PIDS=()
for i in 1 2 3; do
  mkdir -p "$STATE/i$i"
  cat >"$STATE/i$i/ipgate.yaml" <<EOC
upstream: 127.0.0.1:$UPSTREAM_PORT
listeners:
  - name: public
    address: 127.0.0.1:$((GW_PORT + i - 1))
    proxyProtocol: { trustedFrom: [127.0.0.1/32] }
admin:
  address: 127.0.0.1:$((ADMIN_PORT + i - 1))
  tokenFile: $STATE/admin.token
store:
  etcd:
    endpoints: [$ETCD_URL]
    prefix: /ipgate-demo/
    profile: default
  cacheFile: $STATE/i$i/last-known-good.json
auditLog: $STATE/i$i/audit.log
profile:
  authorizedIpRanges: [127.0.0.1/32, 127.0.0.2/32]
  egressIpRanges: [127.0.0.10/32]
EOC
  node bin/ipgate.js serve --config "$STATE/i$i/ipgate.yaml" >"$STATE/ipgate-$i.log" 2>&1 &
  PIDS+=("$!")
  INSTANCE_PIDS+=("$!")
done
for i in 1 2 3; do wait_for "http://127.0.0.1:$((ADMIN_PORT + i - 1))/readyz" "ipgate instance $i"; done

# HAProxy: TCP, PROXY protocol v2 to the instances, health checks on /readyz, retries with redispatch.
cat >"$STATE/haproxy.cfg" <<EOC
global
  nbthread 1
defaults
  mode tcp
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch 1
frontend kube-api
  bind 127.0.0.1:$PORT
  default_backend ipgate
backend ipgate
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 2 send-proxy-v2 source 127.0.0.1
  server ipgate-1 127.0.0.1:$GW_PORT check port $ADMIN_PORT
  server ipgate-2 127.0.0.1:$((GW_PORT + 1)) check port $((ADMIN_PORT + 1))
  server ipgate-3 127.0.0.1:$((GW_PORT + 2)) check port $((ADMIN_PORT + 2))
EOC
haproxy -db -f "$STATE/haproxy.cfg" >"$STATE/haproxy.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
sleep 1.5 # the first health checks

IPGATE="$ROOT/bin/ipgate.js"
export IPGATE_SERVER="http://127.0.0.1:$ADMIN_PORT" IPGATE_TOKEN_FILE="$STATE/admin.token"
cat <<EOF

ipgate HA demo ready
  load balancer  https://127.0.0.1:$PORT  (HAProxy, TCP; PROXY v2 to the instances; health checks on /readyz)
  instance 1     gateway 127.0.0.1:$GW_PORT  admin http://127.0.0.1:$ADMIN_PORT  pid ${INSTANCE_PIDS[0]}
  instance 2     gateway 127.0.0.1:$((GW_PORT + 1))  admin http://127.0.0.1:$((ADMIN_PORT + 1))  pid ${INSTANCE_PIDS[1]}
  instance 3     gateway 127.0.0.1:$((GW_PORT + 2))  admin http://127.0.0.1:$((ADMIN_PORT + 2))  pid ${INSTANCE_PIDS[2]}
  etcd           $ETCD_URL  (prefix /ipgate-demo/)
  upstream       https://127.0.0.1:$UPSTREAM_PORT  (the stand-in API server)
  profile        authorized 127.0.0.1/32 127.0.0.2/32, egress 127.0.0.10/32
  state          $STATE  (configs, token admin.token, logs *.log)

Try (in another shell):
  export IPGATE_SERVER=http://127.0.0.1:$ADMIN_PORT IPGATE_TOKEN_FILE=$STATE/admin.token
  curl --interface 127.0.0.2 -k https://127.0.0.1:$PORT/version     # allowed, through any instance
  curl --interface 127.0.0.3 -k https://127.0.0.1:$PORT/version     # refused
  $IPGATE status                                    # the fleet, through instance 1
  for i in \$(seq 200); do curl -s -o /dev/null -w '%{http_code}\n' --interface 127.0.0.2 -k https://127.0.0.1:$PORT/version; sleep 0.05; done | sort | uniq -c &
  kill ${INSTANCE_PIDS[1]}                               # stop instance 2 while that runs: every request still answers 200
  $IPGATE status                                    # instance 2 is gone from the fleet
  $IPGATE ranges add 127.0.0.3 --server http://127.0.0.1:$((ADMIN_PORT + 2))   # through instance 3: every instance enforces it
  curl --interface 127.0.0.3 -k https://127.0.0.1:$PORT/version     # now allowed

Ctrl-C stops everything.
EOF

# Run until Ctrl-C. An instance stopped on purpose is part of the demo; the rest must keep running.
while true; do
  for pid in "${PIDS[@]}"; do
    skip=0
    for ipid in "${INSTANCE_PIDS[@]}"; do [ "$pid" = "$ipid" ] && skip=1; done
    if [ "$skip" -eq 0 ] && ! kill -0 "$pid" 2>/dev/null; then
      echo "ha-demo: a process exited; logs:" >&2
      tail -n 20 "$STATE"/*.log >&2 || true
      exit 1
    fi
  done
  sleep 1
done
