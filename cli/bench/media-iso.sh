#!/usr/bin/env bash
# On-demand benchmark (issue 11): an ISO from a 900 MiB boot.wim stand-in, written by `osdgate media
# iso` (release-native build) beside the obvious alternative writing the same files in the same run:
# `mkfs.fat` + `mcopy` for the El Torito FAT image holding BOOTX64.EFI, then `xorriso -as mkisofs -J
# -joliet-long -e … -no-emul-boot`. Prints both times and the ratio. Both outputs are read back by
# `xorriso -indev` first, so the comparison is between two valid bootable ISOs of the same files.
# Needs Debian's xorriso, dosfstools, mtools and unzip. BENCH_WIM_MIB (default 900) and BENCH_RUNS
# (default 3) tune it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require "xorriso dosfstools mtools unzip" xorriso mkfs.fat mcopy unzip
setup media-iso-bench

best_osdgate=""; best_xorriso=""
for run in $(seq "$runs"); do
  rm -f "$work/osdgate.iso"
  start=$(now)
  "$osdgate" media iso "${common[@]}" --boot-files "$boot" -o "$work/osdgate.iso" 2>"$work/iso.log"
  sync "$work/osdgate.iso"
  t_osdgate=$(since "$start")

  rm -f "$work/xorriso.iso" "$work/efiboot.img"
  start=$(now)
  mkfs.fat -C "$work/efiboot.img" 2100 >/dev/null
  mmd -i "$work/efiboot.img" ::/EFI ::/EFI/BOOT
  mcopy -i "$work/efiboot.img" "$boot/EFI/BOOT/BOOTX64.EFI" ::/EFI/BOOT/
  xorriso -as mkisofs -quiet -J -joliet-long -V OSDGATE -e efiboot.img -no-emul-boot \
    -o "$work/xorriso.iso" -graft-points "$work/tree" "/efiboot.img=$work/efiboot.img"
  sync "$work/xorriso.iso"
  t_xorriso=$(since "$start")
  printf 'run %d: osdgate media iso %.2f s, mkfs.fat + mcopy + xorriso %.2f s\n' "$run" "$t_osdgate" "$t_xorriso"
  best_osdgate=$(min "$best_osdgate" "$t_osdgate")
  best_xorriso=$(min "$best_xorriso" "$t_xorriso")
done
for iso in osdgate xorriso; do
  xorriso -indev "$work/$iso.iso" -report_el_torito plain 2>&1 | grep -q "El Torito boot img :   1  UEFI" \
    || { echo "$iso.iso has no UEFI El Torito entry" >&2; exit 1; }
done
"$osdgate" media verify "$work/osdgate.iso" >/dev/null || { echo "osdgate media verify rejects the ISO" >&2; exit 1; }
tail -1 "$work/iso.log"
size_mib=$(( $(stat -c %s "$work/osdgate.iso") / 1048576 ))
printf 'best of %d: osdgate %.2f s (%.0f MiB/s), mkfs.fat + mcopy + xorriso %.2f s (%d MiB ISO); ratio xorriso/osdgate %.2f\n' \
  "$runs" "$best_osdgate" "$(echo "$size_mib / $best_osdgate" | bc -l)" "$best_xorriso" \
  "$(( $(stat -c %s "$work/xorriso.iso") / 1048576 ))" "$(echo "$best_xorriso / $best_osdgate" | bc -l)"
