#!/usr/bin/env bash
# The interactive install, end to end: builds an ISO without an answer, boots it in QEMU (SeaBIOS,
# one 32G virtio disk) with the serial console in tmux at 80x24, drives the installer UI with keys
# (defaults, a password, a pasted SSH key, the host name), boots the installed disk and checks it
# over SSH. About 10-15 minutes under TCG. Each QEMU run takes /tmp/openve-qemu.lock.
# Results: test-results/e2e-interactive/result.json, screens/*.txt (80x24 captures), serial logs.
#   bash scripts/e2e-interactive.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
bash scripts/deps.sh
OPENVE_E2E_INTERACTIVE=1 npx vitest run --project e2e test/e2e/interactive.test.ts "$@"
