// What the live system carries that an installed node must not: the one list the install step works from.
// The install copies the live root as it is (Knoppix style), so everything that makes it "live" has to be
// taken out again afterwards. Every entry is removed only if present, so a plain debootstrap tree (the
// test source) passes through unchanged.

/** live-boot and live-config: their initramfs hooks would look for a live medium on every boot. */
export const LIVE_PACKAGES = [
  "live-boot",
  "live-boot-initramfs-tools",
  "live-boot-doc",
  "live-config",
  "live-config-systemd",
  "live-config-doc",
  "live-tools",
];

/** The account live-config creates for the console session (its default user name). */
export const LIVE_USERS = ["user"];

/** Paths (on the installed node) removed recursively. */
export const LIVE_PATHS = [
  // live-config's configuration and state
  "/etc/live",
  "/lib/live",
  "/var/lib/live",
  // the console and serial autologin live-config sets up
  "/etc/systemd/system/getty@.service.d/live-config_autologin.conf",
  "/etc/systemd/system/getty@tty1.service.d/autologin.conf",
  "/etc/systemd/system/serial-getty@.service.d/autologin.conf",
  "/etc/sudoers.d/live",
  // pairboot's live layer (scripts/build-iso.sh): Node and the bundle, the console units, and the masks that
  // keep the login prompts off pairboot's consoles. The install copies only the image's lower layer, which
  // holds none of these; listed so that a copy of the merged live root could never keep them.
  "/opt/pairboot",
  "/usr/local/bin/pairboot",
  "/etc/systemd/system/pairboot@.service",
  "/etc/systemd/system/multi-user.target.wants/pairboot@tty1.service",
  "/etc/systemd/system/multi-user.target.wants/pairboot@ttyS0.service",
  "/etc/systemd/system/getty@tty1.service",
  "/etc/systemd/system/serial-getty@ttyS0.service",
  "/etc/systemd/system/ssh.service",
  // A grub.cfg inherited from the source would make a half-installed disk boot as if it were finished;
  // the bootloader step writes the real one as the install's last boot-relevant act.
  "/boot/grub/grub.cfg",
];
