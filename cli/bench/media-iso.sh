#!/usr/bin/env bash
# On-demand benchmark (issue 11): an ISO from a 900 MiB boot.wim stand-in, written by `osdgate media
# iso` (release-native build) beside the obvious alternative writing the same files in the same run:
# `mkfs.fat` + `mcopy` for the El Torito FAT image holding BOOTX64.EFI, then `xorriso -as mkisofs -J
# -joliet-long -e … -no-emul-boot`. Prints both times and the ratio. Both outputs are read back by
# `xorriso -indev` first, so the comparison is between two valid bootable ISOs of the same files.
# Needs Debian's xorriso, dosfstools, mtools and unzip. BENCH_WIM_MIB (default 900) and BENCH_RUNS
# (default 3) tune it.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
wim_mib="${BENCH_WIM_MIB:-900}"
runs="${BENCH_RUNS:-3}"
for t in xorriso mkfs.fat mcopy unzip; do
  command -v "$t" >/dev/null || { echo "missing $t: apt-get install xorriso dosfstools mtools unzip" >&2; exit 2; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/osdgate-media-iso-bench.XXXXXX")"
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

# The same bundle files for the xorriso run.
"$osdgate" media bundle "${common[@]}" --boot-files "$boot" -o "$work/bundle.zip" 2>/dev/null
mkdir -p "$work/tree" && cp -r "$boot/." "$work/tree/" && unzip -q "$work/bundle.zip" -d "$work/tree"

now() { date +%s.%N; }
best_osdgate=""; best_xorriso=""
for run in $(seq "$runs"); do
  rm -f "$work/osdgate.iso"
  start=$(now)
  "$osdgate" media iso "${common[@]}" --boot-files "$boot" -o "$work/osdgate.iso" 2>"$work/iso.log"
  sync "$work/osdgate.iso"
  t_osdgate=$(echo "$(now) - $start" | bc)

  rm -f "$work/xorriso.iso" "$work/efiboot.img"
  start=$(now)
  mkfs.fat -C "$work/efiboot.img" 2100 >/dev/null
  mmd -i "$work/efiboot.img" ::/EFI ::/EFI/BOOT
  mcopy -i "$work/efiboot.img" "$boot/EFI/BOOT/BOOTX64.EFI" ::/EFI/BOOT/
  xorriso -as mkisofs -quiet -J -joliet-long -V OSDGATE -e efiboot.img -no-emul-boot \
    -o "$work/xorriso.iso" -graft-points "$work/tree" "/efiboot.img=$work/efiboot.img"
  sync "$work/xorriso.iso"
  t_xorriso=$(echo "$(now) - $start" | bc)
  printf 'run %d: osdgate media iso %.2f s, mkfs.fat + mcopy + xorriso %.2f s\n' "$run" "$t_osdgate" "$t_xorriso"
  if [ -z "$best_osdgate" ] || (( $(echo "$t_osdgate < $best_osdgate" | bc) )); then best_osdgate=$t_osdgate; fi
  if [ -z "$best_xorriso" ] || (( $(echo "$t_xorriso < $best_xorriso" | bc) )); then best_xorriso=$t_xorriso; fi
done
for iso in osdgate xorriso; do
  xorriso -indev "$work/$iso.iso" -report_el_torito plain 2>&1 | grep -q "El Torito boot img :   1  UEFI" \
    || { echo "$iso.iso has no UEFI El Torito entry" >&2; exit 1; }
done
tail -1 "$work/iso.log"
size_mib=$(( $(stat -c %s "$work/osdgate.iso") / 1048576 ))
printf 'best of %d: osdgate %.2f s (%.0f MiB/s), mkfs.fat + mcopy + xorriso %.2f s (%d MiB ISO); ratio xorriso/osdgate %.2f\n' \
  "$runs" "$best_osdgate" "$(echo "$size_mib / $best_osdgate" | bc -l)" "$best_xorriso" \
  "$(( $(stat -c %s "$work/xorriso.iso") / 1048576 ))" "$(echo "$best_xorriso / $best_osdgate" | bc -l)"
