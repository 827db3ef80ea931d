#!/usr/bin/env bash
# Installs what openve needs to build, test and boot: Debian packages (apt-get) and npm packages.
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"

PACKAGES=(
  debootstrap squashfs-tools xorriso grub-pc-bin grub-efi-amd64-bin grub-common mtools ovmf
  qemu-system-x86 qemu-utils gdisk parted lvm2 dosfstools btrfs-progs xfsprogs e2fsprogs
  corosync dnsmasq-base lxc tmux zstd util-linux fdisk iproute2 openssl whois cpio
  kmod procps psmisc ca-certificates
  libvirt-daemon-system libvirt-clients busybox-static
  chromium
  ipxe
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund >&2
fi
