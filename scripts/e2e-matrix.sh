#!/usr/bin/env bash
# The end-to-end boot matrix: BIOS/UEFI x ext4/xfs/btrfs RAID1 (two disks) x static/DHCP, each an
# ISO build + unattended install in QEMU + boot of the installed node + checks over SSH.
# 12 cases, plus 2 booting the ISO as a USB stick (bios-ext4-dhcp-usb, uefi-xfs-static-usb); roughly 5-8 minutes each under TCG. Limit with OPENVE_E2E_CASES=bios-xfs-dhcp,uefi-ext4-static.
# Results: test-results/e2e-matrix/<case>/result.json and serial logs next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
bash scripts/deps.sh
OPENVE_E2E_MATRIX=1 npx vitest run --project e2e test/e2e/matrix.test.ts "$@"
