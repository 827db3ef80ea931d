#!/bin/sh
# Runs INSIDE the live installer chroot after debootstrap (proc/sys/dev mounted). No arguments,
# no user input. Part of the live image cache key. openve's own files (installer bundle, units)
# are NOT added here: they go into a small separate squashfs layer built on every ISO build.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

echo openve-installer > /etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\topenve-installer\n' > /etc/hosts
passwd -d root

# DHCP on every wired NIC (answer over HTTP, DNS), resolved as the stub resolver.
mkdir -p /etc/systemd/network
cat > /etc/systemd/network/50-openve-dhcp.network <<'NET'
[Match]
Type=ether

[Network]
DHCP=yes
LinkLocalAddressing=no

[DHCPv4]
UseDomains=yes
# Options 250/251 carry the answer URL and its certificate fingerprint (installer/locate).
RequestOptions=250 251
NET
systemctl enable systemd-networkd.service systemd-resolved.service
# The installer never waits for the network at boot.
systemctl mask systemd-networkd-wait-online.service

# Root shells for rescue: autologin on tty2 (always) and on the serial console.
mkdir -p /etc/systemd/system/getty@tty2.service.d /etc/systemd/system/serial-getty@ttyS0.service.d
cat > /etc/systemd/system/getty@tty2.service.d/autologin.conf <<'GETTY'
[Service]
ExecStart=
ExecStart=-/sbin/agetty -o '-p -f -- \\u' --noclear --autologin root - $TERM
GETTY
cat > /etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf <<'GETTY'
[Service]
ExecStart=
ExecStart=-/sbin/agetty -o '-p -f -- \\u' --autologin root --keep-baud 115200,57600,38400,9600 - $TERM
GETTY
mkdir -p /etc/systemd/system/getty.target.wants
ln -sf /usr/lib/systemd/system/getty@.service /etc/systemd/system/getty.target.wants/getty@tty2.service
# tty1 belongs to the installer (openve-installer.service).
ln -sf /dev/null /etc/systemd/system/getty@tty1.service

update-initramfs -u -k all

apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/*.log /var/log/apt/*
# resolved owns resolv.conf as a symlink; a plain file would be the build host's.
if [ ! -L /etc/resolv.conf ]; then : > /etc/resolv.conf; fi
: > /etc/machine-id
