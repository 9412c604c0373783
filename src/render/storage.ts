// The disk layout and the files that name it. Every node gets the same four GPT partitions:
// BIOS boot (GRUB's core image on legacy firmware), EFI system, the OS (ext4) and the data partition over
// the rest of the disk, left unformatted because DRBD owns it.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import { espFstabUuid, osFsUuid } from "./ids.js";
import { MANAGED, file, lines } from "./text.js";
import type { RenderFamily } from "./types.js";

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

export const GPT_TYPE = {
  bios: "21686148-6449-6E6F-744E-656564454649",
  esp: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  linuxRootX86_64: "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
  linuxData: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
} as const;

/** Where the first partition starts and the unit every boundary is rounded to. */
export const ALIGN_BYTES = MiB;
export const BIOS_BYTES = MiB;
export const ESP_BYTES = 512 * MiB;
/** A data partition smaller than this is refused: DRBD metadata plus a useful filesystem need room. */
export const MIN_DATA_BYTES = GiB;
/** Room for the backup GPT at the end (33 sectors of 4 KiB fit), rounded up to the alignment unit. */
const GPT_BACKUP_BYTES = MiB;

export type PartitionRole = "bios" | "esp" | "os" | "data";

export interface Partition {
  number: number;
  role: PartitionRole;
  /** The GPT partition name (PARTLABEL), so tools and people find it by name on any disk. */
  name: string;
  typeGuid: string;
  startBytes: number;
  /** null: to the end of the disk. */
  sizeBytes: number | null;
  /** The filesystem the installer makes here; null for raw partitions. */
  fs: "vfat" | "ext4" | null;
}

export interface PartitionLayout {
  label: "gpt";
  partitions: Partition[];
}

function roundUp(bytes: number, unit: number): number {
  return Math.ceil(bytes / unit) * unit;
}

/** The layout for the spec; independent of the disk, whose size only decides the data partition's end. */
export function partitionLayout(spec: ClusterSpec): PartitionLayout {
  const osBytes = roundUp(spec.storage.os_size, ALIGN_BYTES);
  const biosStart = ALIGN_BYTES;
  const espStart = biosStart + BIOS_BYTES;
  const osStart = espStart + ESP_BYTES;
  const dataStart = osStart + osBytes;
  return {
    label: "gpt",
    partitions: [
      {
        number: 1,
        role: "bios",
        name: "pairboot-bios",
        typeGuid: GPT_TYPE.bios,
        startBytes: biosStart,
        sizeBytes: BIOS_BYTES,
        fs: null,
      },
      {
        number: 2,
        role: "esp",
        name: "pairboot-esp",
        typeGuid: GPT_TYPE.esp,
        startBytes: espStart,
        sizeBytes: ESP_BYTES,
        fs: "vfat",
      },
      {
        number: 3,
        role: "os",
        name: "pairboot-os",
        typeGuid: GPT_TYPE.linuxRootX86_64,
        startBytes: osStart,
        sizeBytes: osBytes,
        fs: "ext4",
      },
      {
        number: 4,
        role: "data",
        name: "pairboot-data",
        typeGuid: GPT_TYPE.linuxData,
        startBytes: dataStart,
        sizeBytes: null,
        fs: null,
      },
    ],
  };
}

/** The smallest disk that holds the layout with a data partition of at least MIN_DATA_BYTES. */
export function minimumDiskBytes(spec: ClusterSpec): number {
  const parts = partitionLayout(spec).partitions;
  const data = parts.find((p) => p.role === "data");
  if (!data) throw new Error("layout without a data partition");
  return data.startBytes + MIN_DATA_BYTES + GPT_BACKUP_BYTES;
}

/** A message saying why a disk of this size cannot take the layout, or null when it fits. */
export function diskTooSmall(spec: ClusterSpec, diskBytes: number): string | null {
  const need = minimumDiskBytes(spec);
  if (diskBytes >= need) return null;
  const mib = (n: number) => `${Math.floor(n / MiB)} MiB`;
  return `the disk holds ${mib(diskBytes)} but pairboot needs at least ${mib(need)} (OS ${mib(
    roundUp(spec.storage.os_size, ALIGN_BYTES),
  )}, boot partitions ${mib(ALIGN_BYTES + BIOS_BYTES + ESP_BYTES)}, data at least ${mib(MIN_DATA_BYTES)})`;
}

/**
 * An sfdisk script for the layout. Starts and sizes are given in MiB rather than sectors so the same
 * script is right on 512-byte and 4 KiB sector disks; the data partition takes what is left.
 */
export function sfdiskScript(layout: PartitionLayout): string {
  const rows = layout.partitions.map((p) => {
    const fields = [
      `start=${p.startBytes / MiB}MiB`,
      p.sizeBytes === null ? undefined : `size=${p.sizeBytes / MiB}MiB`,
      `type=${p.typeGuid}`,
      `name="${p.name}"`,
    ].filter((f) => f !== undefined);
    return fields.join(", ");
  });
  return lines("label: gpt", "", rows);
}

function fstab(spec: ClusterSpec): string {
  return lines(
    MANAGED,
    "# <file system> <mount point> <type> <options> <dump> <pass>",
    `UUID=${osFsUuid(spec)} / ext4 errors=remount-ro 0 1`,
    // nofail: only GRUB updates need the ESP mounted. Without it a slow or missing ESP (udev took over
    // 90 s to announce the disk under emulation on a loaded host) fails local-fs.target and the node
    // stops in emergency mode instead of serving.
    `UUID=${espFstabUuid(spec)} /boot/efi vfat umask=0077,nofail 0 1`,
    `# ${spec.storage.data_mount} is not listed here on purpose: Heartbeat mounts the replicated`,
    "# filesystem on the active node only.",
  );
}

export function render(spec: ClusterSpec, _node: NodeSpec): RenderFamily {
  return {
    files: [
      file("/etc/fstab", fstab(spec)),
      file("/etc/pairboot/partitions.sfdisk", sfdiskScript(partitionLayout(spec))),
    ],
  };
}
