#!/usr/bin/env bash
# Two-node cluster end to end (issue 6): installs two QEMU nodes from the ISO, node1 creates the
# cluster and node2 joins it from their answer files, checks `pveca -l --json` and libvirt TLS on
# both, then live-migrates a tiny running VM (a multiboot stub, 1 GiB thin volume) from node1 to
# node2 with `openve vm migrate ID node2 --online` (OPENVE_E2E_MIGRATE=0 skips it); last node1
# removes node2 with `pveca -d` and node2 must be refused by node1's libvirt over qemu+tls.
# Needs root and qemu-system-x86_64; ~13 min under TCG plus the migration. Results: test-results/e2e-cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "e2e-cluster: needs root (QEMU, ISO build)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "e2e-cluster: qemu-system-x86_64 not found (apt-get install qemu-system-x86)" >&2; exit 1; }
[ -d node_modules ] || bash scripts/deps.sh
export OPENVE_E2E_CLUSTER=1
exec npx vitest run --project e2e test/e2e/cluster.test.ts "$@"
