#!/usr/bin/env bash
# Puts a udevadm binary into .cache/tools/udev/ without installing the udev package: installing it on a
# test host would start udevd (and pull in systemd-sysv), which changes how loop devices and NICs behave
# for every other test. The render tool checks use it to evaluate the rendered .link files exactly as udev
# does (`udevadm test-builtin net_setup_link`). It needs the host's systemd (libsystemd-shared) of the
# same release, which Debian 12's systemd package provides.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.cache/tools/udev
if [ -x "$dest/bin/udevadm" ]; then exit 0; fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q udev)
rm -rf "$dest"
mkdir -p "$dest"
dpkg-deb -x "$tmp"/udev_*.deb "$tmp/root"
cp -a "$tmp/root/bin" "$dest/"
"$dest/bin/udevadm" --version
