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
# An empty machine id: systemd makes a new one on every boot. D-Bus's copy must not be the build's:
# networkd derives the DHCP client id from the machine id, and live systems with the same one got
# one lease between them (the openve layer's client-id=MAC drop-in covers older stages).
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
ln -s /etc/machine-id /var/lib/dbus/machine-id
# grub-install beside the extraction needs the modules and grub-mkimage, not the prebuilt
# monolithic EFI images (signing inputs) nor GRUB's message catalogues (~15 MB)
rm -rf /usr/lib/grub/x86_64-efi/monolithic
rm -f /usr/share/locale/*/LC_MESSAGES/grub.mo
