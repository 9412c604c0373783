# shellcheck shell=bash disable=SC2034 # sets variables for the scripts that source it
# Sourced by the scripts that build or read the root filesystem and the live image: the one place that turns
# PAIRBOOT_RELEASE into the Debian suite and the cache paths of that release. Needs $repo (the checkout).
# Each release has its own cache, so building one never replaces the other's tree:
#   .cache/rootfs-RELEASE{,.squashfs,.stamp}   scripts/build-rootfs.sh
#   .cache/iso-RELEASE/                        scripts/build-iso.sh's layers, initrd and .debs
# test/support/rootfs.ts resolves the same names from scripts/rootfs/releases.txt.
: "${repo:?release.sh needs \$repo}"
mapfile -t pairboot_releases < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$repo/scripts/rootfs/releases.txt" | grep -v '^$')
release="${PAIRBOOT_RELEASE:-${pairboot_releases[0]}}"
case " ${pairboot_releases[*]} " in
  *" $release "*) ;;
  *)
    echo "$(basename "$0" .sh): PAIRBOOT_RELEASE='$release' is not a release pairboot builds;" \
      "allowed: ${pairboot_releases[*]} (default ${pairboot_releases[0]}; scripts/rootfs/releases.txt)" >&2
    exit 2
    ;;
esac
# The Debian suite is the release's code name.
suite="$release"
rootfs_cache="$repo/.cache/rootfs-$release"
iso_cache="$repo/.cache/iso-$release"
