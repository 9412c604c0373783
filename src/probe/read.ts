// The only code that reads hardware: runs lsblk, blkid and findmnt and reads sysfs/procfs into a
// RawHardware record. Interpretation lives in parse.ts.
import { readdir, readFile, readlink, realpath } from "node:fs/promises";
import { hostname } from "node:os";
import { run, runChecked } from "../util/exec.js";
import type { RawDmi, RawHardware, RawLoop, RawNic } from "./raw.js";
import { LIVE_MEDIUM_MOUNTPOINT, parseLsblk, type LsblkNode } from "./parse.js";

export interface ProbeOptions {
  /** List loop devices as disks too: for tests and development on loop devices, never on a real install. */
  includeLoop?: boolean;
}

// A hung USB device can block blkid or lsblk; a probe that never returns is worse than one that fails.
const TOOL_TIMEOUT_MS = 15_000;

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

async function listDir(path: string): Promise<string[] | null> {
  try {
    return (await readdir(path)).sort();
  } catch {
    return null;
  }
}

async function findmntSource(mountpoint: string): Promise<string | null> {
  // Exit status 1 means "nothing mounted there", the normal case for /run/live/medium on an installed host.
  const r = await run(["findmnt", "-n", "-o", "SOURCE", "--", mountpoint], { timeoutMs: TOOL_TIMEOUT_MS });
  return r.exitCode === 0 ? r.stdout : null;
}

export async function readByIdLinks(): Promise<RawHardware["byId"]> {
  const dir = "/dev/disk/by-id";
  const names = await listDir(dir);
  if (names === null) return null;
  const links: { link: string; target: string }[] = [];
  for (const name of names) {
    try {
      links.push({ link: `${dir}/${name}`, target: await realpath(`${dir}/${name}`) });
    } catch {
      // A dangling link (device gone since udev wrote it) names nothing.
    }
  }
  return links;
}

async function readHolders(tree: LsblkNode[]): Promise<Record<string, string[]>> {
  const holders: Record<string, string[]> = {};
  for (const top of tree) {
    for (const node of [top, ...top.children.filter((c) => c.type === "part")]) {
      const dir =
        node === top ? `/sys/block/${node.name}/holders` : `/sys/block/${top.name}/${node.name}/holders`;
      const entries = await listDir(dir);
      if (entries && entries.length > 0) holders[node.name] = entries;
    }
  }
  return holders;
}

async function readLoops(tree: LsblkNode[]): Promise<RawLoop[]> {
  const loops: RawLoop[] = [];
  for (const node of tree.filter((n) => n.type === "loop")) {
    const dir = `/sys/block/${node.kname}/loop`;
    const backing = (await readText(`${dir}/backing_file`))?.trim();
    loops.push({
      name: node.name,
      backingFile: backing ? backing : null,
      offset: Number((await readText(`${dir}/offset`))?.trim() ?? 0) || 0,
      sizeLimit: Number((await readText(`${dir}/sizelimit`))?.trim() ?? 0) || 0,
    });
  }
  return loops;
}

async function readBlkid(tree: LsblkNode[], includeLoop: boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const devices = tree
    .filter((t) => t.type === "disk" || (includeLoop && t.type === "loop"))
    .filter((t) => t.size > 0 && !/^(zram|ram)\d+$/.test(t.name))
    .flatMap((t) => [t, ...t.children.filter((c) => c.type === "part")]);
  for (const dev of devices) {
    // -p probes the device itself (no cache); exit status 2 means no signature was found.
    const r = await run(["blkid", "-p", "-o", "export", "--", dev.path], { timeoutMs: TOOL_TIMEOUT_MS });
    out[dev.path] = r.exitCode === 0 ? r.stdout : "";
  }
  return out;
}

async function readNic(name: string): Promise<RawNic> {
  const base = `/sys/class/net/${name}`;
  let driverLink: string | null = null;
  try {
    driverLink = await readlink(`${base}/device/driver`);
  } catch {
    driverLink = null;
  }
  const hasDevice = (await listDir(`${base}/device`)) !== null;
  return {
    name,
    address: await readText(`${base}/address`),
    hasDevice,
    driverLink,
    carrier: await readText(`${base}/carrier`),
    speed: await readText(`${base}/speed`),
    operstate: (await readText(`${base}/operstate`))?.trim() ?? null,
  };
}

async function readDmi(): Promise<RawDmi> {
  let si: RawDmi["si"] = null;
  try {
    const { default: systeminformation } = await import("systeminformation");
    const s = await systeminformation.system();
    si = { manufacturer: s.manufacturer, model: s.model, serial: s.serial, uuid: s.uuid };
  } catch {
    si = null;
  }
  const sysfs: Record<string, string | null> = {};
  for (const f of ["sys_vendor", "product_name", "product_serial", "product_uuid"]) {
    sysfs[f] = (await readText(`/sys/class/dmi/id/${f}`))?.trim() ?? null;
  }
  return { si, sysfs };
}

/** Read everything the probe needs from this machine. */
export async function readRawHardware(options: ProbeOptions = {}): Promise<RawHardware> {
  const includeLoop = options.includeLoop ?? false;
  const lsblk = await runChecked(["lsblk", "--json", "-b", "-O"], { timeoutMs: TOOL_TIMEOUT_MS });
  const lsblkJson: unknown = JSON.parse(lsblk.stdout);
  const tree = parseLsblk(lsblkJson);
  const nicNames = (await listDir("/sys/class/net")) ?? [];
  return {
    rawSchema: 1,
    includeLoop,
    lsblk: lsblkJson,
    blkid: await readBlkid(tree, includeLoop),
    swaps: (await readText("/proc/swaps")) ?? "",
    byId: await readByIdLinks(),
    holders: await readHolders(tree),
    loops: await readLoops(tree),
    liveMediumSource: await findmntSource(LIVE_MEDIUM_MOUNTPOINT),
    rootSource: await findmntSource("/"),
    nics: await Promise.all(nicNames.map(readNic)),
    dmi: await readDmi(),
    hostname: hostname(),
    cmdline: (await readText("/proc/cmdline")) ?? "",
  };
}
