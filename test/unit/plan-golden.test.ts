// Golden plans: what `pairboot plan` prints for every example on a recorded machine, compared line for line
// with test/golden/plans/EXAMPLE-NODE.txt, so a change to any command the install runs is reviewed as a
// diff. Regenerate after an intended change with
//   UPDATE_GOLDEN=1 npx vitest run test/unit/plan-golden.test.ts
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatPlan } from "../../src/plan/format.js";
import { planNode } from "../../src/plan/plan.js";
import type { Release } from "../../src/render/release.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { example, loadFixture } from "../support/fixtures.js";

const GOLDEN = join(import.meta.dirname, "../golden/plans");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function facts(name: string, edit?: (f: HardwareFacts) => void): HardwareFacts {
  const f = loadFixture(name);
  edit?.(f);
  return f;
}

/** Gives the recorded NVMe server the serial an example's selector names. */
const withSerial = (serial: string) => (f: HardwareFacts) => {
  const disk = f.disks.find((d) => d.path === "/dev/nvme0n1");
  if (!disk) throw new Error("the nvme-server fixture has no /dev/nvme0n1");
  disk.serial = serial;
};

// Each node of each example on a machine its disk selector accepts.
// The default release (trixie), and bookworm once (its files and the copy step's title differ).
const CASES: { example: string; node: string; hardware: HardwareFacts; release?: Release }[] = [
  { example: "seed", node: "node-a", hardware: facts("node-a") },
  { example: "seed", node: "node-b", hardware: facts("node-b") },
  { example: "minimal", node: "nas1", hardware: facts("nvme-server") },
  { example: "minimal", node: "nas2", hardware: facts("nvme-server") },
  { example: "lacp-eno", node: "files-a", hardware: facts("nvme-server", withSerial("S4EWNX0R100201")) },
  { example: "lacp-eno", node: "files-b", hardware: facts("nvme-server", withSerial("S4EWNX0R100377")) },
  { example: "seed", node: "node-a", hardware: facts("node-a"), release: "bookworm" },
];

describe("golden plans (pairboot plan's text)", () => {
  it.each(CASES)("$example, $node, $release", ({ example: name, node, hardware, release }) => {
    const r = planNode(example(name), node, hardware, {
      release,
      source: { kind: "squashfs", path: "/run/live/rootfs/filesystem.squashfs" },
      answerPath: "/run/pairboot/answer.yaml",
      logPath: `/var/log/pairboot/install-${node}.log`,
    });
    if (!r.ok) throw new Error(r.message);
    const text = formatPlan(r.plan);
    const file = join(GOLDEN, `${name}-${node}${release === undefined ? "" : `-${release}`}.txt`);
    if (UPDATE) {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(file, text);
    }
    expect(text, `${file} (UPDATE_GOLDEN=1 regenerates)`).toBe(readFileSync(file, "utf8"));
  });
});
