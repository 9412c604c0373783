// Split brain as `pairboot status` sees it on one node: StandAlone after the kernel's "Split-Brain detected"
// (the fixture follows the DRBD 8.4.11 messages captured in the lab), what each side changed, and the
// recovery procedure it prints.
import { describe, expect, it } from "vitest";
import { evaluate, formatReport, splitBrainReport, type Observations } from "../../src/status/report.js";
import { parseGetGi, parseKernelDrbd } from "../../src/status/splitbrain.js";
import { activeNodeObservations } from "./status-observations.js";
import { statusFixture } from "./status-observations.js";

const fixture = statusFixture;

function splitBrainNodeA(): Observations {
  const o = activeNodeObservations({
    procDrbd: fixture("drbd-standalone-split-brain.txt"),
    bonding: fixture("bond-both-up.txt"),
    chronyTracking: fixture("chrony-synced.txt"),
  });
  o.drbd.kernel = parseKernelDrbd(fixture("kernel-split-brain-node-a.txt"), 0, "r0");
  return o;
}

describe("split brain", () => {
  it("reads both sides' generation identifiers and changed blocks from the failed handshake", () => {
    const h = parseKernelDrbd(fixture("kernel-split-brain-node-a.txt"), 0, "r0");
    expect(h.splitBrainSinceConnected).toBe(true);
    expect(h.lastHandshake).toMatchObject({
      self: { current: "8C1F3A2B4D5E6F71", bitmap: "5E4FEE87DCF17DD9", bits: 3072 },
      peer: { current: "41D0C2E9A7B36F05", bitmap: "5E4FEE87DCF17DD8", bits: 3 },
      compare: -100,
      rule: 100,
      unresolved: true,
    });
    expect(h.lastPrimaryAt).toBe("2026-12-07T20:01:12+0000");
  });

  it("no longer reports a split brain once the resource was Connected again after it", () => {
    const mended = `${fixture("kernel-split-brain-node-a.txt")}2026-12-07T20:30:00+0000 node-a kernel: block drbd0: peer( Unknown -> Secondary ) conn( WFReportParams -> WFBitMapS ) pdsk( DUnknown -> Consistent )\n`;
    expect(parseKernelDrbd(mended, 0, "r0").splitBrainSinceConnected).toBe(false);
  });

  it("ignores another minor's split brain", () => {
    const other = fixture("kernel-split-brain-node-a.txt")
      .replaceAll("drbd0", "drbd1")
      .replaceAll("drbd r0", "drbd r1");
    expect(parseKernelDrbd(other, 0, "r0").splitBrainSinceConnected).toBe(false);
  });

  it("is CRITICAL, names what each side changed, and prints the DRBD 8.4 recovery for both nodes", () => {
    const o = splitBrainNodeA();
    const lines = evaluate(o);
    const line = lines.find((l) => l.area === "drbd");
    expect(line?.health).toBe("fail");
    expect(line?.summary).toBe(
      "r0: SPLIT BRAIN (StandAlone, Primary/Unknown, UpToDate/DUnknown): node-a changed 12.0 MiB, node-b changed 12.0 KiB; see below",
    );
    const out = formatReport(o, lines);
    expect(out.split("\n")[0]).toMatch(/^PAIRBOOT CRITICAL - node-a active, drbd: r0: SPLIT BRAIN/);
    for (const want of [
      "node-a (this node, Primary, serving the clients now, last became Primary at 2026-12-07T20:01:12+0000): changed 12.0 MiB since the split (3072 blocks of 4 KiB the other lacks), current generation 8C1F3A2B4D5E6F71",
      "node-b: changed 12.0 KiB since the split (3 blocks of 4 KiB the other lacks), current generation 41D0C2E9A7B36F05",
      "Suggested: discard node-b's changes (node-a serves the clients: its changes are what they wrote last)",
      "    drbdadm disconnect r0    (only if it is not StandAlone already)\n",
      "    drbdadm secondary r0\n",
      "    drbdadm connect --discard-my-data r0\n",
      "  on SURVIVOR, if it shows StandAlone:\n",
      "    drbdadm connect r0\n",
      "pairboot split-brain resolve --discard node-b",
    ])
      expect(out).toContain(want);
  });

  it("suggests discarding the side that changed nothing", () => {
    const o = splitBrainNodeA();
    const h = o.drbd.kernel?.lastHandshake;
    if (!h) throw new Error("no handshake");
    h.self.bits = 0;
    expect(splitBrainReport(o)?.suggestion).toEqual({
      discard: "node-a",
      why: "node-a changed nothing: nothing is lost",
    });
  });

  it("says when the kernel log no longer holds the handshake, instead of guessing", () => {
    const o = splitBrainNodeA();
    if (o.drbd.kernel) o.drbd.kernel.lastHandshake = null;
    expect(splitBrainReport(o)?.text).toContain(
      "node-b: changes unknown (the kernel log no longer holds the handshake)",
    );
  });

  it("reads drbdadm get-gi (drbdmeta's format on freshly created metadata)", () => {
    expect(
      parseGetGi("0000000000000004:0000000000000000:0000000000000000:0000000000000000:0:0:0:0:0:0:0\n"),
    ).toEqual({
      current: "0000000000000004",
      bitmap: "0000000000000000",
      primaryFlag: false,
    });
    expect(parseGetGi("garbage")).toBeNull();
  });
});
