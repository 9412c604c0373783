// The PAIRBOOT partition holds the saved answer (cluster secrets) and logs; FAT has no modes of its own,
// so the mount options decide who on the live system may read them.
import { describe, expect, it } from "vitest";
import type { PartitionFacts } from "../../src/probe/facts.js";
import { stickMountOptions } from "../../src/live/stick.js";

const part = (fstype: string | null) => ({ path: "/dev/sdb5", fstype }) as PartitionFacts;

describe("stickMountOptions", () => {
  it("mounts a FAT PAIRBOOT partition with files 0600 and directories 0700, owned by root", () => {
    expect(stickMountOptions(part("vfat"))).toBe("rw,uid=0,gid=0,fmask=0177,dmask=0077");
  });

  it("leaves a filesystem with its own modes to them", () => {
    expect(stickMountOptions(part("ext4"))).toBe("rw");
  });
});
