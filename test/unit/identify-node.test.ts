// Node identification on every hardware fixture with the seed answer file, and the rules' edge cases.
import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { cmdlineNode, identifyNode } from "../../src/plan/identify.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { parseDmi } from "../../src/probe/parse.js";
import { fixtureNames, loadFixture, shippedExample } from "../support/fixtures.js";

const spec = shippedExample("seed");

type Expect = { node: string; why: RegExp } | { error: RegExp };

const SEED_IDENTITIES: Record<string, Expect> = {
  "node-a": { node: "node-a", why: /NIC ens3 has MAC 52:54:00:00:0a:01/ },
  "node-b": { node: "node-b", why: /NIC ens3 has MAC 52:54:00:00:0b:01/ },
  "nics-renamed": { node: "node-b", why: /NIC eno1 has MAC 52:54:00:00:0b:03/ },
  "usb-largest": { node: "node-a", why: /52:54:00:00:0a:01/ },
  "too-small": { node: "node-a", why: /52:54:00:00:0a:01/ },
  "two-equal-disks": { node: "node-b", why: /52:54:00:00:0b:01/ },
  "existing-install": { node: "node-a", why: /52:54:00:00:0a:01/ },
  "mounted-partition": { node: "node-a", why: /52:54:00:00:0a:01/ },
  "lvm-held": { node: "node-b", why: /52:54:00:00:0b:01/ },
  "nic-swapped": {
    error:
      /matches more than one node: node-a \(NIC ens3 has MAC 52:54:00:00:0a:01, NIC ens4 has MAC 52:54:00:00:0a:02\) and node-b \(NIC ens5 has MAC 52:54:00:00:0b:03\)/,
  },
  "cmdline-override": {
    node: "node-b",
    why: /^pairboot\.node=node-b on the kernel command line; note: NIC ens3 has MAC 52:54:00:00:0a:01, .*, listed for node-a$/,
  },
  "nvme-server": { error: /matches no node.*eno12399np0 b4:96:91:a1:b2:c0.*DMI serial "7XK2LM3"/ },
  "host-loops": { error: /matches no node.*eth0 02:fc:00:00:00:01; no DMI serial/ },
  "qemu-guest": {
    node: "node-a",
    why: /^NIC enp0s3 has MAC 52:54:00:00:0a:01, NIC enp0s4 has MAC 52:54:00:00:0a:02, NIC enp0s5 has MAC 52:54:00:00:0a:03$/,
  },
};

describe("identifyNode with the seed answer file on every fixture", () => {
  it("has a stated identity for every fixture (a new fixture needs one)", () => {
    expect(Object.keys(SEED_IDENTITIES).sort()).toEqual(fixtureNames());
  });

  for (const name of fixtureNames()) {
    it(`${name}: ${JSON.stringify(SEED_IDENTITIES[name])}`, () => {
      const want = SEED_IDENTITIES[name];
      if (want === undefined) throw new Error(`no identity stated for ${name}`);
      const r = identifyNode(spec, loadFixture(name));
      if ("node" in want) {
        expect(r.ok ? r.node.name : r.message).toBe(want.node);
        if (r.ok) expect(r.why).toMatch(want.why);
      } else {
        expect(r.ok ? `identified as ${r.node.name}` : r.message).toMatch(want.error);
        // Every error shows what the answer file expects and how to override.
        if (!r.ok) {
          expect(r.message).toContain("node-a: MAC 52:54:00:00:0a:01, 52:54:00:00:0a:02, 52:54:00:00:0a:03");
          expect(r.message).toContain("node-b: MAC 52:54:00:00:0b:01, 52:54:00:00:0b:02, 52:54:00:00:0b:03");
          expect(r.message).toContain("pairboot.node=NAME");
        }
      }
    });
  }
});

function withNodeMatch(
  s: ClusterSpec,
  name: string,
  match: ClusterSpec["nodes"][number]["match"],
): ClusterSpec {
  return { ...s, nodes: s.nodes.map((n) => (n.name === name ? { ...n, match } : n)) };
}

function withCmdline(f: HardwareFacts, cmdline: string): HardwareFacts {
  return { ...f, cmdline };
}

describe("rules", () => {
  it("pairboot.node= wins over the MACs", () => {
    const r = identifyNode(spec, withCmdline(loadFixture("node-a"), "boot=live pairboot.node=node-b quiet"));
    expect(r.ok && r.node.name).toBe("node-b");
  });

  it("an unknown pairboot.node= is an error listing the nodes, even when the MACs would match", () => {
    const r = identifyNode(spec, withCmdline(loadFixture("node-a"), "boot=live pairboot.node=node-c"));
    expect(r.ok ? r.node.name : r.message).toBe(
      "pairboot.node=node-c on the kernel command line names no node of the answer file; its nodes are node-a, node-b",
    );
  });

  it("the last pairboot.node= counts, and words after -- belong to init", () => {
    expect(cmdlineNode("pairboot.node=node-a quiet pairboot.node=node-b")).toBe("node-b");
    expect(cmdlineNode("quiet -- pairboot.node=node-a")).toBeNull();
    expect(cmdlineNode("")).toBeNull();
  });

  it("DMI serial identifies a machine whose MACs are not in the answer file", () => {
    const s = withNodeMatch(spec, "node-b", { mac: [], dmi_serial: "7XK2LM3" });
    const r = identifyNode(s, loadFixture("nvme-server"));
    expect(r.ok && [r.node.name, r.why]).toEqual(["node-b", 'DMI serial "7XK2LM3"']);
  });

  it("MACs of one node and the DMI serial of the other: refused, both named", () => {
    const s = withNodeMatch(spec, "node-b", { mac: ["52:54:00:00:0b:01"], dmi_serial: "7XK2LM3" });
    const facts = { ...loadFixture("node-a"), dmi: { ...loadFixture("node-a").dmi, serial: "7XK2LM3" } };
    const r = identifyNode(s, facts);
    expect(r.ok ? r.node.name : r.message).toMatch(
      /more than one node: node-a \(.*\) and node-b \(DMI serial "7XK2LM3"\)/,
    );
  });

  it("a DMI placeholder never matches: the probe turns it into null", () => {
    // Both boards say "To Be Filled By O.E.M."; node-b's answer copied it. Node A must still be node A.
    const dmi = parseDmi({
      si: { manufacturer: "ASRock", model: "X570M Pro4", serial: "To Be Filled By O.E.M.", uuid: "" },
      sysfs: {},
    });
    const s = withNodeMatch(spec, "node-b", {
      mac: ["52:54:00:00:0b:01"],
      dmi_serial: "To Be Filled By O.E.M.",
    });
    const r = identifyNode(s, { ...loadFixture("node-a"), dmi });
    expect(r.ok ? r.node.name : r.message).toBe("node-a");
  });

  it("upper-case MACs in the answer file still match", () => {
    const s = withNodeMatch(spec, "node-a", { mac: ["52:54:00:00:0A:02"] });
    const r = identifyNode(s, loadFixture("node-a"));
    expect(r.ok && r.why).toBe("NIC ens4 has MAC 52:54:00:00:0a:02");
  });
});
