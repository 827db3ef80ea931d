#!/bin/bash
# check-clean-iso.sh ISO: fails (exit 1, naming the file and line) when the boot configuration of
# an ISO carries a measurement flag (openve.bench-*: formats a disk before the answer is read).
# Run on every ISO handed to a person (scripts/main.sh). Reads the ISO with xorriso; writes only
# to a temporary directory. The ISO path is passed as argv; nothing is interpolated.
set -euo pipefail
iso=$1
[ -f "$iso" ] || { echo "check-clean-iso: $iso: no such file" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
found=0
for f in /boot/grub/grub.cfg /openve/grub-env.cfg; do
  out="$tmp/$(basename "$f")"
  xorriso -osirrox on -indev "$iso" -extract "$f" "$out" >/dev/null 2>&1 || continue
  if grep -n 'openve\.bench' "$out" >"$tmp/hits"; then
    sed "s|^|check-clean-iso: $iso:$f:|" "$tmp/hits" >&2
    found=1
  fi
done
[ -s "$tmp/grub.cfg" ] || { echo "check-clean-iso: $iso: no /boot/grub/grub.cfg (not an openve ISO?)" >&2; exit 2; }
if [ "$found" = 1 ]; then
  echo "check-clean-iso: $iso carries a measurement flag: never hand it to anyone" >&2
  exit 1
fi
