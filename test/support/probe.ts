// The probe's raw record of a live system booted from the pairboot stick: the stick is sdb (the live
// medium, mounted whole at /run/live/medium) beside a blank 20 GiB SATA disk, sda. The unit tests give
// the stick's partitions as build-stick.sh makes them, test/system/stick.test.ts as it reads them from
// the built image.
import type { RawHardware } from "../../src/probe/raw.js";

const GiB = 1024 ** 3;

/** `stick`: lsblk's fields for sdb (size, children, ...); `blkid`: blkid's export per device path. */
export function liveStickMachine(stick: Record<string, unknown>, blkid: Record<string, string>): RawHardware {
  return {
    rawSchema: 1,
    includeLoop: false,
    lsblk: {
      blockdevices: [
        { name: "sda", type: "disk", size: 20 * GiB, tran: "sata", rm: false, rota: true },
        { name: "sdb", type: "disk", tran: "usb", rm: true, mountpoints: ["/run/live/medium"], ...stick },
      ],
    },
    blkid: { "/dev/sda": "", ...blkid },
    swaps: "Filename\tType\tSize\tUsed\tPriority\n",
    byId: null,
    holders: {},
    liveMediumSource: "/dev/sdb",
    rootSource: "overlay",
    nics: [],
    dmi: { si: null, sysfs: {} },
    hostname: "pairboot-live",
    cmdline: "BOOT_IMAGE=/live/vmlinuz boot=live",
  };
}
