#!/usr/bin/env bash
# main-guests.sh URL ANSWER: part of the main job (scripts/main.sh). Logs in to the node manager at
# URL as root with the root password of the example answer file ANSWER (a fixture; it goes over
# stdin to `openve login` only), creates and starts a tiny VM and a Debian trixie container through
# the API, and prints what the manager reports about them. Exits non-zero when anything fails; a
# container that does not start is printed with LXC's reasons.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=$1 ANSWER=$2
# The certificate is the node's own self-signed one, reached through QEMU's port forward on
# 127.0.0.1: main.sh prints its fingerprint for a person to compare.
openve() { node bin/openve.js --host "$URL" --insecure "$@"; }
password=$(sed -n 's/^root-password *= *"\(.*\)"$/\1/p' "$ANSWER")
[ -n "$password" ] || { echo "main-guests: no root-password in $ANSWER" >&2; exit 2; }
OPENVE_TOKEN=$(printf '%s\n' "$password" | openve login --comment main.sh)
export OPENVE_TOKEN
TMPDIR_CT=$(mktemp -d)
trap 'rm -rf "$TMPDIR_CT"' EXIT
t0=$(date +%s)
# a tiny VM: a thin volume of the node's LVM pool and no OS (a nested TCG guest is too slow to
# boot one, MANAGER.md); started, libvirt reports it running and its QEMU process runs
openve vm create --id 101 --name tiny --memory 64 --disk 1@local-lvm --net none >&2
openve vm start 101 >&2
t1=$(date +%s)
echo "VM 101:         created and started in $((t1 - t0)) s"
openve vm list
# an unprivileged Debian trixie container from the template shipped on the node, on vmbr0
# A container that fails to start is reported with LXC's reasons (the task's error, from LXC's
# log) and fails the job after the guest list is printed.
ct_ok=1
if openve ct create --id 100 --hostname ct100 --template debian-13-standard_amd64.tar.zst \
  --memory 256 --net vmbr0:10.0.2.100/24:10.0.2.2 >&2; then
  t2=$(date +%s)
  if openve ct start 100 2>"$TMPDIR_CT/err" >&2; then
    t3=$(date +%s)
    debian=$(openve ct exec 100 -- cat /etc/debian_version)
    echo "container 100:  created in $((t2 - t1)) s, started in $((t3 - t2)) s; inside: Debian $debian"
  else
    echo "container 100:  created in $((t2 - t1)) s; START FAILED:"
    sed 's/^/  /' "$TMPDIR_CT/err"
    cat "$TMPDIR_CT/err" >&2
    ct_ok=""
  fi
else
  echo "container 100:  CREATE FAILED (the error is above)"
  ct_ok=""
fi
openve ct list
[ -n "$ct_ok" ]
