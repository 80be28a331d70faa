#!/usr/bin/env bash
# On-demand benchmark of the console in Chromium on loopback (not part of CI).
#
#   web-ui/bench/run.sh        # needs what `cargo xtask build` installs, and /usr/bin/chromium
#
# Builds the console, writes the benchmark document (1,000 task-sequence steps, 500 packages) and
# times natively what one recheck does (web-ui/checker/examples/recheck.rs, release-native), then
# serves the console with `wrangler dev` on a free loopback port and measures in Chromium
# (playwright/bench/console.bench.ts): the first load gzipped, first contentful paint, first render
# and interactive; per keystroke in that document the main thread's share, the checker worker's
# check and the keystroke-to-current-report latency, each beside the native time of the same work.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
STATE="$(mktemp -d /tmp/osdgate-console-bench.XXXXXX)"
PIDS=()
# wrangler runs in its own process group (setsid), so stopping it also stops workerd.
cleanup() { for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || true; done; rm -rf "$STATE"; }
trap cleanup EXIT
export WRANGLER_SEND_METRICS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false

cargo xtask build
cargo run --quiet --profile release-native -p osdgate-console-checker --example recheck -- "$STATE/benchmark.json" > "$STATE/native.json"

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
random_hex() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
printf 'ADMIN_TOKEN=%s\nTOKEN_SIGNING_KEY=%s\nCONFIG_SEALING_KEY=%s\n' "$(random_hex)" "$(random_hex)" "$(random_hex)" > "$STATE/env"
(cd edge-worker && npx wrangler d1 migrations apply DB --local --persist-to "$STATE/wrangler" >/dev/null)
(cd edge-worker && exec setsid npx wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE/wrangler" --env-file "$STATE/env" >"$STATE/wrangler.log" 2>&1) &
PIDS+=("$!")
for _ in $(seq 1 120); do curl -fsS "$BASE/api/v1/health" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fsS "$BASE/api/v1/health" >/dev/null || { echo "bench: wrangler dev did not start" >&2; cat "$STATE/wrangler.log" >&2; exit 1; }

OSDGATE_BASE_URL="$BASE" BENCH_DOCUMENT="$STATE/benchmark.json" BENCH_NATIVE="$(cat "$STATE/native.json")" \
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test --config playwright/bench/bench.config.ts
