import { describe, expect, it } from "vitest";
import { alreadyInstalledNotice } from "../../src/live/summary.js";

describe("the notice when the stick starts again on an installed machine", () => {
  const base = { disk: "/dev/sda", answerPath: "/run/pairboot/answer.yaml" };

  it("says the node is installed, to pull the stick and reboot, and how to install anew", () => {
    const text = alreadyInstalledNotice({ ...base, installed: "node-a", thisNode: "node-a" });
    expect(text).toMatch(/^pairboot: node-a is already installed on \/dev\/sda\. Nothing was changed\./);
    expect(text).toMatch(/remove the stick .* reboot/s);
    expect(text).toContain("pairboot install --answer /run/pairboot/answer.yaml --node node-a --restart");
    expect(text).toMatch(/destroys everything on \/dev\/sda/);
  });

  it("names both when the disk holds the other node", () => {
    const text = alreadyInstalledNotice({ ...base, installed: "node-b", thisNode: "node-a" });
    expect(text).toMatch(/^pairboot: \/dev\/sda already holds node-b, but this machine is node-a\./);
    expect(text).toContain("To run node-b: remove the stick");
    expect(text).toContain("--node node-a --restart");
  });

  it("fits a serial console: ASCII, 80 columns", () => {
    const text = alreadyInstalledNotice({
      ...base,
      disk: "/dev/disk/by-id/nvme-SAMSUNG_MZQL2960HCJR-00A07_S64FNE0R123456",
      installed: "node-a",
      thisNode: "node-a",
    });
    expect(text).toMatch(/^[\x20-\x7e\n]*$/);
    for (const line of text.split("\n").filter((l) => !l.includes("by-id")))
      expect(line.length).toBeLessThanOrEqual(80);
  });
});
