# Shared setup of the media benchmarks (sourced by media-usb.sh and media-iso.sh): the tools check,
# a scratch folder removed on exit, the release-native `osdgate`, Windows PE boot files with a
# BENCH_WIM_MIB (default 900) boot.wim stand-in, the build arguments, the same files unpacked as a
# tree for the alternative tools, and the timing helpers. BENCH_RUNS (default 3) sets the runs.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
wim_mib="${BENCH_WIM_MIB:-900}"
runs="${BENCH_RUNS:-3}"

# require TOOL... : exits 2 naming the Debian packages when one is missing.
require() {
  local packages="$1"; shift
  for t in "$@"; do
    command -v "$t" >/dev/null || { echo "missing $t: apt-get install $packages" >&2; exit 2; }
  done
}

# setup NAME: the scratch folder, osdgate, the boot files, `common` (the build arguments) and
# "$work/tree" (boot files and bundle as files, for mcopy/xorriso).
setup() {
  work="$(mktemp -d "${TMPDIR:-/tmp}/osdgate-$1.XXXXXX")"
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
  local doc="$root/examples/boot-media-over-gateway.toml"
  # The key's Argon2id cost (about a second at the default) is not image writing: the bench seals
  # with the smallest accepted cost.
  common=(--document "$doc" --password-file "$work/pw" --agent "$work/agent.exe" --now 2026-12-01T00:00:00Z
          --kdf-memory-kib 19456 --kdf-iterations 1)

  # The same bundle files for the alternative tools.
  "$osdgate" media bundle "${common[@]}" --boot-files "$boot" -o "$work/bundle.zip" 2>/dev/null
  mkdir -p "$work/tree" && cp -r "$boot/." "$work/tree/" && unzip -q "$work/bundle.zip" -d "$work/tree"
}

now() { date +%s.%N; }
# since START: seconds from START to now.
since() { echo "$(now) - $1" | bc; }
# min CURRENT NEW: the smaller (CURRENT may be empty).
min() { if [ -z "$1" ] || (( $(echo "$2 < $1" | bc) )); then echo "$2"; else echo "$1"; fi; }
