#!/usr/bin/env bash
# The test command: installs what it needs, then type-checks, lints, checks the formatting
# (prettier) and runs every test project (unit + golden + UI, integration as root, three QEMU
# end-to-end installs: one unattended, one driven through the text UI on the serial console, one
# PXE-booted from `openve-install serve`). Ends with `N passed, N failed, N skipped`.
# OPENVE_TEST_PROJECTS="unit integration" limits the projects; OPENVE_E2E_MATRIX=1 runs the full boot
# matrix; OPENVE_E2E_INTERACTIVE=0 leaves out the interactive install; OPENVE_E2E_FLEET=0 leaves out
# the fleet e2e (a machine PXE-installed from `openve-install serve`, two others discovered).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/sbin:/usr/sbin:/sbin:$PATH"
bash scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p test-results
export OPENVE_E2E_INTERACTIVE=${OPENVE_E2E_INTERACTIVE:-1}

npx tsc -p tsconfig.json --noEmit; typecheck=$?
npx eslint --quiet .; lint=$?
npx prettier --check --log-level warn .; format=$?

projects=()
for p in ${OPENVE_TEST_PROJECTS:-unit integration e2e}; do projects+=(--project "$p"); done
# The files each project should run: a runner error that ends vitest early leaves some out of the
# report, and summarize.mjs counts every one of them (and a non-zero exit with no failure) as failed.
rm -f test-results/vitest.json test-results/expected-files.json
npx vitest list --filesOnly "${projects[@]}" --json=test-results/expected-files.json >/dev/null; listed=$?
npx vitest run "${projects[@]}" --reporter=default --reporter=json --outputFile.json=test-results/vitest.json; vitest=$?
node scripts/summarize.mjs test-results/vitest.json --expect test-results/expected-files.json --vitest-exit "$vitest" \
  "typecheck=$typecheck" "lint=$lint" "format=$format" "list-test-files=$listed"
