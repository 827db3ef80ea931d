#!/usr/bin/env bash
# The small test payload: debootstrap --variant=minbase trixie plus what the install handlers run
# inside the chroot (chpasswd from passwd, systemctl from systemd). Built once and cached under
# /var/cache/openve/test-payload-<hash of this recipe>/ as payload.tar.zst and payload.squashfs,
# so CI runs in fresh clones on the same machine reuse it. Prints the cache directory.
# Usage: test/payload/build.sh [--force]
set -euo pipefail
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH" LC_ALL=C
here="$(cd "$(dirname "$0")" && pwd)"
MIRROR="${OPENVE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=trixie
INCLUDE=systemd,passwd,login,udev,kmod
# bump when the recipe's output changes in a way the script text does not show
RECIPE_VERSION=1

hash="$( { cat "$0"; echo "$MIRROR $SUITE $INCLUDE $RECIPE_VERSION"; } | sha256sum | cut -c1-16)"
cache="${OPENVE_CACHE:-/var/cache/openve}/test-payload-$hash"
if [ "${1:-}" != "--force" ] && [ -s "$cache/payload.tar.zst" ] && [ -s "$cache/payload.squashfs" ]; then
  echo "$cache"; exit 0
fi
mkdir -p "$(dirname "$cache")"
exec 9>"$(dirname "$cache")/.test-payload.lock"
flock 9
# another builder may have finished while we waited
if [ "${1:-}" != "--force" ] && [ -s "$cache/payload.tar.zst" ] && [ -s "$cache/payload.squashfs" ]; then
  echo "$cache"; exit 0
fi

work="$(mktemp -d "$(dirname "$cache")/.build-XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
echo "test payload: debootstrap $SUITE minbase into $root" >&2
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/debootstrap
: >"$root/etc/resolv.conf"
# A first-boot unit per ordering, so `systemctl enable` in the chroot has something real to enable
# (the product payload ships provision/units/; this stands in for it in tests).
for u in openve-first-boot-before-network openve-first-boot-network-online openve-first-boot-fully-up; do
  cat >"$root/etc/systemd/system/$u.service" <<UNIT
[Unit]
Description=openve first boot ($u, test payload)
ConditionPathExists=/var/lib/openve/first-boot/hook

[Service]
Type=oneshot
ExecStart=/var/lib/openve/first-boot/hook

[Install]
WantedBy=multi-user.target
UNIT
done
out="$work/out"; mkdir -p "$out"
tar --xattrs --xattrs-include='*' --acls --numeric-owner -C "$root" -cf - . | zstd -q -3 -T0 -o "$out/payload.tar.zst"
mksquashfs "$root" "$out/payload.squashfs" -comp zstd -b 1M -noappend -quiet >/dev/null
rm -rf "$cache"
mv "$out" "$cache"
echo "$cache"
