// Everything the probe reads from the machine, before any interpretation. Kept as one serializable record
// so a machine can be recorded once (test/fixtures/hardware/raw/) and its parsing replayed in unit tests.

export interface RawNic {
  name: string;
  address: string | null; // /sys/class/net/X/address
  /** /sys/class/net/X/device exists: a physical (PCI, USB, virtio) device backs the interface. */
  hasDevice: boolean;
  driverLink: string | null; // readlink of /sys/class/net/X/device/driver
  carrier: string | null; // null when reading failed (EINVAL on an interface that is down)
  speed: string | null;
  operstate: string | null;
}

export interface RawDmi {
  /** systeminformation's system(); null when it failed. */
  si: { manufacturer: string; model: string; serial: string; uuid: string } | null;
  /** /sys/class/dmi/id files (sys_vendor, product_name, product_serial, product_uuid); null when unreadable. */
  sysfs: Record<string, string | null>;
}

/** A loop device's backing, from /sys/block/loopN/loop/ (offset and sizelimit in bytes, 0: none). */
export interface RawLoop {
  name: string;
  backingFile: string | null;
  offset: number;
  sizeLimit: number;
}

export interface RawHardware {
  rawSchema: 1;
  includeLoop: boolean;
  /** lsblk --json -b -O, parsed but otherwise untouched. */
  lsblk: unknown;
  /**
   * blkid -p -o export per device path. Without a udev daemon lsblk cannot see filesystems, partition
   * tables or labels, so blkid probes the devices directly; "" when it found nothing.
   */
  blkid: Record<string, string>;
  swaps: string; // /proc/swaps
  /** /dev/disk/by-id links and what they resolve to; null when the directory does not exist (no udev). */
  byId: { link: string; target: string }[] | null;
  /** Kernel name (sda, sda1) -> entries of its sysfs holders directory. */
  holders: Record<string, string[]>;
  /** Every attached loop device's backing (absent in records made before it was read). */
  loops?: RawLoop[];
  /** findmnt -n -o SOURCE output for the live medium and for /; null when nothing is mounted there. */
  liveMediumSource: string | null;
  rootSource: string | null;
  nics: RawNic[];
  dmi: RawDmi;
  hostname: string;
  cmdline: string;
}
