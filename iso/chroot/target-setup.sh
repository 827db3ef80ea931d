#!/bin/sh
# Runs INSIDE the target payload chroot after debootstrap (proc/sys/dev mounted). No arguments,
# no user input. Part of the payload cache key.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

# Apt sources of an installed node: trixie + updates + security.
cat > /etc/apt/sources.list <<'SRC'
deb http://deb.debian.org/debian trixie main contrib
deb http://deb.debian.org/debian trixie-updates main contrib
deb http://security.debian.org/debian-security trixie-security main contrib
SRC

# Initramfs with generic drivers, built now (docs/design.md §4), not at install time.
mkdir -p /etc/initramfs-tools/conf.d
echo 'MODULES=most' > /etc/initramfs-tools/conf.d/openve.conf
echo 'RESUME=none' > /etc/initramfs-tools/conf.d/resume
sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
locale-gen
update-initramfs -u -k all

# The node manager's unprivileged containers map their root to 100000 (manager/server/config/
# lxcConfig.ts IDMAP): root owns that subordinate range.
for f in /etc/subuid /etc/subgid; do
  grep -q '^root:' "$f" 2>/dev/null || echo 'root:100000:65536' >> "$f"
done
# Guests use the node's bridge vmbr0; libvirt's own NAT network (virbr0 + dnsmasq) is not started.
rm -f /etc/libvirt/qemu/networks/autostart/default.xml

# No host keys baked into the image: every node generates its own at first boot
# (openve-ssh-keygen.service in the payload layer).
rm -f /etc/ssh/ssh_host_*

# Nothing of the build host leaks into the payload.
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log /var/log/apt/*
: > /etc/resolv.conf
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
echo localhost > /etc/hostname
