#!/usr/bin/env bash
# The project's whole test suite: lint, types, unit tests and (as root) the system tests on real tools and
# the cluster lab (npm run lab).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cache-dir.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/host-deps.sh
  bash scripts/fetch-udevadm.sh
fi
npx eslint .
npx prettier --check .
# The shell scripts too (shellcheck comes with the host packages; a non-root run may not have it).
if command -v shellcheck >/dev/null; then
  shellcheck -x -S warning scripts/*.sh iso/live/console.sh
fi
npx tsc -p tsconfig.json --noEmit
if [ "$(id -u)" -eq 0 ]; then
  # One project after the other: the system tests boot VMs that would starve the unit tests' timers.
  npx vitest run --project unit
  npx vitest run --project system
  # Last, and alone: the cluster lab (two servers and a client in QEMU, the faults; 15-23 minutes under
  # TCG). Its report and serial logs stay in build/lab/. Another lab on this machine holds
  # .cache/lab.lock: wait for it rather than fail.
  PAIRBOOT_LAB_LOCK_WAIT=${PAIRBOOT_LAB_LOCK_WAIT:-3600} bash scripts/lab.sh
else
  echo "pairboot: not root, running the unit tests only (the system tests need loop devices and namespaces)"
  npx vitest run --project unit
fi
