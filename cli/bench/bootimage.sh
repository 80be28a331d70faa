#!/usr/bin/env bash
# On-demand benchmark of `osdgate bootimage prepare` (issue 15; not part of CI).
#
#   cli/bench/bootimage.sh          # needs: wimtools (apt-get install wimtools), a Rust toolchain
#
# Builds a boot.wim stand-in of about BENCH_WIM_MIB MiB (default 500) with wimlib-imagex
# (--compress=LZX, two images, boot index 2, like the ADK's boot.wim; kept in BENCH_DIR between
# runs), then measures in one run, BENCH_ROUNDS times each (median printed):
#   1. `osdgate bootimage prepare boot.wim -o out.wim` (release-native build): reads the metadata,
#      writes the new file (header + kept range + appended bytes), flushes it, renames it;
#   2. the obvious alternative doing the same job: `cp boot.wim copy.wim` and `wimlib-imagex update
#      copy.wim 2` adding the same startnet.cmd (the original must stay as it is, so wimlib works on
#      a copy); wimlib's update alone is printed too.
# Both outputs are checked with `wimlib-imagex verify` outside the timings.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SIZE_MIB="${BENCH_WIM_MIB:-500}"
ROUNDS="${BENCH_ROUNDS:-3}"
DIR="${BENCH_DIR:-/tmp/osdgate-bootimage-bench}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

command -v wimlib-imagex >/dev/null || { echo "bench: wimlib-imagex is missing (apt-get install wimtools)" >&2; exit 1; }

echo "bench: building osdgate (release-native)" >&2
(cd "$ROOT" && cargo build -q --profile release-native -p osdgate-cli)
OSDGATE="$TARGET/release-native/osdgate"

mkdir -p "$DIR"
WIM="$DIR/boot-${SIZE_MIB}.wim"
if [ ! -f "$WIM" ]; then
  echo "bench: creating a ${SIZE_MIB} MiB LZX boot.wim stand-in in $DIR (once)" >&2
  TREE="$DIR/tree"
  rm -rf "$TREE" && mkdir -p "$TREE/Windows/System32/DriverStore" "$TREE/sources"
  printf 'wpeinit\r\n' > "$TREE/Windows/System32/startnet.cmd"
  # Like Windows PE: thousands of small files (compressible) and some large, already-compressed ones.
  for i in $(seq 1 3000); do
    head -c $((2000 + (i * 37) % 30000)) /usr/share/common-licenses/GPL-3 > "$TREE/Windows/System32/file$i.dll" 2>/dev/null || \
      head -c 20000 /dev/zero | tr '\0' 'x' > "$TREE/Windows/System32/file$i.dll"
  done
  LARGE=$(( SIZE_MIB - 40 ))
  for i in $(seq 1 $(( LARGE / 20 ))); do
    head -c $((20 * 1024 * 1024)) /dev/urandom > "$TREE/Windows/System32/DriverStore/pack$i.cab"
  done
  wimlib-imagex capture "$TREE" "$WIM.tmp" "Microsoft Windows PE (x64)" --compress=LZX >/dev/null
  wimlib-imagex append "$TREE" "$WIM.tmp" "Microsoft Windows Setup (x64)" --boot >/dev/null
  mv "$WIM.tmp" "$WIM"
  rm -rf "$TREE"
fi
ls -l "$WIM" >&2

LAUNCHER="$DIR/startnet.cmd"
"$OSDGATE" bootimage prepare "$WIM" -o "$DIR/reference.wim" >/dev/null
wimlib-imagex extract "$DIR/reference.wim" 2 /Windows/System32/startnet.cmd --to-stdout > "$LAUNCHER"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

ours=() ; copy_update=() ; update_only=()
for round in $(seq 1 "$ROUNDS"); do
  rm -f "$DIR/out.wim" "$DIR/copy.wim"
  sync
  t0=$(now); "$OSDGATE" bootimage prepare "$WIM" -o "$DIR/out.wim" >/dev/null; t1=$(now)
  ours+=("$(echo "$t1 - $t0" | bc)")
  sync
  t0=$(now); cp "$WIM" "$DIR/copy.wim"; t1=$(now)
  echo "add $LAUNCHER /Windows/System32/startnet.cmd" | wimlib-imagex update "$DIR/copy.wim" 2 >/dev/null; sync -f "$DIR/copy.wim"; t2=$(now)
  copy_update+=("$(echo "$t2 - $t0" | bc)")
  update_only+=("$(echo "$t2 - $t1" | bc)")
done

wimlib-imagex verify "$DIR/out.wim" >/dev/null 2>&1 || { echo "bench: osdgate's output does not verify" >&2; exit 1; }
wimlib-imagex verify "$DIR/copy.wim" >/dev/null 2>&1 || { echo "bench: wimlib's output does not verify" >&2; exit 1; }

OURS=$(printf '%s\n' "${ours[@]}" | median)
COPY_UPDATE=$(printf '%s\n' "${copy_update[@]}" | median)
UPDATE=$(printf '%s\n' "${update_only[@]}" | median)
SIZE=$(stat -c %s "$WIM")
printf 'boot.wim stand-in: %d MiB, LZX, 2 images; median of %d rounds\n' $((SIZE / 1048576)) "$ROUNDS"
printf '  osdgate bootimage prepare (new file, flushed):  %6.2f s  (%4.0f MiB/s)\n' "$OURS" "$(echo "$SIZE / 1048576 / $OURS" | bc -l)"
printf '  cp + wimlib-imagex update (same job):           %6.2f s  -> osdgate is %.2fx as fast\n' "$COPY_UPDATE" "$(echo "$COPY_UPDATE / $OURS" | bc -l)"
printf '  wimlib-imagex update alone (in place, no copy): %6.2f s  -> ratio %.2f\n' "$UPDATE" "$(echo "$UPDATE / $OURS" | bc -l)"
rm -f "$DIR/out.wim" "$DIR/copy.wim" "$DIR/reference.wim"
