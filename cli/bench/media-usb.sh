#!/usr/bin/env bash
# On-demand benchmark (issue 11): a ~1 GiB USB image from a 900 MiB boot.wim stand-in, written by
# `osdgate media usb` (release-native build) beside `mkfs.fat` + `mcopy` writing the same files into a
# FAT32 file of the same size, in the same run. Prints both times and the ratio.
# Needs Debian's dosfstools and mtools. BENCH_WIM_MIB (default 900) and BENCH_RUNS (default 3) tune it.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
wim_mib="${BENCH_WIM_MIB:-900}"
runs="${BENCH_RUNS:-3}"
for t in mkfs.fat mcopy unzip; do
  command -v "$t" >/dev/null || { echo "missing $t: apt-get install dosfstools mtools unzip" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/osdgate-media-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "building osdgate (release-native)..."
(cd "$root" && cargo build --quiet --profile release-native -p osdgate-cli)
osdgate="${CARGO_TARGET_DIR:-$root/target}/release-native/osdgate"

boot="$work/boot"
mkdir -p "$boot/EFI/BOOT" "$boot/EFI/Microsoft/Boot" "$boot/Boot" "$boot/sources"
head -c $((1500 * 1024)) /dev/urandom > "$boot/EFI/BOOT/BOOTX64.EFI"
head -c 16384 /dev/urandom > "$boot/EFI/Microsoft/Boot/BCD"
head -c 16384 /dev/urandom > "$boot/Boot/BCD"
head -c 3170304 /dev/urandom > "$boot/Boot/boot.sdi"
head -c $((wim_mib * 1024 * 1024)) /dev/urandom > "$boot/sources/boot.wim"
printf 'Bench-Password-2026\n' > "$work/pw"
python3 - "$work/agent.exe" <<'PY'
import sys
exe = bytearray(0x200); exe[0:2] = b'MZ'; exe[0x3c] = 0x40
exe[0x40:0x44] = b'PE\0\0'; exe[0x44:0x46] = (0x8664).to_bytes(2, 'little')
open(sys.argv[1], 'wb').write(exe)
PY
doc="$root/examples/boot-media-over-gateway.toml"
# The key's Argon2id cost (about a second at the default) is not image writing: the bench seals
# with the smallest accepted cost.
common=(--document "$doc" --password-file "$work/pw" --agent "$work/agent.exe" --now 2026-12-01T00:00:00Z
        --kdf-memory-kib 19456 --kdf-iterations 1)

# The same bundle files for the mtools run.
"$osdgate" media bundle "${common[@]}" --boot-files "$boot" -o "$work/bundle.zip" 2>/dev/null
mkdir -p "$work/tree" && cp -r "$boot/." "$work/tree/" && unzip -q "$work/bundle.zip" -d "$work/tree"

now() { date +%s.%N; }
best_osdgate=""; best_mtools=""
for run in $(seq "$runs"); do
  rm -f "$work/usb.img"
  start=$(now)
  "$osdgate" media usb "${common[@]}" --boot-files "$boot" --free-mib 100 -o "$work/usb.img" 2>"$work/usb.log"
  sync "$work/usb.img"
  t_osdgate=$(echo "$(now) - $start" | bc)
  size_kib=$(( $(stat -c %s "$work/usb.img") / 1024 ))

  rm -f "$work/fat.img"
  start=$(now)
  mkfs.fat -F 32 -C "$work/fat.img" "$size_kib" >/dev/null
  mcopy -s -i "$work/fat.img" "$work/tree/"* ::/
  sync "$work/fat.img"
  t_mtools=$(echo "$(now) - $start" | bc)
  printf 'run %d: osdgate media usb %.2f s, mkfs.fat + mcopy %.2f s\n' "$run" "$t_osdgate" "$t_mtools"
  if [ -z "$best_osdgate" ] || (( $(echo "$t_osdgate < $best_osdgate" | bc) )); then best_osdgate=$t_osdgate; fi
  if [ -z "$best_mtools" ] || (( $(echo "$t_mtools < $best_mtools" | bc) )); then best_mtools=$t_mtools; fi
done
tail -1 "$work/usb.log"
printf 'best of %d: osdgate %.2f s (%.0f MiB/s), mkfs.fat + mcopy %.2f s; ratio mtools/osdgate %.2f\n' \
  "$runs" "$best_osdgate" "$(echo "$size_kib / 1024 / $best_osdgate" | bc -l)" "$best_mtools" \
  "$(echo "$best_mtools / $best_osdgate" | bc -l)"
