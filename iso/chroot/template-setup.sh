#!/bin/sh
# Runs INSIDE the container template chroot after debootstrap (proc/sys/dev mounted). No arguments,
# no user input. Part of the template cache key. The result runs as an LXC container (systemd as
# init, unprivileged by default): nothing here may assume a kernel, a bootloader or real devices.
set -eu
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

cat > /etc/apt/sources.list <<'SRC'
deb http://deb.debian.org/debian trixie main
deb http://deb.debian.org/debian trixie-updates main
deb http://security.debian.org/debian-security trixie-security main
SRC

# Like Debian's slim images: no documentation, manual pages or translations, now or after apt
# installs more (about a fifth of the template).
cat > /etc/dpkg/dpkg.cfg.d/openve-slim <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
find /usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
find /usr/share/doc -mindepth 1 -type d -empty -delete
rm -rf /usr/share/man/* /usr/share/info/*
find /usr/share/locale -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

# No SSH host keys in the template: every container makes its own on its first boot.
rm -f /etc/ssh/ssh_host_*
cat > /etc/systemd/system/openve-ssh-keygen.service <<'UNIT'
[Unit]
Description=openve: generate SSH host keys
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=ssh.service multi-user.target
UNIT
mkdir -p /etc/systemd/system/ssh.service.wants /etc/systemd/system/multi-user.target.wants
ln -sf /etc/systemd/system/openve-ssh-keygen.service /etc/systemd/system/ssh.service.wants/
ln -sf /etc/systemd/system/openve-ssh-keygen.service /etc/systemd/system/multi-user.target.wants/

# Nothing of the build host or of one container in the template.
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log /var/log/apt/*
: > /etc/resolv.conf
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
echo localhost > /etc/hostname
