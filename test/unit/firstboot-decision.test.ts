// The first-boot decision table: what a node does with its replicated storage on its first boot, from
// DRBD's own state, and the first-boot script's `case` holding to the same table (run by bash).
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  allFirstBootFacts,
  decideFirstBoot,
  decideShell,
  factWords,
  type FirstBootDecision,
  type FirstBootFacts,
} from "../../src/render/firstboot-decision.js";

const f = (over: Partial<FirstBootFacts>): FirstBootFacts => ({
  preferred: true,
  link: "up",
  local: "new",
  peer: "new",
  alone: false,
  ...over,
});

const TABLE: [string, Partial<FirstBootFacts>, FirstBootDecision][] = [
  ["new pair, preferred node", { preferred: true }, "seed-new-pair"],
  ["new pair, the other node", { preferred: false }, "follow-new-pair"],
  ["replacement of the preferred node: blank disk, peer has data", { peer: "data" }, "join-replacement"],
  ["replacement of the other node", { preferred: false, peer: "data" }, "join-replacement"],
  ["replacement, even when the user allowed going alone", { peer: "data", alone: true }, "join-replacement"],
  ["rejoin: both have data", { local: "data", peer: "data" }, "rejoin"],
  ["rejoin: this node has data, the peer is new", { local: "data", peer: "new" }, "rejoin"],
  ["peer missing, preferred new node", { link: "down", peer: "unknown" }, "wait-for-peer"],
  ["peer missing, the other new node", { preferred: false, link: "down", peer: "unknown" }, "wait-for-peer"],
  ["peer missing, preferred new node, the user said go alone", { link: "down", alone: true }, "seed-alone"],
  [
    "peer missing, the other node, go alone is not for it",
    { preferred: false, link: "down", alone: true },
    "wait-for-peer",
  ],
  [
    "peer missing, this node has data: never forced",
    { link: "down", local: "data", alone: true },
    "wait-for-peer",
  ],
  ["linked but the peer's disk unknown (Diskless)", { peer: "unknown" }, "wait-for-peer"],
];

describe("first-boot decision", () => {
  it.each(TABLE)("%s", (_what, facts, decision) => {
    expect(decideFirstBoot(f(facts)).decision).toBe(decision);
  });

  it("never makes a filesystem or forces Primary unless this node's disk is new", () => {
    for (const facts of allFirstBootFacts().filter((x) => x.local === "data"))
      expect(["rejoin", "wait-for-peer"]).toContain(decideFirstBoot(facts).decision);
  });

  it("the script's rendered case decides exactly as the table on all 48 combinations of facts (bash)", () => {
    const all = allFirstBootFacts();
    expect(all).toHaveLength(48);
    const script = `${decideShell()}\nwhile read -r a b c d e; do decide "$a" "$b" "$c" "$d" "$e"; done`;
    const out = execFileSync("bash", ["-c", script], {
      input: all.map((x) => factWords(x).join(" ")).join("\n") + "\n",
      encoding: "utf8",
    });
    expect(out.trim().split("\n")).toEqual(all.map((x) => decideFirstBoot(x).decision));
  });
});
