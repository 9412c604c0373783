# shellcheck shell=bash
# Sourced by the scripts that build or use the cache (root filesystem, .debs, ISO layers, lab images).
# As root, the cache lives in /var/cache/pairboot and the checkout's .cache points there, so every clone of
# the repository on this machine reuses one debootstrap instead of running its own.
if [ "$(id -u)" -eq 0 ] && [ ! -e .cache ] && [ ! -L .cache ]; then
  mkdir -p /var/cache/pairboot
  ln -s /var/cache/pairboot .cache
fi
