import { describe, expect, it } from "vitest";
import { render } from "../../src/render/network.js";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { seed } from "../support/fixtures.js";

interface Stanza {
  iface: string;
  method: string;
  options: Map<string, string>;
}

/** A small reader for interfaces(5): `auto` names and `iface` stanzas with their indented options. */
function parseInterfaces(text: string): { auto: string[]; stanzas: Stanza[] } {
  const auto: string[] = [];
  const stanzas: Stanza[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "");
    if (line.trim() === "") continue;
    const [word, ...rest] = line.trim().split(/\s+/);
    if (/^\s/.test(line)) {
      const current = stanzas.at(-1);
      if (!current) throw new Error(`option outside a stanza: ${raw}`);
      current.options.set(word!, rest.join(" "));
    } else if (word === "auto") {
      auto.push(...rest);
    } else if (word === "iface") {
      stanzas.push({ iface: rest[0]!, method: rest.slice(1).join(" "), options: new Map() });
    } else {
      throw new Error(`unexpected line: ${raw}`);
    }
  }
  return { auto, stanzas };
}

function rendered(spec: ClusterSpec, nodeIndex = 0) {
  const node = spec.nodes[nodeIndex]!;
  const family = render(spec, node);
  const text = family.files.find((f) => f.path === "/etc/network/interfaces")?.content;
  if (text === undefined) throw new Error("no interfaces file");
  return { node, family, ...parseInterfaces(text) };
}

describe("network renderer", () => {
  it("puts the node's LAN address and the bond options on the bond, with no stanzas for the slaves", () => {
    const spec = seed();
    const { node, auto, stanzas } = rendered(spec);
    const { bond } = spec.network;
    expect(auto).toEqual(["lo", bond.name, spec.network.replication.nic]);
    expect(stanzas.map((s) => s.iface)).toEqual(["lo", bond.name, spec.network.replication.nic]);
    const b = stanzas.find((s) => s.iface === bond.name)!;
    expect(b.method).toBe("inet static");
    expect(Object.fromEntries(b.options)).toEqual({
      address: node.lan,
      gateway: spec.network.gateway,
      "bond-slaves": bond.slaves.join(" "),
      "bond-mode": "active-backup",
      "bond-miimon": String(bond.miimon),
      "bond-primary": bond.primary,
    });
    for (const slave of bond.slaves) expect(stanzas.some((s) => s.iface === slave)).toBe(false);
  });

  it("gives the replication NIC its own static address and no gateway", () => {
    const spec = seed();
    for (const i of [0, 1]) {
      const { node, stanzas } = rendered(spec, i);
      const r = stanzas.find((s) => s.iface === spec.network.replication.nic)!;
      expect(Object.fromEntries(r.options)).toEqual({ address: node.repl });
    }
  });

  it("leaves out bond-primary for modes without a primary slave and the gateway when none is given", () => {
    const spec = seed((d) => {
      d.network.bond = { slaves: ["lan0", "lan1"], mode: "802.3ad" };
      delete d.network.gateway;
    });
    const b = rendered(spec).stanzas.find((s) => s.iface === "bond0")!;
    expect(b.options.get("bond-mode")).toBe("802.3ad");
    expect(b.options.has("bond-primary")).toBe(false);
    expect(b.options.has("gateway")).toBe(false);
  });

  it("sets the MTU on the bond and the replication NIC when one is given", () => {
    const { stanzas } = rendered(seed((d) => (d.network.mtu = 9000)));
    expect(stanzas.filter((s) => s.options.get("mtu") === "9000").map((s) => s.iface)).toEqual([
      "bond0",
      "repl0",
    ]);
    expect(rendered(seed()).stanzas.some((s) => s.options.has("mtu"))).toBe(false);
  });

  it("pins every NIC of the node to its MAC with a .link file", () => {
    const spec = seed();
    for (const i of [0, 1]) {
      const { node, family } = rendered(spec, i);
      const links = family.files.filter((f) => f.path.endsWith(".link"));
      expect(links.length).toBe(Object.keys(node.nics).length);
      for (const [name, mac] of Object.entries(node.nics)) {
        const f = links.find((l) => l.path === `/etc/systemd/network/10-pairboot-${name}.link`);
        expect(f?.content).toMatch(new RegExp(`^\\[Match\\]\\nMACAddress=${mac}\\nType=ether\\n`, "m"));
        expect(f?.content).toMatch(new RegExp(`^\\[Link\\]\\nName=${name}$`, "m"));
      }
    }
  });

  it("loads the bonding module, enables networking and rebuilds the initramfs for the .link files", () => {
    const { family } = rendered(seed());
    const mod = family.files.find((f) => f.path === "/etc/modules-load.d/pairboot.conf");
    expect(mod?.content.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["bonding"]);
    expect(family.enable).toContain("networking.service");
    expect(family.chrootCommands).toContain("update-initramfs -u -k all");
  });
});
