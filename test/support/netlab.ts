// A private network for test VMs: one network namespace holding bridges (the "switches") and tap
// devices (the "cables" to the VMs' NICs). QEMU runs inside the namespace (see qemu.ts), so no
// frame ever reaches the host's own interfaces, and device names only need to be unique inside
// the lab. Deleting the namespace deletes every bridge and tap in it.
//
//   const lab = await createLab("ha");                 // namespace pb-ha-<pid>
//   await lab.addBridge("lan-sw1");
//   await lab.addTap("a-lan0", "lan-sw1");
//   await lab.addAddress("lan-sw1", "192.168.42.254/24"); // the host side joins the LAN
//   await lab.exec(["ping", "-c1", "192.168.42.1"]);
//   await lab.destroy();                                  // always, in afterAll/finally
import { execa } from "execa";

export interface Lab {
  /** Name of the network namespace; pass it to startVm({ netns }). */
  readonly netns: string;
  addBridge(name: string): Promise<void>;
  /** Creates a tap device inside the lab and plugs it into `bridge` (already added). */
  addTap(name: string, bridge: string): Promise<void>;
  /** Gives the lab side an address on a bridge, e.g. to act as the LAN's gateway. */
  addAddress(bridge: string, cidr: string): Promise<void>;
  /** Unplugs (false) or replugs (true) a tap at the switch: the guest sees its carrier go. */
  setTap(name: string, up: boolean): Promise<void>;
  /** Runs a command inside the namespace. */
  exec(
    cmd: string[],
    opts?: { timeoutMs?: number; reject?: boolean },
  ): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  /** Deletes the namespace and everything in it. Safe to call twice. */
  destroy(): Promise<void>;
}

const IFNAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const PREFIX = "pb-";

async function ip(args: string[]): Promise<void> {
  await execa("ip", args, { timeout: 20_000 });
}

export async function createLab(name: string): Promise<Lab> {
  if (!/^[a-z0-9-]{1,24}$/.test(name)) throw new Error(`lab name must be [a-z0-9-]{1,24}: ${name}`);
  const netns = `${PREFIX}${name}-${process.pid}`;
  await ip(["netns", "add", netns]);
  let destroyed = false;
  const bridges = new Set<string>();
  const taps = new Set<string>();
  const inNs = (args: string[]) => ip(["-n", netns, ...args]);
  const checkName = (n: string) => {
    if (!IFNAME.test(n)) throw new Error(`interface name must be 1-15 characters [A-Za-z0-9_.-]: ${n}`);
  };

  try {
    await inNs(["link", "set", "lo", "up"]);
  } catch (e) {
    await ip(["netns", "del", netns]).catch(() => undefined);
    throw e;
  }

  const lab: Lab = {
    netns,
    async addBridge(br) {
      checkName(br);
      // No STP and no forwarding delay: a port forwards the moment it comes up, as a dumb switch.
      await inNs(["link", "add", br, "type", "bridge", "stp_state", "0", "forward_delay", "0"]);
      await inNs(["link", "set", br, "up"]);
      bridges.add(br);
    },
    async addTap(tap, br) {
      checkName(tap);
      if (!bridges.has(br)) throw new Error(`no bridge ${br} in lab ${netns}`);
      await inNs(["tuntap", "add", "dev", tap, "mode", "tap"]);
      taps.add(tap);
      await inNs(["link", "set", tap, "master", br]);
      await inNs(["link", "set", tap, "up"]);
    },
    async addAddress(br, cidr) {
      if (!bridges.has(br)) throw new Error(`no bridge ${br} in lab ${netns}`);
      await inNs(["addr", "add", cidr, "dev", br]);
    },
    async setTap(tap, up) {
      if (!taps.has(tap)) throw new Error(`no tap ${tap} in lab ${netns}`);
      await inNs(["link", "set", tap, up ? "up" : "down"]);
    },
    async exec(cmd, opts = {}) {
      const r = await execa("ip", ["netns", "exec", netns, ...cmd], {
        timeout: opts.timeoutMs ?? 60_000,
        reject: opts.reject ?? true,
      });
      return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      // Taps held open by a QEMU that still runs would keep the namespace alive: delete the
      // devices explicitly, then the namespace.
      for (const t of taps) await inNs(["link", "del", t]).catch(() => undefined);
      for (const b of bridges) await inNs(["link", "del", b]).catch(() => undefined);
      await ip(["netns", "del", netns]).catch(() => undefined);
    },
  };
  return lab;
}

/**
 * Deletes lab namespaces (pb-NAME-PID) whose creating process is gone and that hold no process:
 * leftovers of killed runs. Not called automatically: a pid seen from another pid namespace
 * would look dead. Call it by hand (`npx tsx -e ...`) when you know no one else runs labs.
 */
export async function reapStaleLabs(): Promise<string[]> {
  const { stdout } = await execa("ip", ["netns", "list"], { reject: false });
  const reaped: string[] = [];
  for (const line of String(stdout ?? "").split("\n")) {
    const ns = line.split(" ")[0] ?? "";
    const m = /^pb-[a-z0-9-]+-(\d+)$/.exec(ns);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    const pids = await execa("ip", ["netns", "pids", ns], { reject: false });
    if (String(pids.stdout ?? "").trim() !== "") continue;
    await ip(["netns", "del", ns]).catch(() => undefined);
    reaped.push(ns);
  }
  return reaped;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
