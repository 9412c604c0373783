// Which node of the answer file this machine is. Both nodes boot the same stick with the same answer
// file, so the machine must recognise itself: pairboot.node= on the kernel command line, else its NICs'
// MACs, else its DMI serial. Guessing wrong would give both nodes one identity, so anything ambiguous is an
// error that shows what was seen.
import type { ClusterSpec, NodeSpec } from "../answer/schema.js";
import type { HardwareFacts } from "../probe/facts.js";

export type Identification = { ok: true; node: NodeSpec; why: string } | { ok: false; message: string };

/** The value of the last `pairboot.node=` on the command line (the kernel's own rule: the last one wins). */
export function cmdlineNode(cmdline: string): string | null {
  let found: string | null = null;
  // Arguments after a bare "--" belong to init, not to the kernel.
  for (const word of cmdline.split(/\s+/)) {
    if (word === "--") break;
    if (word.startsWith("pairboot.node=")) found = word.slice("pairboot.node=".length);
  }
  return found;
}

interface Evidence {
  node: NodeSpec;
  macs: { nic: string; mac: string }[];
  dmi: boolean;
}

function seen(facts: HardwareFacts): string {
  const nics = facts.nics.filter((n) => !n.virtual);
  const nicText =
    nics.length > 0 ? nics.map((n) => `${n.name} ${n.mac}`).join(", ") : "no physical NICs were found";
  const dmi = facts.dmi.serial ? `DMI serial "${facts.dmi.serial}"` : "no DMI serial";
  return `this machine has ${nicText}; ${dmi}`;
}

function expected(spec: ClusterSpec): string {
  return spec.nodes
    .map((n) => {
      const bits: string[] = [];
      if (n.match.mac.length > 0) bits.push(`MAC ${n.match.mac.join(", ")}`);
      if (n.match.dmi_serial) bits.push(`DMI serial "${n.match.dmi_serial}"`);
      return `${n.name}: ${bits.length > 0 ? bits.join("; ") : "nothing to match"}`;
    })
    .join("\n  ");
}

function evidenceText(e: Evidence): string {
  const bits = e.macs.map((m) => `NIC ${m.nic} has MAC ${m.mac}`);
  if (e.dmi && e.node.match.dmi_serial) bits.push(`DMI serial "${e.node.match.dmi_serial}"`);
  return bits.join(", ");
}

/** Which node this machine is, and why; or an error naming what was seen and what the answer file expects. */
export function identifyNode(spec: ClusterSpec, facts: HardwareFacts): Identification {
  const names = spec.nodes.map((n) => n.name).join(", ");
  const evidence: Evidence[] = spec.nodes.map((node) => {
    const wanted = new Set(node.match.mac.map((m) => m.toLowerCase()));
    return {
      node,
      macs: facts.nics
        .filter((n) => wanted.has(n.mac.toLowerCase()))
        .map((n) => ({ nic: n.name, mac: n.mac })),
      dmi: node.match.dmi_serial !== undefined && facts.dmi.serial === node.match.dmi_serial,
    };
  });

  const override = cmdlineNode(facts.cmdline);
  if (override !== null) {
    const node = spec.nodes.find((n) => n.name === override);
    if (!node) {
      return {
        ok: false,
        message: `pairboot.node=${override} on the kernel command line names no node of the answer file; its nodes are ${names}`,
      };
    }
    // The override wins, but a machine that looks like another node deserves a word in the log.
    const others = evidence.filter((e) => e.node.name !== override && (e.macs.length > 0 || e.dmi));
    const notes = others.map((e) => `; note: ${evidenceText(e)}, listed for ${e.node.name}`);
    return { ok: true, node, why: `pairboot.node=${override} on the kernel command line${notes.join("")}` };
  }

  const hits = evidence.filter((e) => e.macs.length > 0 || e.dmi);
  const help = `\nthe answer file expects:\n  ${expected(spec)}\nput pairboot.node=NAME on the kernel command line to choose a node by hand`;

  if (hits.length === 0) {
    return { ok: false, message: `this machine matches no node of the answer file: ${seen(facts)}${help}` };
  }
  if (hits.length > 1) {
    const both = hits.map((e) => `${e.node.name} (${evidenceText(e)})`).join(" and ");
    return {
      ok: false,
      message: `this machine matches more than one node: ${both}; a NIC or the answer file may have been swapped${help}`,
    };
  }
  const hit = hits[0] as Evidence;
  return { ok: true, node: hit.node, why: evidenceText(hit) };
}
