// The real heartbeat 3.0.6 with the rendered ha.cf/authkeys/haresources, on two "nodes" made of network
// namespaces wired like the cluster: each node's bond interface (a veth named like the rendered bond) on a
// LAN bridge that also answers as the ping node, and a crossover veth pair named like the replication NIC.
// Each node runs in an overlay sandbox (private /etc/ha.d, /var/lib/heartbeat, /var/log, /run; hostname =
// node name). drbddisk, Filesystem, nfsstate and pairboot-nfsd cannot run here (no drbd module, no nfsd), so
// the sandbox's resource.d holds recording stand-ins for exactly those (nfsd's listens on TCP 2049 like nfsd);
// IPaddr2, pairboot-tickle and pairboot-monitor are real, and the data mount is one host directory bound
// into both nodes (the replicated filesystem, as both nodes see it). A client namespace on the LAN holds TCP
// connections to the service IP through the takeovers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa, type ResultPromise } from "execa";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecWithSecrets, writeFamily } from "../support/ha-spec.js";
import {
  brokenNfsdMarker,
  complaints,
  HB_START,
  installHeartbeat,
  sandboxLog,
} from "../support/heartbeat.js";
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
import { renderExports } from "../../src/render/nfs.js";
import { connectionRecord } from "../../src/render/tickle.js";
import { MONITOR_NAME, MONITOR_STATE, type MonitorBounds } from "../../src/render/monitor.js";
import { monitorLine, parseMonitorState } from "../../src/status/monitor.js";
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
let clientNs = "";
/** The replicated filesystem: one host directory, bound at the data mount into both nodes. */
let data = "";
const nodes: Node[] = [];
const clients: Client[] = [];
/** Short bounds so the monitor's paths run in seconds; the same renderer as on a node. */
const TEST_MONITOR: MonitorBounds = { intervalS: 1, restores: 2, windowS: 10 };

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

async function waitFor(what: string, ms: number, cond: () => Promise<boolean>, every = 200): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await cond()) return (Date.now() - t0) / 1000;
    await sleep(every);
  }
  throw new Error(`timed out after ${ms / 1000}s waiting for ${what}`);
}

function startNode(n: Node): void {
  n.proc = startInSandbox(n.sb, HB_START, {
    netns: n.ns,
    hostname: n.spec.name,
    binds: [{ src: data, dst: spec.storage.data_mount }],
  });
}

/** The service IP's connections as the active node last recorded them on the replicated filesystem. */
async function record(): Promise<string> {
  return readFile(join(data, connectionRecord(spec).slice(spec.storage.data_mount.length)), "utf8").catch(
    () => "",
  );
}

// A client in the client namespace: one TCP connection to the service IP, a byte every 0.3 s (so a dead
// server leaves data unacknowledged, as a writing NFS client does), and the moment the connection is reset.
const CLIENT = `import socket, sys, time, select
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
print("connected %s:%d" % s.getsockname(), flush=True)
while True:
    try:
        s.send(b"x")
        r, _, _ = select.select([s], [], [], 0.3)
        if r and not s.recv(64):
            print("closed %.3f" % time.time(), flush=True)
            break
    except OSError as e:
        print("reset %.3f %s" % (time.time(), type(e).__name__), flush=True)
        break
`;

interface Client {
  port: number;
  local: string;
  proc: ResultPromise;
  /** Epoch seconds when the connection was reset (or closed), once it was. */
  endedAt: () => number | undefined;
}

async function connectClient(port: number): Promise<Client> {
  const proc = execa(
    "ip",
    [
      "netns",
      "exec",
      clientNs,
      "/usr/bin/python3",
      "-u",
      "-c",
      CLIENT,
      vip().split("/")[0] as string,
      String(port),
    ],
    {
      reject: false,
      buffer: false,
    },
  );
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  const t0 = Date.now();
  while (!/^connected /m.test(out)) {
    if (Date.now() - t0 > 10_000 || /^(reset|closed) /m.test(out))
      throw new Error(`client did not connect: ${out}`);
    await sleep(50);
  }
  const local = /^connected (\S+)/m.exec(out)?.[1] as string;
  const c: Client = {
    port,
    local,
    proc,
    endedAt: () => {
      const m = /^(?:reset|closed) (\d+\.\d+)/m.exec(out);
      return m ? Number(m[1]) : undefined;
    },
  };
  clients.push(c);
  return c;
}

/** Polls every 100 ms; returns the epoch seconds of the first poll that saw the service IP on the node. */
async function vipUpAt(n: Node, ms: number): Promise<number> {
  await waitFor(`${n.spec.name} to hold the service IP`, ms, () => holdsVip(n), 100);
  return Date.now() / 1000;
}

async function waitEnded(c: Client, ms: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (c.endedAt() === undefined && Date.now() - t0 < ms) await sleep(50);
  return c.endedAt();
}

/** Host pids of the processes in a namespace whose command line contains `needle`. */
async function pidsIn(ns: string, needle: string): Promise<number[]> {
  const r = await execa("ip", ["netns", "pids", ns], { reject: false });
  const found: number[] = [];
  for (const pid of r.stdout.split(/\s+/).filter(Boolean)) {
    const cmd = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    if (cmd.includes(needle)) found.push(Number(pid));
  }
  return found;
}

/** SIGKILL to every process in a namespace (some may be gone by the time the signal is sent). */
async function killAll(ns: string): Promise<void> {
  const r = await execa("ip", ["netns", "pids", ns], { reject: false });
  for (const pid of r.stdout.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Runs a command inside a node's sandbox (its mount namespace and root, its network), as an admin on it would. */
async function onNode(n: Node, cmd: string[]): Promise<{ exitCode: number; stdout: string }> {
  const [hb] = await pidsIn(n.ns, "heartbeat: master control process");
  if (hb === undefined) throw new Error(`no heartbeat running on ${n.spec.name}`);
  const r = await execa("nsenter", ["-t", String(hb), "-m", "-n", "-u", "-p", "-r", "-w", ...cmd], {
    reject: false,
  });
  return { exitCode: r.exitCode ?? -1, stdout: [r.stdout, r.stderr].filter(Boolean).join(" ") };
}

async function nfsdListening(n: Node): Promise<boolean> {
  const r = await execa("ip", ["netns", "exec", n.ns, "ss", "-Hltn", "sport = :2049"], { reject: false });
  return r.stdout.trim() !== "";
}

async function diagnostics(): Promise<string> {
  const parts: string[] = [];
  for (const n of nodes) {
    parts.push(
      `--- ${n.spec.name} ha-log (tail)\n${(await log(n, "ha-log")).split("\n").slice(-40).join("\n")}`,
    );
    parts.push(`--- ${n.spec.name} stand-ins\n${await log(n, "standins.log")}`);
    parts.push(`--- ${n.spec.name} syslog\n${await log(n, "syslog-standin")}`);
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

  // The client, on the LAN like the nodes.
  clientNs = netnsName("client");
  await addNetns(clientNs);
  await addVeth(clientNs, "eth0", lan, "lancl");
  await ip(["-n", lan, "link", "set", "lancl", "master", "br0"]);
  await ip(["-n", clientNs, "addr", "add", clientAddress(), "dev", "eth0"]);

  data = await mkdtemp(join(tmpdir(), "pbha-data-"));
  for (const e of spec.nfs.exports) {
    await mkdir(join(data, e.path.slice(spec.storage.data_mount.length)), { recursive: true });
  }
  for (const n of nodes) {
    const family = heartbeat.render(spec, n.spec);
    const monitor = heartbeat.renderGroupMonitor(spec, TEST_MONITOR);
    family.files = family.files.map((f) => (f.path === monitor.path ? monitor : f));
    await installHeartbeat(n.sb, family, spec.storage.data_mount);
    await writeFamily(n.sb.upper, { files: [renderExports(spec)] });
  }
  for (const n of nodes) startNode(n);
});

/** An address on the service IP's network that no node uses: .200 of the seed's /24. */
function clientAddress(): string {
  const [a, b, c] = vip().split(".");
  const addr = `${a}.${b}.${c}.200/${vip().split("/")[1]}`;
  if (spec.nodes.some((n) => n.lan === addr)) throw new Error(`${addr} is a node's address`);
  return addr;
}

afterAll(async () => {
  for (const c of clients) c.proc.kill("SIGKILL");
  for (const n of nodes) {
    n.proc?.kill("SIGKILL");
    await n.proc;
    await deleteNetns(n.ns);
  }
  if (clientNs) await deleteNetns(clientNs);
  if (lan) await deleteNetns(lan);
  for (const n of nodes) await removeSandbox(n.sb);
  if (data) await rm(data, { recursive: true, force: true });
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
      "pairboot-nfsd",
    ]);
    // After the IP: the real tickle resource (recording) and the monitor, running on A only.
    await waitFor("node A's monitor to start", 10_000, async () =>
      (await log(a, "syslog-standin")).includes(`-t ${MONITOR_NAME} -p daemon.warning -- started:`),
    );
    expect(await log(b, "syslog-standin")).not.toMatch(/pairboot-(tickle|monitor)/);
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

  it("node A records the service IP's NFS client connections (port 2049 only) on the replicated filesystem", async () => {
    const nfs = await connectClient(2049);
    const other = await connectClient(2050);
    const line = `${vip().split("/")[0]}:2049\t${nfs.local}`;
    await waitFor("the connection in the record", 10_000, async () => (await record()).includes(line));
    expect(await record()).not.toContain(other.local);
  });

  let tickled: Client | undefined;
  let control: Client | undefined;
  let ipUpOnB = 0;

  it("node B takes over within deadtime + margin when node A dies", async () => {
    const [a, b] = nodes as [Node, Node];
    [tickled, control] = clients.slice(-2) as [Client, Client];
    const t0 = Date.now();
    // Power cut: node A's cables go quiet first (a dead machine sends no FIN), then all its processes die.
    await ip(["-n", a.ns, "link", "set", bond(), "down"]);
    await ip(["-n", a.ns, "link", "set", repl(), "down"]);
    a.proc?.kill("SIGKILL");
    await killAll(a.ns);
    let secs: number;
    try {
      ipUpOnB = await vipUpAt(b, spec.heartbeat.deadtime + 30_000);
      secs = ipUpOnB - t0 / 1000;
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

  it("the recorded client is reset within 2 s of the service IP coming up on B (tickle ACKs), an unrecorded one only by its own retransmission", async () => {
    const [, b] = nodes as [Node, Node];
    if (!tickled || !control) throw new Error("no clients from the earlier tests");
    const with_ = await waitEnded(tickled, 10_000);
    const without = await waitEnded(control, 20_000);
    const fmt = (t: number | undefined) =>
      t === undefined ? "none within 20 s" : `${(t - ipUpOnB).toFixed(2)} s`;
    console.log(
      `client reset after ${vip()} came up on B: with tickle ${fmt(with_)}, without (port 2050, not recorded) ${fmt(without)}`,
    );
    expect(with_, await diagnostics()).toBeDefined();
    expect((with_ as number) - ipUpOnB).toBeLessThan(2);
    // tickle_tcp's log line comes after the ACKs it sent, so it may trail the reset by a moment.
    await waitFor("pairboot-tickle's log line", 5_000, async () =>
      /-t pairboot-tickle -- sent 3 tickle ACKs to each of the 1 client connection\(s\) of \S+ recorded by the previous owner/.test(
        await log(b, "syslog-standin"),
      ),
    );
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
    startNode(a);
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

  it("nfsd dies on the active node: pairboot-monitor restarts it there, logs it and records it", async () => {
    const [a, b] = nodes as [Node, Node];
    const sysBefore = (await log(b, "syslog-standin")).length;
    const listener = await pidsIn(b.ns, "standin-nfsd.py");
    expect(listener).toHaveLength(1);
    const t0 = Date.now();
    process.kill(listener[0] as number, "SIGKILL");
    try {
      await waitFor("the monitor to report recovery", 15_000, async () =>
        (await log(b, "syslog-standin")).slice(sysBefore).includes("recovered: all checks pass again"),
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
    }
    console.log(
      `monitor: nfsd back on ${b.spec.name} ${((Date.now() - t0) / 1000).toFixed(1)} s after it was killed`,
    );
    const sys = (await log(b, "syslog-standin")).slice(sysBefore);
    expect(sys).toContain(
      `-t ${MONITOR_NAME} -p daemon.warning -- restore 1 of ${TEST_MONITOR.restores} (window ${TEST_MONITOR.windowS} s): failed: nfsd; steps: nfsd exports`,
    );
    expect(await nfsdListening(b)).toBe(true);
    const state = await readFile(join(b.sb.upper, MONITOR_STATE.slice(1)), "utf8");
    expect(state).toMatch(/^monitor=running$/m);
    expect(state).toMatch(/^last=\d+ recovered$/m);
    expect(monitorLine(parseMonitorState(state), true)).toMatchObject({
      health: "ok",
      summary: expect.stringMatching(/^watching .* every 1 s; last action .*: recovered$/),
    });
    expect(await holdsVip(b)).toBe(true);
    expect(await holdsVip(a)).toBe(false);
  });

  it("nfsd cannot be restarted: after the bounded restores the service moves to the peer (hb_standby), and the state file says why", async () => {
    const [a, b] = nodes as [Node, Node];
    const sysBefore = (await log(b, "syslog-standin")).length;
    await mkdir(join(data, brokenNfsdMarker(b.spec.name), ".."), { recursive: true });
    await writeFile(join(data, brokenNfsdMarker(b.spec.name)), "");
    const t0 = Date.now();
    process.kill((await pidsIn(b.ns, "standin-nfsd.py"))[0] as number, "SIGKILL");
    let upOnA: number;
    try {
      upOnA = await vipUpAt(a, 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
    }
    console.log(
      `monitor: ${a.spec.name} held ${vip()} ${(upOnA - t0 / 1000).toFixed(1)} s after nfsd was killed for good on ${b.spec.name}`,
    );
    const sys = (await log(b, "syslog-standin")).slice(sysBefore);
    for (let i = 1; i <= TEST_MONITOR.restores; i++)
      expect(sys).toContain(`-- restore ${i} of ${TEST_MONITOR.restores} `);
    expect(sys).toMatch(
      new RegExp(
        `-- failover: failed: nfsd after ${TEST_MONITOR.restores} restore\\(s\\) in \\d+ s: handing the service to the peer \\(hb_standby\\)`,
      ),
    );
    expect(await log(b, "ha-log")).toMatch(/Going standby \[all\]/);
    expect(await holdsVip(b)).toBe(false);
    const state = await readFile(join(b.sb.upper, MONITOR_STATE.slice(1)), "utf8");
    expect(state).toMatch(/^monitor=stopped$/m);
    expect(state).toMatch(/^last=\d+ failover failed: nfsd after 2 restore\(s\)$/m);
    expect(monitorLine(parseMonitorState(state), false).summary).toMatch(
      /^stopped .*; last action .*: failover failed: nfsd after 2 restore\(s\)$/,
    );
  });

  it("a planned switchover (hb_standby on the active node) takes the same path: the new owner resets the recorded client within 2 s of its IP", async () => {
    const [a, b] = nodes as [Node, Node];
    await rm(join(data, brokenNfsdMarker(b.spec.name)));
    const client = await connectClient(2049);
    const line = `${vip().split("/")[0]}:2049\t${client.local}`;
    await waitFor("A to record the client", 10_000, async () => (await record()).includes(line));
    let t0 = 0;
    let upOnB: number;
    try {
      // heartbeat 3.0.6 must have finished the previous hand-over on both sides: a standby request sent
      // between A's "Standby resource acquisition done" and its "remote resource transition completed" is
      // ignored by A ("Other side is in flux") and leaves B ignoring every later one for an hour ("Standby
      // in progress- new request from node-a ignored [3595 seconds left]").
      await waitFor("A to finish the previous hand-over", 15_000, async () => {
        const l = await log(a, "ha-log");
        const after = l.split("Standby resource acquisition done").at(-1) ?? "";
        return after !== l && after.includes("remote resource transition completed");
      });
      // Both sides settled as heartbeat itself reports it (what pairboot-monitor waits for too): A holds
      // all, B none, neither in transition.
      await waitFor("A to hold all resources and B none (cl_status rscstatus)", 30_000, async () => {
        const [ra, rb] = await Promise.all([
          onNode(a, ["cl_status", "rscstatus"]),
          onNode(b, ["cl_status", "rscstatus"]),
        ]);
        return ra.stdout.trim() === "all" && rb.stdout.trim() === "none";
      });
      t0 = Date.now();
      expect((await onNode(a, ["/usr/share/heartbeat/hb_standby", "all"])).exitCode).toBe(0);
      try {
        upOnB = await vipUpAt(b, 20_000);
      } catch {
        // Heartbeat 3.0.6 drops a standby request now and then on a loaded host (neither side logs it);
        // an admin asks again, and so does this test, once, saying so.
        console.log("switchover: the first hb_standby was dropped by heartbeat; asking once more");
        expect((await onNode(a, ["/usr/share/heartbeat/hb_standby", "all"])).exitCode).toBe(0);
        upOnB = await vipUpAt(b, 20_000);
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await diagnostics()}`);
    }
    const ended = await waitEnded(client, 5_000);
    console.log(
      `switchover: ${b.spec.name} held ${vip()} ${(upOnB - t0 / 1000).toFixed(1)} s after hb_standby on ${a.spec.name}; client reset ${ended === undefined ? "never" : `${(ended - upOnB).toFixed(2)} s`} after that`,
    );
    expect(ended, await diagnostics()).toBeDefined();
    expect((ended as number) - upOnB).toBeLessThan(2);
    expect(await holdsVip(a)).toBe(false);
  });

  it("pairboot-tickle and pairboot-monitor are idempotent as heartbeat needs: start when running, stop when stopped, status", async () => {
    const [, b] = nodes as [Node, Node];
    for (const name of ["pairboot-tickle", MONITOR_NAME]) {
      const script = `/etc/ha.d/resource.d/${name}`;
      const seen: string[] = [];
      const run = async (op: string) => {
        const r = await onNode(b, [script, op]);
        seen.push(`${op} rc=${r.exitCode} ${r.stdout}`.trim());
      };
      const loops = async () => seen.push(`loops ${(await pidsIn(b.ns, `${name} run`)).length}`);
      await run("status");
      await run("start");
      await loops();
      await run("stop");
      await run("stop");
      await run("status");
      await loops();
      await run("start");
      await run("status");
      await loops();
      expect(seen, name).toEqual([
        "status rc=0 running",
        "start rc=0",
        "loops 1",
        "stop rc=0",
        "stop rc=0",
        "status rc=3 stopped",
        "loops 0",
        "start rc=0",
        "status rc=0 running",
        "loops 1",
      ]);
    }
  });
});
