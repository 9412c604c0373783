// The built-in demo machine (used where the fixtures are not installed) draws every kind of disk row.
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_MACHINE } from "../../src/tui/demo/machine.js";
import { KEY, openVt, type Vt } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

describe("the built-in demo machine", () => {
  it("offers the SSD, refuses the SATADOM as too small and the stick as the boot medium", async () => {
    vt = await openVt({ facts: DEMO_MACHINE, terminal: "vt220", rows: 24 });
    await vt.press(KEY.enter);
    const screen = await vt.text();
    expect(screen).toMatch(/sda\s+447\.0 GiB\s+INTEL SSDSC2KB480G8\s+PHYF000000DEMO\s+2 partitions/);
    expect(screen).toMatch(/sdb\s+3\.7 GiB\s+SATADOM-SL 3ME\s+DEMO0004\s+too small/);
    expect(screen).toMatch(/sdc\s+14\.9 GiB\s+Ultra Fit\s+DEMO0016\s+boot medium/);
    expect(screen).toContain("sda2");
    await vt.press(KEY.enter, KEY.space);
    expect(await vt.text()).toMatch(/lan0\s+eno1\s+3c:ec:ef:00:de:01\s+up\s+1000 Mb\/s\s+igb/);
  });
});
