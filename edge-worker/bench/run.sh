#!/usr/bin/env bash
# On-demand benchmark of the relay under `wrangler dev` on loopback (not part of CI).
#
#   edge-worker/bench/run.sh            # needs: wrk (apt) or oha (cargo install oha), nginx, node, a built worker
#
# Measures, in one run on one runtime:
#   1. the authenticated policy endpoint vs the worker's own no-op endpoint: req/s and p99 (ratio);
#   2. a 256 MiB download through the authenticated, policy-checked content endpoint vs a bare R2
#      GET through the same worker (admin blob data endpoint) vs nginx serving the same file from
#      disk (ratios);
#   3. the same worker driven by Miniflare directly (no `wrangler dev` proxy), same state and
#      requests, to show what the proxy costs.
# Only 127.0.0.1 traffic; every phase is time-bounded.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
WORKER="$(cd "$HERE/.." && pwd)"
ROOT="$(cd "$WORKER/.." && pwd)"
PORT="${BENCH_PORT:-8795}"
NGINX_PORT="${BENCH_NGINX_PORT:-8796}"
MF_PORT="${BENCH_MINIFLARE_PORT:-8797}"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
DOWNLOADS="${BENCH_DOWNLOADS:-6}"
# A port someone else already listens on would send the load to their server and measure it: refuse.
for port in "$PORT" "$NGINX_PORT" "$MF_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "bench: 127.0.0.1:$port is already in use; free it or choose other ports (BENCH_PORT, BENCH_NGINX_PORT, BENCH_MINIFLARE_PORT)" >&2
    exit 1
  fi
done
STATE="$(mktemp -d /tmp/osdgate-bench.XXXXXX)"
BASE="http://127.0.0.1:$PORT"
ADMIN="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false

command -v oha >/dev/null || command -v wrk >/dev/null || { echo "bench: a load generator is missing (apt-get install wrk, or cargo install oha)" >&2; exit 1; }
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "bench: nginx is missing (apt-get install nginx)" >&2; exit 1; }
[ -f "$WORKER/build/worker/shim.mjs" ] || { echo "bench: build the worker first (worker-build --release)" >&2; exit 1; }

PIDS=()
# Every server runs in its own process group (setsid), so stopping it also stops workerd.
cleanup() { for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done; rm -rf "$STATE"; }
trap cleanup EXIT

random_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
printf 'ADMIN_TOKEN=%s\nTOKEN_SIGNING_KEY=%s\nCONFIG_SEALING_KEY=%s\n' "$ADMIN" "$(random_hex)" "$(random_hex)" > "$STATE/env"
# The benchmark authenticates many times from one address: lift the rate limits for this run.
printf 'AUTH_RATE_PER_ADDRESS=100000\nAUTH_RATE_PER_SUBJECT=100000\n' >> "$STATE/env"
mkdir -p "$ROOT/dist/console"
(cd "$WORKER" && npx wrangler d1 migrations apply DB --local --persist-to "$STATE/wrangler" >/dev/null)
cd "$WORKER"
setsid npx wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE/wrangler" --env-file "$STATE/env" >"$STATE/wrangler.log" 2>&1 &
WRANGLER_PID=$!
PIDS+=("$WRANGLER_PID")
cd "$ROOT"
for _ in $(seq 1 120); do curl -fsS "$BASE/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS "$BASE/api/v1/health" >/dev/null || { echo "bench: wrangler dev did not start" >&2; cat "$STATE/wrangler.log" >&2; exit 1; }

# Publish, register a medium, upload 256 MiB, get a media token (node does the crypto).
head -c $((256 * 1024 * 1024)) /dev/urandom > "$STATE/big.bin"
SETUP="$(OSDGATE_BASE_URL="$BASE" OSDGATE_ADMIN_TOKEN="$ADMIN" node "$HERE/setup.mjs" "$STATE/big.bin" "$ROOT/playwright/fixtures/relay-document.json")"
TOKEN="$(echo "$SETUP" | sed -n 's/^token=//p')"
SHA="$(echo "$SETUP" | sed -n 's/^sha256=//p')"

# nginx's worker runs as an unprivileged user: it must be able to read the state directory.
chmod 755 "$STATE"
mkdir -p "$STATE/nginx/www"
cp "$STATE/big.bin" "$STATE/nginx/www/big.bin"
cat > "$STATE/nginx/nginx.conf" <<CONF
daemon off; worker_processes 1; error_log $STATE/nginx/error.log; pid $STATE/nginx/nginx.pid;
events { worker_connections 256; }
http { access_log off; sendfile on; client_body_temp_path $STATE/nginx; proxy_temp_path $STATE/nginx;
  fastcgi_temp_path $STATE/nginx; uwsgi_temp_path $STATE/nginx; scgi_temp_path $STATE/nginx;
  server { listen 127.0.0.1:$NGINX_PORT; root $STATE/nginx/www; } }
CONF
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
setsid "$NGINX" -c "$STATE/nginx/nginx.conf" -p "$STATE/nginx" &
PIDS+=($!)
sleep 1

# Prints "requests-per-second p99-in-ms" for one endpoint; oha when installed, else wrk.
rps() {
  if command -v oha >/dev/null; then
    oha --no-tui -z "$DURATION" -c "$CONNECTIONS" --output-format json "$@" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);console.log(j.summary.requestsPerSec.toFixed(0), (j.latencyPercentiles.p99*1000).toFixed(1))})'
  else
    local args=() url
    while [ $# -gt 1 ]; do args+=("$1"); shift; done
    url="$1"
    # wrk prints latencies as 812.00us / 3.21ms / 1.02s; normalise the 99% line to milliseconds.
    local threads=2
    [ "$CONNECTIONS" -ge 2 ] || threads=1
    wrk --latency -t "$threads" -c "$CONNECTIONS" -d "$DURATION" "${args[@]}" "$url" | awk '
      /^ +99%/ { v=$2; if (v ~ /us$/) { sub(/us$/,"",v); p=v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); p=v } else if (v ~ /s$/) { sub(/s$/,"",v); p=v*1000 } }
      /^Requests\/sec:/ { r=$2 }
      /Non-2xx or 3xx responses/ { bad=$NF }
      END { if (bad) { print "bench: " bad " non-2xx responses" > "/dev/stderr"; exit 1 } printf "%.0f %.1f\n", r, p }'
  fi
}
read -r NOOP_RPS NOOP_P99 < <(rps "$BASE/api/v1/noop")
read -r POLICY_RPS POLICY_P99 < <(rps -H "authorization: Bearer $TOKEN" "$BASE/api/v1/policy")
# Latency without queueing: at $CONNECTIONS connections two cores are saturated and p99 measures
# the queue (the no-op's own p99 included); one connection measures the service time's tail.
read -r _ NOOP_P99_1 < <(CONNECTIONS=1 rps "$BASE/api/v1/noop")
read -r _ POLICY_P99_1 < <(CONNECTIONS=1 rps -H "authorization: Bearer $TOKEN" "$BASE/api/v1/policy")

throughput() { # MiB/s over $DOWNLOADS sequential downloads
  local start end bytes=0
  start=$(date +%s.%N)
  for _ in $(seq 1 "$DOWNLOADS"); do
    bytes=$((bytes + $(curl -fsS --max-time 120 -o /dev/null -w '%{size_download}' "$@")))
  done
  end=$(date +%s.%N)
  node -e "console.log(($bytes / 1048576 / ($end - $start)).toFixed(1))"
}
POLICY_MIBS="$(throughput -H "authorization: Bearer $TOKEN" "$BASE/api/v1/content/ABC00010/files/sources/install.wim")"
BARE_MIBS="$(throughput -H "authorization: Bearer $ADMIN" "$BASE/api/v1/admin/blobs/$SHA/data")"
NGINX_MIBS="$(throughput "http://127.0.0.1:$NGINX_PORT/big.bin")"

ratio() { node -e "console.log(($1 / $2).toFixed(2))"; }
echo "policy:  ${POLICY_RPS} req/s p99 ${POLICY_P99} ms | no-op: ${NOOP_RPS} req/s p99 ${NOOP_P99} ms | ratio $(ratio "$POLICY_RPS" "$NOOP_RPS") (target >= 0.5) at ${CONNECTIONS} connections"
echo "latency: p99 at 1 connection: policy ${POLICY_P99_1} ms | no-op ${NOOP_P99_1} ms (target: policy p99 < 50 ms)"
echo "content: policy-checked ${POLICY_MIBS} MiB/s | bare R2 ${BARE_MIBS} MiB/s | nginx ${NGINX_MIBS} MiB/s"
echo "ratios:  policy/bare $(ratio "$POLICY_MIBS" "$BARE_MIBS") (target >= 0.9) | policy/nginx $(ratio "$POLICY_MIBS" "$NGINX_MIBS") | bare/nginx $(ratio "$BARE_MIBS" "$NGINX_MIBS")"

# Miniflare directly: stop wrangler dev (it holds the persisted state), serve the same state.
kill -- "-$WRANGLER_PID" 2>/dev/null || true
wait "$WRANGLER_PID" 2>/dev/null || true
MF="http://127.0.0.1:$MF_PORT"
setsid node "$HERE/miniflare.mjs" "$MF_PORT" "$STATE/wrangler" "$STATE/env" >"$STATE/miniflare.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -fsS "$MF/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
if curl -fsS "$MF/api/v1/health" >/dev/null 2>&1; then
  read -r MF_NOOP_RPS MF_NOOP_P99 < <(rps "$MF/api/v1/noop")
  read -r MF_POLICY_RPS MF_POLICY_P99 < <(rps -H "authorization: Bearer $TOKEN" "$MF/api/v1/policy")
  MF_POLICY_MIBS="$(throughput -H "authorization: Bearer $TOKEN" "$MF/api/v1/content/ABC00010/files/sources/install.wim")"
  MF_BARE_MIBS="$(throughput -H "authorization: Bearer $ADMIN" "$MF/api/v1/admin/blobs/$SHA/data")"
  echo "miniflare direct: policy ${MF_POLICY_RPS} req/s p99 ${MF_POLICY_P99} ms | no-op ${MF_NOOP_RPS} req/s p99 ${MF_NOOP_P99} ms | ratio $(ratio "$MF_POLICY_RPS" "$MF_NOOP_RPS")"
  echo "miniflare direct: content policy-checked ${MF_POLICY_MIBS} MiB/s | bare R2 ${MF_BARE_MIBS} MiB/s | ratio $(ratio "$MF_POLICY_MIBS" "$MF_BARE_MIBS")"
  echo "wrangler dev / miniflare: no-op req/s $(ratio "$NOOP_RPS" "$MF_NOOP_RPS") | policy req/s $(ratio "$POLICY_RPS" "$MF_POLICY_RPS") | content $(ratio "$POLICY_MIBS" "$MF_POLICY_MIBS")"
else
  echo "bench: Miniflare did not start; its log:" >&2
  cat "$STATE/miniflare.log" >&2
  exit 1
fi

# The local R2 emulation's own ceiling: a bare JavaScript worker streaming the same object.
kill -- "-${PIDS[-1]}" 2>/dev/null || true
sleep 1
setsid node "$HERE/miniflare.mjs" "$MF_PORT" "$STATE/wrangler" "$STATE/env" bare-r2 >"$STATE/bare-r2.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do curl -fsS -I -o /dev/null "$MF/" 2>/dev/null && break; sleep 0.5; done
JS_MIBS="$(throughput "$MF/")"
echo "local R2 ceiling (JavaScript worker, Miniflare): ${JS_MIBS} MiB/s | relay policy-checked under Miniflare / ceiling $(ratio "$MF_POLICY_MIBS" "$JS_MIBS") | ceiling/nginx $(ratio "$JS_MIBS" "$NGINX_MIBS")"
