#!/usr/bin/env bash
# On-demand benchmark (not part of CI): the agent's content download through `wrangler dev` beside
# curl fetching the same URL with the same bearer token, in the same run.
#
#   agent/bench/run.sh            # needs: curl, node_modules (npm ci), a built worker and console
#                                 # (cargo xtask build), mingw (the medium carries the Windows agent)
#   BENCH_MIB=256 BENCH_RUNS=3    # file size and runs (best of)
#
# The benchmark itself is agent/benches/download_vs_curl.rs (bench profile: native speed); this
# script prepares what it needs the way `cargo xtask test` does for the journey test: a local D1
# state with the migrations applied, the relay's secrets, the CLI and the Windows agent.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WRANGLER="$ROOT/node_modules/.bin/wrangler"
[ -x "$WRANGLER" ] || { echo "bench: run npm ci in $ROOT first" >&2; exit 1; }
[ -f "$ROOT/edge-worker/build/worker/shim.mjs" ] || { echo "bench: build the worker first (cargo xtask build)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench: curl is missing (apt-get install curl)" >&2; exit 1; }

STATE="$(mktemp -d /tmp/osdgate-agent-bench.XXXXXX)"
trap 'rm -rf "$STATE"' EXIT
random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
ADMIN="$(random)"
printf 'ADMIN_TOKEN=%s\nTOKEN_SIGNING_KEY=%s\nCONFIG_SEALING_KEY=%s\n' "$ADMIN" "$(random)" "$(random)" > "$STATE/env"
export WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true CLOUDFLARE_CF_FETCH_ENABLED=false CI=true
(cd "$ROOT/edge-worker" && "$WRANGLER" d1 migrations apply DB --local --persist-to "$STATE/wrangler" >/dev/null)

cd "$ROOT"
TARGET="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
cargo build -q -p osdgate-cli --bin osdgate
cargo build -q -p osdgate-agent --target x86_64-pc-windows-gnu
OSDGATE_WRANGLER="$WRANGLER" \
OSDGATE_WRANGLER_STATE="$STATE/wrangler" \
OSDGATE_WRANGLER_ENV_FILE="$STATE/env" \
OSDGATE_ADMIN_TOKEN="$ADMIN" \
OSDGATE_CLI_EXE="$TARGET/debug/osdgate" \
OSDGATE_AGENT_WINDOWS_EXE="$TARGET/x86_64-pc-windows-gnu/debug/osdgate-agent.exe" \
  cargo bench -p osdgate-agent --bench download_vs_curl
