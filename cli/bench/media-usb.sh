#!/usr/bin/env bash
# On-demand benchmark (issue 11): a ~1 GiB USB image from a 900 MiB boot.wim stand-in, written by
# `osdgate media usb` (release-native build) beside `mkfs.fat` + `mcopy` writing the same files into a
# FAT32 file of the same size, in the same run. Prints both times and the ratio.
# Needs Debian's dosfstools and mtools. BENCH_WIM_MIB (default 900) and BENCH_RUNS (default 3) tune it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
require "dosfstools mtools unzip" mkfs.fat mcopy unzip
setup media-bench

best_osdgate=""; best_mtools=""
for run in $(seq "$runs"); do
  rm -f "$work/usb.img"
  start=$(now)
  "$osdgate" media usb "${common[@]}" --boot-files "$boot" --free-mib 100 -o "$work/usb.img" 2>"$work/usb.log"
  sync "$work/usb.img"
  t_osdgate=$(since "$start")
  size_kib=$(( $(stat -c %s "$work/usb.img") / 1024 ))

  rm -f "$work/fat.img"
  start=$(now)
  mkfs.fat -F 32 -C "$work/fat.img" "$size_kib" >/dev/null
  mcopy -s -i "$work/fat.img" "$work/tree/"* ::/
  sync "$work/fat.img"
  t_mtools=$(since "$start")
  printf 'run %d: osdgate media usb %.2f s, mkfs.fat + mcopy %.2f s\n' "$run" "$t_osdgate" "$t_mtools"
  best_osdgate=$(min "$best_osdgate" "$t_osdgate")
  best_mtools=$(min "$best_mtools" "$t_mtools")
done
"$osdgate" media verify "$work/usb.img" >/dev/null || { echo "osdgate media verify rejects the image" >&2; exit 1; }
tail -1 "$work/usb.log"
printf 'best of %d: osdgate %.2f s (%.0f MiB/s), mkfs.fat + mcopy %.2f s; ratio mtools/osdgate %.2f\n' \
  "$runs" "$best_osdgate" "$(echo "$size_kib / 1024 / $best_osdgate" | bc -l)" "$best_mtools" \
  "$(echo "$best_mtools / $best_osdgate" | bc -l)"
