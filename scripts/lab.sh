#!/usr/bin/env bash
# npm run lab: pairboot's main job on the seed example, end to end in QEMU VMs, with faults.
# Installs the host packages and npm deps it needs, builds the target rootfs (cached), then runs
# test/lab/run.ts. Report: build/lab/report.md and report.json, serial logs in build/lab/logs/.
# Needs root (loop devices, a network namespace, QEMU on tap devices inside it). One run at a time.
#
#   npm run lab [-- --keep] [-- --no-faults] [-- --scenario FILE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/cache-dir.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "lab: must run as root (loop devices, network namespaces, tap devices)" >&2
  exit 1
fi
mkdir -p .cache
exec 9>.cache/lab.lock
# PAIRBOOT_LAB_LOCK_WAIT=SECONDS waits that long for another run to finish (npm test does); default: fail now.
if ! flock -w "${PAIRBOOT_LAB_LOCK_WAIT:-0}" 9; then
  echo "lab: another lab run holds .cache/lab.lock; one run at a time" >&2
  exit 1
fi
t0=$(date +%s)
bash scripts/host-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/build-rootfs.sh
PAIRBOOT_LAB_PREP_SECONDS=$(($(date +%s) - t0))
export PAIRBOOT_LAB_PREP_SECONDS
# Not exec: the lock (fd 9) stays held by this shell until the lab has cleaned up.
node_modules/.bin/tsx test/lab/run.ts "$@"
