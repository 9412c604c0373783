// The wizard's "replace a dead node" flow, through the pure reducer: what it needs before it starts, which
// NIC takes which role, and the answer and node the install is started with.
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { initWizard, reduce, type WizardState } from "../../src/tui/model/wizard.js";
import { replacement, replacementStory } from "../../src/tui/model/replace.js";
import type { Effect, Key } from "../../src/tui/model/state.js";
import { exampleText, TEST_SECRETS, type RawDoc } from "../support/fixtures.js";
import { fixture } from "./tui-vt.js";

const deps = { hashPassword: (p: string) => p, now: () => 0 };
const ALL = ["install", "receive", "send", "load", "replace"] as const;

/** The seed answer as the cluster saved it: with both shared secrets. */
function clusterAnswer(edit?: (doc: RawDoc) => void): RawDoc {
  const doc = YAML.parse(exampleText("seed")) as RawDoc;
  doc.drbd.shared_secret = TEST_SECRETS.drbd;
  doc.heartbeat.authkey = TEST_SECRETS.heartbeat;
  edit?.(doc);
  return doc;
}

function wizard(machine: string, answer: RawDoc | null): WizardState {
  return initWizard({
    facts: fixture(machine),
    available: [...ALL],
    ...(answer ? { answer: { path: "/media/stick/answer.yaml", object: answer } } : {}),
  });
}

function press(state: WizardState, ...keys: (string | Key)[]): { state: WizardState; effects: Effect[] } {
  let s = state;
  const effects: Effect[] = [];
  for (const k of keys) {
    const key: Key = typeof k === "string" ? (k.length === 1 ? { name: k, ch: k } : { name: k }) : k;
    const step = reduce(s, key, deps);
    s = step.state;
    effects.push(...step.effects);
  }
  return { state: s, effects };
}

/** From the start screen: cursor down to "Replace a dead node" (the fifth choice) and Enter. */
const chooseReplace = (s: WizardState) => press(s, "down", "down", "down", "down", "enter");

describe("replacing a dead node in the wizard", () => {
  it("will not start without the cluster's answer file, and says where to find one", () => {
    const { state } = chooseReplace(wizard("node-b", null));
    expect(state.screen).toBe("start");
    expect(state.message?.text).toMatch(
      /Load the cluster's answer file first .*\/etc\/pairboot\/answer\.yaml/,
    );
  });

  it("will not start from an answer without the cluster's secrets (the replacement could not pair)", () => {
    const { state } = chooseReplace(
      wizard(
        "node-b",
        clusterAnswer((d) => delete d.drbd.shared_secret),
      ),
    );
    expect(state.screen).toBe("start");
    expect(state.message?.text).toContain("has no drbd.shared_secret");
  });

  it("on the same machine with a new disk, picks the node whose MACs it has and keeps each role on its NIC", () => {
    const { state } = chooseReplace(wizard("node-b", clusterAnswer()));
    expect(state.screen).toBe("replace");
    expect(state.replace.node).toBe("node-b");
    expect(state.replace.nics).toEqual({ lan0: "ens3", lan1: "ens4", repl0: "ens5" });
  });

  it("on a new machine, gives the node's roles to its NICs in order and lets Left/Right change node and NIC", () => {
    let { state } = chooseReplace(wizard("nvme-server", clusterAnswer()));
    expect(state.replace.node).toBe("node-a");
    expect(state.replace.nics).toEqual({ lan0: "eno12399np0", lan1: "eno12409np1", repl0: "eno8303" });
    ({ state } = press(state, "right"));
    expect(state.replace.node).toBe("node-b");
    // Down to repl0 (node, lan0, lan1, repl0) and on to the next NIC.
    ({ state } = press(state, "down", "down", "down", "right"));
    expect(state.replace.nics.repl0).toBe("eno8403");
  });

  it("refuses one NIC in two roles and stays on the screen", () => {
    let { state } = chooseReplace(wizard("nvme-server", clusterAnswer()));
    // lan1 (second row after the node) moved back onto lan0's NIC.
    ({ state } = press(state, "down", "down", "left"));
    expect(state.replace.nics.lan1).toBe("eno12399np0");
    ({ state } = press(state, "enter"));
    expect(state.screen).toBe("replace");
    expect(state.message?.text).toBe("NICs: eno12399np0 is chosen for both lan0 and lan1.");
  });

  it("installs the chosen node with this machine's MACs and disk, the cluster's secrets and nothing else changed", () => {
    const original = clusterAnswer();
    let { state } = chooseReplace(wizard("nvme-server", original));
    ({ state } = press(state, "right", "end", "enter"));
    expect(state.screen).toBe("disk");
    // nvme0n1 is the first disk.
    ({ state } = press(state, "enter"));
    expect(state.screen).toBe("confirm");
    const typed = press(state, ..."nvme0n1".split(""), "enter");
    expect(typed.state.screen).toBe("progress");
    const effect = typed.effects.find((e) => e.kind === "install");
    if (effect?.kind !== "install") throw new Error("no install effect");
    expect(effect.nodeName).toBe("node-b");
    expect(effect.disk.path).toBe("/dev/nvme0n1");

    const nodes = effect.answer.nodes as RawDoc[];
    expect(nodes[1]?.nics).toEqual({
      lan0: "b4:96:91:a1:b2:c0",
      lan1: "b4:96:91:a1:b2:c1",
      repl0: "c4:cb:e1:d0:11:20",
    });
    expect(nodes[1]?.disk).toEqual({ serial: "S6CKNE0T812345" });
    // Everything but node-b's hardware is the cluster's answer as it was.
    const rest = structuredClone(effect.answer) as RawDoc;
    const before = structuredClone(original);
    delete rest.nodes[1].nics;
    delete rest.nodes[1].disk;
    delete before.nodes[1].nics;
    delete before.nodes[1].disk;
    expect(rest).toEqual(before);
    expect(effect.spec.drbd.shared_secret).toBe(TEST_SECRETS.drbd);
    expect(effect.spec.heartbeat.authkey).toBe(TEST_SECRETS.heartbeat);
  });

  it("matches the replacement by its new MACs when the answer matched the dead machine by DMI serial", () => {
    let { state } = chooseReplace(
      wizard(
        "nvme-server",
        clusterAnswer((d) => (d.nodes[0].match = { dmi_serial: "DEAD-1" })),
      ),
    );
    state = { ...state, replace: { ...state.replace, disk: "nvme0n1" } };
    const r = replacement(
      state,
      state.facts.disks.find((d) => d.name === "nvme0n1"),
    );
    if (!r.ok) throw new Error(r.message);
    expect(r.node).toBe("node-a");
    expect(r.spec.nodes[0]?.match).toEqual({
      mac: ["b4:96:91:a1:b2:c0", "b4:96:91:a1:b2:c1", "c4:cb:e1:d0:11:20"],
    });
  });

  it("spells out that the survivor keeps serving and the replacement never makes a filesystem or itself Primary", () => {
    const story = replacementStory("node-a", "node-b").join(" ");
    expect(story).toContain("node-b keeps serving the clients throughout");
    expect(story).toContain("never makes a filesystem, never makes itself Primary");
    expect(story).toContain("starts Heartbeat only once its data is UpToDate");
  });

  it("Esc walks the flow back: confirm to disk to the node screen to start", () => {
    let { state } = chooseReplace(wizard("node-b", clusterAnswer()));
    ({ state } = press(state, "end", "enter", "enter"));
    expect(state.screen).toBe("confirm");
    const back = (s: WizardState) => press(s, "escape").state;
    state = back(state);
    expect(state.screen).toBe("disk");
    state = back(state);
    expect(state.screen).toBe("replace");
    state = back(state);
    expect(state.screen).toBe("start");
  });
});
