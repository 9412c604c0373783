// The disk screen: what the probe found, which disk may be chosen, and why the others may not.
import { afterEach, describe, expect, it } from "vitest";
import { KEY, TERMINALS, colouredCells, fixture, isError, isSelected, openVt, type Vt } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

describe("disk screen", () => {
  it("lists every disk with model, size and serial, and marks the stick as the boot medium", async () => {
    vt = await openVt();
    await vt.press(KEY.enter);
    const screen = await vt.text();
    expect(screen).toContain("step 1 of 5: disk");
    expect(screen).toMatch(/sda\s+20\.0 GiB\s+QEMU HARDDISK\s+QM00001\s+empty/);
    expect(screen).toMatch(/sdb\s+2\.0 GiB\s+QEMU HARDDISK\s+1-0000:00:1d\.7-1\s+boot medium/);
  });

  it.each(TERMINALS)(
    "refuses the boot medium with the reason and stays on the screen (TERM=$terminal)",
    async (t) => {
      vt = await openVt(t);
      await vt.press(KEY.enter, KEY.down);
      let screen = await vt.text();
      expect(await isSelected(vt, "sdb      2.0 GiB")).toBe(true);
      expect(await isSelected(vt, "sda      20.0 GiB")).toBe(false);
      expect(screen).toContain("/dev/sdb: QEMU HARDDISK, 2.0 GiB, usb, removable");
      expect(screen).toContain("sdb1");
      expect(screen).toContain("/run/live/medium");
      // The planner's own words, the same selectDisk uses when it refuses.
      expect(screen).toContain("cannot be chosen: it is the boot medium pairboot is running from");
      await vt.press(KEY.enter);
      screen = await vt.text();
      expect(screen).toContain("step 1 of 5: disk");
      expect(screen).toContain("sdb cannot be chosen: it is the boot medium");
      expect(await isError(vt, "sdb cannot be chosen: it is the boot medium")).toBe(true);
      expect(await colouredCells(vt)).toEqual([]);
      expect(vt.handle.state().draft.disk).toBeNull();
    },
  );

  it.each(TERMINALS)(
    "refuses a disk too small for the OS and data partitions, saying how much is needed (TERM=$terminal)",
    async (t) => {
      vt = await openVt({ ...t, facts: fixture("too-small") });
      await vt.press(KEY.enter);
      let screen = await vt.text();
      expect(screen).toMatch(/sda\s+6\.0 GiB\s+QEMU HARDDISK\s+QM00001\s+too small/);
      expect(screen).toMatch(/cannot be chosen: it is too small: 6\.0 GiB, the partition layout needs at\s/);
      expect(screen).toMatch(/least 6\.5 GiB/);
      await vt.press(KEY.enter);
      screen = await vt.text();
      expect(screen).toContain("sda cannot be chosen: it is too small (see below)");
      expect(screen).toContain("step 1 of 5: disk");
      expect(await isSelected(vt, "sda      6.0 GiB")).toBe(true);
      expect(await isError(vt, "! cannot be chosen: it is too small")).toBe(true);
      expect(await colouredCells(vt)).toEqual([]);
      expect(vt.handle.state().draft.disk).toBeNull();
    },
  );

  it("takes a good disk and moves on to the network screen", async () => {
    vt = await openVt({ facts: fixture("two-equal-disks") });
    await vt.press(KEY.enter, KEY.down, KEY.enter);
    const screen = await vt.text();
    expect(screen).toContain("step 2 of 5: network");
    expect(screen).toContain("sdb chosen.");
    expect(vt.handle.state().draft.disk).toBe("sdb");
  });
});

describe("disks the planner refuses for other reasons", () => {
  it.each([
    ["mounted-partition", /cannot be chosen: it is in use: \/dev\/\w+ on/],
    ["lvm-held", /cannot be chosen: the kernel holds it/],
  ])("shows %s refused with the planner's reason", async (name, reason) => {
    vt = await openVt({ facts: fixture(name) });
    await vt.press(KEY.enter);
    for (let i = 0; i < 4; i++) {
      if (reason.test(await vt.text())) break;
      await vt.press(KEY.down);
    }
    expect(await vt.text()).toMatch(reason);
  });

  it("lists the partitions of a disk that holds an earlier install", async () => {
    vt = await openVt({ facts: fixture("existing-install") });
    await vt.press(KEY.enter);
    const screen = await vt.text();
    expect(screen).toMatch(/\d partitions/);
    expect(screen).toMatch(/sda\d\s+[\d.]+ \w+B/);
    expect(screen).toContain("everything on it will be erased");
  });
});
