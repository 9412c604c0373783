// Reads the live state of an installed node. The only side effects of `pairboot status` live here.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../answer/schema.js";
import { readBootSecurity } from "../probe/secureboot.js";
import { run } from "../util/exec.js";
import { parseBonding, parseChronyTracking, parseNodeStatus, parseProcDrbd } from "./parse.js";
import type { Observations } from "./report.js";
import { parseKernelDrbd } from "./splitbrain.js";
import { observeFencing } from "./fencing.js";
import { observeMonitor } from "./monitor.js";
import { answersTcp, NFS_PORT } from "./probe.js";

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

async function output(cmd: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  const r = await run([cmd, ...args], { timeoutMs: 10_000 });
  return { ok: r.exitCode === 0, out: r.stdout };
}

export async function loadInstalledSpec(answerPath: string): Promise<ClusterSpec> {
  const text = await readText(answerPath);
  if (text === null) throw new Error(`${answerPath} is missing: is this an installed pairboot node?`);
  return ClusterSpecSchema.parse(parseYaml(text));
}

export async function collect(spec: ClusterSpec, nodeName: string): Promise<Observations> {
  const peer = spec.nodes.find((n) => n.name !== nodeName)?.name ?? "peer";
  const minor = Number(/\d+$/.exec(spec.drbd.device)?.[0] ?? 0);
  const drbd = parseProcDrbd((await readText("/proc/drbd")) ?? "");
  const hbRunning = await output("cl_status", ["hbstatus"]);
  const peerStatus = hbRunning.ok
    ? parseNodeStatus((await output("cl_status", ["nodestatus", peer])).out)
    : "unknown";
  const resources = hbRunning.ok ? (await output("cl_status", ["rscstatus"])).out.trim() : "none";
  const bondText = await readText(`/proc/net/bonding/${spec.network.bond.name}`);
  const serviceIp = spec.service.ip.split("/")[0] as string;
  const addrs = (await output("ip", ["-o", "-4", "addr", "show"])).out;
  const mounts = (await readText("/proc/mounts")) ?? "";
  const nfsActive = (await output("systemctl", ["is-active", "nfs-server"])).out.trim() === "active";
  const tracking = await output("chronyc", ["-c", "tracking"]);
  // The kernel's DRBD messages of every boot the journal keeps: a split brain found before a reboot
  // still stands until the resource is Connected again.
  const kernelLog = await output("journalctl", ["-k", "-o", "short-iso", "--no-pager", "-n", "20000"]);
  const holdsServiceIp = addrs.includes(` ${serviceIp}/`);
  return {
    node: nodeName,
    peer,
    drbd: {
      resource: spec.drbd.resource,
      minor,
      state: drbd.resources.find((r) => r.minor === minor) ?? null,
      kernel: parseKernelDrbd(kernelLog.out, minor, spec.drbd.resource),
    },
    heartbeat: { running: hbRunning.ok, peerStatus, resources },
    bond: {
      name: spec.network.bond.name,
      slaves: spec.network.bond.slaves,
      state: bondText ? parseBonding(bondText) : null,
    },
    nfs: {
      holdsServiceIp,
      serviceIp,
      serverActive: nfsActive,
      dataMounted: mounts.split("\n").some((l) => l.split(" ")[1] === spec.storage.data_mount),
      dataMount: spec.storage.data_mount,
    },
    // Only the passive node asks: the active one sees its own service directly.
    serviceAnswers: holdsServiceIp ? null : await answersTcp(serviceIp, NFS_PORT, 2000),
    time: tracking.ok ? parseChronyTracking(tracking.out) : null,
    boot: await readBootSecurity(),
    fencing: await observeFencing(spec, nodeName),
    monitor: await observeMonitor(),
  };
}

export const ANSWER_PATH = "/etc/pairboot/answer.yaml";
export const NODE_FILE = "/etc/pairboot/node";

/** This installed node's answer and name, or an error saying why this is not an installed node. */
export async function loadInstalledNode(
  answerPath = ANSWER_PATH,
): Promise<{ spec: ClusterSpec; node: string }> {
  const spec = await loadInstalledSpec(answerPath);
  const node = ((await readText(NODE_FILE)) ?? "").trim();
  if (!node) throw new Error(`${NODE_FILE} is missing: this runs on an installed pairboot node`);
  return { spec, node };
}
