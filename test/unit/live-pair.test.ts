// The live system's two-node flow: who installs and who receives, the replication link, the pairing code
// both machines derive from the answer, node A's wait for node B, node B's disk.
import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { CODE_ALPHABET, normalizePairingCode } from "../../src/clone/code.js";
import {
  derivedPairingCode,
  linkCommands,
  liveRole,
  receiveSummary,
  receiveTarget,
  replicationLink,
  waitKey,
  waitLine,
  waitStart,
  waitStep,
  type WaitState,
} from "../../src/live/pair.js";
import { loadFixture, shippedExample } from "../support/fixtures.js";

const spec = shippedExample("seed");
const withSecrets = (drbd: string, hb: string): ClusterSpec => ({
  ...spec,
  drbd: { ...spec.drbd, shared_secret: drbd },
  heartbeat: { ...spec.heartbeat, authkey: hb },
});
const node = (name: string) => spec.nodes.find((n) => n.name === name) as ClusterSpec["nodes"][number];
const tick = { kind: "tick" } as const;
const key = (data: string) => ({ kind: "key", data }) as const;

describe("liveRole", () => {
  it("the first node installs and sends; the other receives; pairboot.clone=0 installs both", () => {
    const a = liveRole(spec, "node-a", true);
    expect(a.kind).toBe("install-and-send");
    expect(a.kind === "install-and-send" && a.peer.name).toBe("node-b");
    const b = liveRole(spec, "node-b", true);
    expect(b.kind).toBe("receive");
    expect(b.kind === "receive" && b.peer.name).toBe("node-a");
    expect(b.why).toBe(
      "node-b is not the answer file's first node: it receives node-a's clone instead of installing",
    );
    expect(liveRole(spec, "node-b", false)).toEqual({
      kind: "install",
      why: "pairboot.clone=0 is on the kernel command line",
    });
  });

  it("the roles follow the answer's order, not the names", () => {
    const swapped = { ...spec, nodes: [node("node-b"), node("node-a")] };
    expect(liveRole(swapped, "node-b", true).kind).toBe("install-and-send");
    expect(liveRole(swapped, "node-a", true).kind).toBe("receive");
  });
});

describe("replicationLink", () => {
  it("finds the replication NIC by the answer's MAC, whatever the kernel calls it", () => {
    const facts = loadFixture("nics-renamed"); // node-b's NICs under other names
    const r = replicationLink(spec, node("node-b"), node("node-a"), facts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.link).toEqual({
      ifname: "eno1",
      mac: "52:54:00:00:0b:03",
      cidr: "10.0.0.2/30",
      address: "10.0.0.2",
      peerAddress: "10.0.0.1",
    });
    expect(linkCommands(r.link)).toEqual([
      ["ip", "link", "set", "eno1", "up"],
      ["ip", "addr", "replace", "10.0.0.2/30", "dev", "eno1"],
    ]);
  });

  it("says what it saw when no NIC has the MAC", () => {
    const r = replicationLink(spec, node("node-a"), node("node-b"), loadFixture("node-b"));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(
      /^no NIC of this machine has node-a's replication MAC 52:54:00:00:0a:03 \(repl0\); this machine has .*52:54:00:00:0b:03/,
    );
  });
});

describe("derivedPairingCode", () => {
  it("is a valid pairing code, the same for the same secrets, different for different ones", () => {
    const s = withSecrets("Zq3v9XkWmP0aLrT7yBn2cDs5", "hB8kLm2nQ4rS6tU8vW0xY2zA");
    const code = derivedPairingCode(s) as string;
    expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    expect([...code.replace(/-/g, "")].every((c) => CODE_ALPHABET.includes(c))).toBe(true);
    expect(normalizePairingCode(code)).toEqual({ code: code.replace(/-/g, "") });
    expect(derivedPairingCode(structuredClone(s))).toBe(code);
    expect(derivedPairingCode(withSecrets("Zq3v9XkWmP0aLrT7yBn2cDs6", "hB8kLm2nQ4rS6tU8vW0xY2zA"))).not.toBe(
      code,
    );
    expect(derivedPairingCode(withSecrets("Zq3v9XkWmP0aLrT7yBn2cDs5", "hB8kLm2nQ4rS6tU8vW0xY2zB"))).not.toBe(
      code,
    );
  });

  it("is null without both secrets (each machine would generate its own)", () => {
    expect(derivedPairingCode(spec)).toBeNull();
    expect(
      derivedPairingCode({ ...spec, drbd: { ...spec.drbd, shared_secret: "Zq3v9XkWmP0aLrT7yBn2cDs5" } }),
    ).toBeNull();
  });
});

describe("node A's wait for node B", () => {
  it("counts down, then reboots without a clone", () => {
    let s: WaitState = waitStart(3);
    expect(waitLine(s, "node-b")).toBe(
      "Waiting for node-b: rebooting without a clone in 0:03. Enter: reboot now   Esc: stay",
    );
    s = waitStep(waitStep(s, tick), tick);
    expect(s.decision).toBeNull();
    s = waitStep(s, tick);
    expect(s).toMatchObject({ remaining: 0, decision: "reboot", cloned: false });
    expect(s.reason).toBe("node B did not connect in time; rebooting without a clone");
  });

  it("once node B paired, neither the count nor keys stop the clone; its result decides", () => {
    let s = waitStep(waitStart(2), { kind: "paired" });
    for (let i = 0; i < 5; i++) s = waitStep(s, tick);
    s = waitStep(waitStep(s, key("\x1b")), key("\r"));
    expect(s.decision).toBeNull();
    const ok = waitStep(s, { kind: "done", ok: true, message: "1.2 GiB" });
    expect(ok).toMatchObject({ decision: "reboot", cloned: true, reason: "node B has the clone: 1.2 GiB" });
    const bad = waitStep(s, { kind: "done", ok: false, message: "checksum mismatch" });
    expect(bad).toMatchObject({
      decision: "reboot",
      cloned: false,
      reason: "the clone failed: checksum mismatch",
    });
    expect(waitStep(ok, { kind: "done", ok: false, message: "x" })).toBe(ok);
  });

  it("Enter reboots now, Esc stays in the live system, arrows and other keys do nothing", () => {
    expect(waitStep(waitStart(60), key("\r"))).toMatchObject({ decision: "reboot", cloned: false });
    expect(waitStep(waitStart(60), key("\x1b"))).toMatchObject({ decision: "stay" });
    for (const k of ["\x1b[A", "x", " ", "y"]) expect(waitKey(k), JSON.stringify(k)).toBeNull();
    for (const k of ["\x1b", "\x03", "q", "N"]) expect(waitKey(k), JSON.stringify(k)).toBe("stay");
  });
});

describe("node B's disk", () => {
  it("takes the disk the answer's selector picks, and says it is blank", () => {
    const t = receiveTarget(spec, node("node-b"), loadFixture("node-b"));
    expect(t.ok).toBe(true);
    if (!t.ok) return;
    expect(t.disk).toMatch(/^\/dev\//);
    const l = replicationLink(spec, node("node-b"), node("node-a"), loadFixture("node-b"));
    if (!l.ok) throw new Error(l.message);
    const text = receiveSummary({
      answer: "/run/live/medium/pairboot/answer.yaml (ISO image)",
      node: "node-b",
      nodeWhy: "NIC ens3 has MAC 52:54:00:00:0b:01",
      peer: "node-a",
      target: t,
      link: l.link,
      codeFromAnswer: true,
    });
    expect(text).toContain("pairboot: unattended clone from node-a");
    expect(text).toContain(`  disk         ${t.disk}`);
    expect(text).toContain("pairing code derived from the answer's shared secrets");
    for (const line of text.split("\n")) expect(line, line).toMatch(/^[\x20-\x7e]*$/);
  });

  it("refuses a disk holding data unless the answer says storage.wipe: true", () => {
    const facts = loadFixture("existing-install");
    const b = { ...node("node-a"), name: "node-b" };
    const keep = { ...spec, storage: { ...spec.storage, wipe: false } };
    const refused = receiveTarget(keep, b, facts);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/does not say storage\.wipe: true/);
    const wiped = receiveTarget({ ...spec, storage: { ...spec.storage, wipe: true } }, b, facts);
    expect(wiped.ok).toBe(true);
    expect(wiped.ok && wiped.destroys.length).toBeGreaterThan(1);
  });
});
