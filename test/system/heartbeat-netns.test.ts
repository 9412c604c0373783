// The real heartbeat 3.0.6 with the rendered ha.cf/authkeys/haresources, on two "nodes" made of network
// namespaces wired like the cluster: each node's bond interface (a veth named like the rendered bond) on a
// LAN bridge that also answers as the ping node, and a crossover veth pair named like the replication NIC.
// Each node runs in an overlay sandbox (private /etc/ha.d, /var/lib/heartbeat, /var/log, /run; hostname =
// node name). drbddisk, Filesystem, nfsstate and nfs-kernel-server cannot run here (no drbd module, no
// nfsd), so the sandbox's resource.d holds recording stand-ins for exactly those; IPaddr2 is real.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa, type ResultPromise } from "execa";
import { loadSpecWithSecrets } from "../support/ha-spec.js";
import { complaints, HB_START, installHeartbeat, sandboxLog } from "../support/heartbeat.js";
import {
  addNetns,
  addressesOf,
  addVeth,
  createSandbox,
  deleteNetns,
  ip,
  netnsName,
  removeSandbox,
  startInSandbox,
  type Sandbox,
} from "../support/netns.js";
import * as heartbeat from "../../src/render/heartbeat.js";
import type { ClusterSpec, NodeSpec } from "../../src/answer/schema.js";

const SEED = new URL("../../examples/seed.yaml", import.meta.url).pathname;

interface Node {
  spec: NodeSpec;
  ns: string;
  sb: Sandbox;
  proc?: ResultPromise;
}

let spec: ClusterSpec;
let lan = "";
const nodes: Node[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const vip = () => spec.service.ip;
const bond = () => spec.network.bond.name;
const repl = () => spec.network.replication.nic;

async function log(n: Node, file: string): Promise<string> {
  return sandboxLog(n.sb, file);
}

/** Calls of the stand-ins with a given operation, in order, as "name args". */
async function calls(n: Node, op: string): Promise<string[]> {
  return (await log(n, "standins.log"))
    .split("\n")
    .map((l) => l.split(" ").slice(1))
    .filter((w) => w.at(-1) === op)
    .map((w) => w.slice(0, -1).join(" "));
}

async function holdsVip(n: Node): Promise<boolean> {
  return (await addressesOf(n.ns, bond())).includes(vip());
}

async function waitFor(what: string, ms: number, cond: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return (Date.now() - t0) / 1000;
    await sleep(200);
  }
  throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
}

async function diagnostics(): Promise<string> {
  const parts: string[] = [];
  for (const n of nodes) {
    parts.push(
      `--- ${n.spec.name} ha-log (tail)\n${(await log(n, "ha-log")).split("\n").slice(-40).join("\n")}`,
    );
    parts.push(`--- ${n.spec.name} stand-ins\n${await log(n, "standins.log")}`);
  }
  return parts.join("\n");
}

beforeAll(async () => {
  // Short timings in a test copy of the seed cluster.
  spec = await loadSpecWithSecrets(SEED, (doc) => {
    Object.assign(doc.heartbeat as object, {
      keepalive: "1s",
      warntime: "3s",
      deadtime: "5s",
      initdead: "10s",
    });
  });
  lan = netnsName("lan");
  await addNetns(lan);
  await ip(["-n", lan, "link", "add", "br0", "type", "bridge"]);
  await ip(["-n", lan, "link", "set", "br0", "up"]);
  const prefix = spec.nodes[0]?.lan.split("/")[1] ?? "24";
  if (spec.heartbeat.ping)
    await ip(["-n", lan, "addr", "add", `${spec.heartbeat.ping}/${prefix}`, "dev", "br0"]);

  for (const [i, ns] of spec.nodes.entries()) {
    const n: Node = { spec: ns, ns: netnsName(`n${i}`), sb: await createSandbox(`hb-${ns.name}`) };
    nodes.push(n);
    await addNetns(n.ns);
    await addVeth(n.ns, bond(), lan, `lan${i}`);
    await ip(["-n", lan, "link", "set", `lan${i}`, "master", "br0"]);
    await ip(["-n", n.ns, "addr", "add", ns.lan, "dev", bond()]);
  }
  const [a, b] = nodes as [Node, Node];
  await addVeth(a.ns, repl(), b.ns, repl());
  for (const n of nodes) await ip(["-n", n.ns, "addr", "add", n.spec.repl, "dev", repl()]);

  for (const n of nodes) await installHeartbeat(n.sb, heartbeat.render(spec, n.spec));
  for (const n of nodes) n.proc = startInSandbox(n.sb, HB_START, { netns: n.ns, hostname: n.spec.name });
});

afterAll(async () => {
  for (const n of nodes) {
    n.proc?.kill("SIGKILL");
    await n.proc;
    await deleteNetns(n.ns);
  }
  if (lan) await deleteNetns(lan);
  for (const n of nodes) await removeSandbox(n.sb);
});

describe("heartbeat v1 with the rendered configuration, two netns nodes", () => {
  it("both nodes accept the configuration and node A (preferred) acquires the service", async () => {
    const [a, b] = nodes as [Node, Node];
    try {
      const secs = await waitFor("node A to hold the service IP", 60_000, () => holdsVip(a));
      console.log(
        `node A acquired ${vip()} on ${bond()} ${secs.toFixed(1)} s after the test started heartbeat`,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
    }
    for (const n of nodes)
      expect(await log(n, "ha-log")).toContain("Configuration validated. Starting heartbeat");
    expect(await calls(a, "start")).toEqual([
      `drbddisk ${spec.drbd.resource}`,
      `Filesystem ${spec.drbd.device} ${spec.storage.data_mount} ${spec.storage.data_fs} noatime`,
      "nfsstate",
      "nfs-kernel-server",
    ]);
    expect(await holdsVip(b)).toBe(false);
    expect(await calls(b, "start")).toEqual([]);
    // Neither node complains about the rendered configuration (e.g. a deprecated or unknown directive).
    for (const n of nodes) {
      const c = complaints(await log(n, "ha-log"));
      if (c.length) console.log(`${n.spec.name} complaints:\n${c.join("\n")}`);
      expect(c).toEqual([]);
    }
    // Each node sees both heartbeat paths to its peer come up.
    await waitFor("both paths up on both nodes", 15_000, async () => {
      const [logA, logB] = [await log(a, "ha-log"), await log(b, "ha-log")];
      return [bond(), repl()].every(
        (ifc) =>
          logA.includes(`Link ${b.spec.name}:${ifc} up`) && logB.includes(`Link ${a.spec.name}:${ifc} up`),
      );
    });
  });

  it("cutting one of the two heartbeat paths causes no takeover", async () => {
    const [a, b] = nodes as [Node, Node];
    await ip(["-n", a.ns, "link", "set", repl(), "down"]);
    try {
      await waitFor("node B to notice the dead replication path", 20_000, async () =>
        (await log(b, "ha-log")).includes(`Link ${a.spec.name}:${repl()} dead`),
      );
      await sleep(spec.heartbeat.deadtime + 2000);
      expect(await holdsVip(b)).toBe(false);
      expect(await calls(b, "start")).toEqual([]);
      expect(await holdsVip(a)).toBe(true);
      expect(await log(b, "ha-log")).not.toMatch(/node .*: is dead/);
    } finally {
      await ip(["-n", a.ns, "link", "set", repl(), "up"]);
    }
    // Wait until B logs the path as up again after it was dead.
    await waitFor("the replication path to come back", 20_000, async () => {
      const afterCut = (await log(b, "ha-log")).split(`Link ${a.spec.name}:${repl()} dead`).at(-1) ?? "";
      return afterCut.includes(`Link ${a.spec.name}:${repl()} up`);
    });
  });

  it("node B takes over within deadtime + margin when node A dies", async () => {
    const [a, b] = nodes as [Node, Node];
    const t0 = Date.now();
    // Power cut: every process of node A dies, then its cables go quiet.
    a.proc?.kill("SIGKILL");
    const left = await execa("ip", ["netns", "pids", a.ns], { reject: false });
    for (const pid of left.stdout.split(/\s+/).filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    await ip(["-n", a.ns, "link", "set", bond(), "down"]);
    await ip(["-n", a.ns, "link", "set", repl(), "down"]);
    let secs: number;
    try {
      await waitFor("node B to hold the service IP", spec.heartbeat.deadtime + 30_000, () => holdsVip(b));
      secs = (Date.now() - t0) / 1000;
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
    }
    console.log(
      `takeover: node B held ${vip()} ${secs.toFixed(1)} s after node A was killed (deadtime ${spec.heartbeat.deadtime / 1000} s)`,
    );
    expect(secs).toBeGreaterThanOrEqual(spec.heartbeat.deadtime / 1000 - 1);
    expect(secs).toBeLessThan(spec.heartbeat.deadtime / 1000 + 10);
    expect(await calls(b, "start")).toEqual(await calls(a, "start"));
    const bLog = await log(b, "ha-log");
    expect(bLog).toMatch(new RegExp(`node ${a.spec.name}: is dead`));
    expect(bLog).toMatch(/Taking over resource group/);
  });

  it("node A comes back and, with auto_failback off, leaves the service on node B", async () => {
    const [a, b] = nodes as [Node, Node];
    expect(spec.heartbeat.auto_failback).toBe(false);
    await a.proc; // reaped after the kill
    // A "reboot": the service IP does not survive it, the cables come back, heartbeat starts again.
    await ip(["-n", a.ns, "addr", "del", vip(), "dev", bond()]);
    await ip(["-n", a.ns, "link", "set", bond(), "up"]);
    await ip(["-n", a.ns, "link", "set", repl(), "up"]);
    const startsBefore = (await calls(a, "start")).length;
    const bLogBefore = (await log(b, "ha-log")).length;
    a.proc = startInSandbox(a.sb, HB_START, { netns: a.ns, hostname: a.spec.name });
    try {
      await waitFor("node B to see node A again", 40_000, async () =>
        (await log(b, "ha-log"))
          .slice(bLogBefore)
          .includes(`Status update for node ${a.spec.name}: status active`),
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
    }
    await sleep(3 * spec.heartbeat.keepalive + 2000);
    expect(await holdsVip(b)).toBe(true);
    expect(await holdsVip(a)).toBe(false);
    expect((await calls(a, "start")).length).toBe(startsBefore);
  });
});
