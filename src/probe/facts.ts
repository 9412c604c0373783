// What pairboot knows about a machine: a plain, serializable object so planning and tests can run on
// recorded machines (test/fixtures/hardware/*.json) exactly as on real ones.

export interface PartitionFacts {
  path: string; // /dev/sda1
  sizeBytes: number;
  fstype: string | null; // filesystem or other signature lsblk/blkid sees (ext4, vfat, iso9660, drbd, ...)
  label: string | null;
  partLabel: string | null;
  /** GPT type GUID (lower case) or MBR type ("0x83"); lets a report say "EFI system" instead of "vfat". */
  partType: string | null;
  mountpoints: string[]; // "[SWAP]" for active swap, as lsblk shows it
}

export interface DiskFacts {
  path: string; // /dev/sda
  name: string; // sda
  byId: string[]; // /dev/disk/by-id/... links pointing at the whole disk
  serial: string | null;
  model: string | null;
  vendor: string | null; // "ATA", "SanDisk", ... (display only; never matched)
  wwn: string | null;
  sizeBytes: number;
  rotational: boolean;
  removable: boolean; // lsblk RM or HOTPLUG: USB sticks often report only one of the two
  readOnly: boolean;
  transport: string | null; // sata, nvme, usb, virtio, ...
  ptType: string | null; // gpt, dos or null
  fstype: string | null; // a signature on the whole disk (iso9660 for a dd'ed ISO)
  label?: string | null; // that signature's label ("PAIRBOOT" on the live stick); absent in older fixtures
  partitions: PartitionFacts[];
  mountpoints: string[]; // everything mounted from this disk or its partitions (swap included)
  isBootMedium: boolean; // the disk the live system booted from (or the running root's disk when not live)
  holders: string[]; // device-mapper, md or other kernel holders: the disk is in use
}

export interface NicFacts {
  name: string;
  mac: string; // lower-case, colon separated
  driver: string | null;
  link: boolean | null; // carrier; null when the interface is down and the state is unknown
  speedMbps: number | null;
  virtual: boolean; // lo, bridges, bonds, veth...: never offered as a physical NIC
}

export interface DmiFacts {
  vendor: string | null;
  product: string | null;
  /** null when the firmware leaves a placeholder ("To Be Filled By O.E.M.", "Not Specified", ...). */
  serial: string | null;
  uuid: string | null;
}

/** How the boot medium was recognised; absent in facts recorded before this field existed. */
export interface BootMediumFacts {
  disk: string | null; // /dev/sdb, or null when the source is not on any listed disk (overlay, toram, nfs)
  source: string; // /dev/sdb1: what is mounted
  mountpoint: string; // /run/live/medium (live system) or / (an installed system: a dev machine)
}

export interface HardwareFacts {
  schema: 1;
  hostname: string;
  disks: DiskFacts[];
  nics: NicFacts[];
  dmi: DmiFacts;
  /** The kernel command line, for pairboot.node= and friends. */
  cmdline: string;
  bootMedium?: BootMediumFacts | null;
}
