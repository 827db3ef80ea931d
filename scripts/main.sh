#!/usr/bin/env bash
# The main job. Interim (until the ISO recipe lands): prints the install plan for the example
# answer file on a recorded machine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
node bin/openve-install.js plan --answer examples/answer.toml --hardware test/fixtures/hardware/qemu-virtio.json
