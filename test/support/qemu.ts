// QEMU virtual machines for system tests.
//
// API
// ---
//   const vm = await startVm({
//     name: "node-a",                       // used for log file names
//     disk: "/tmp/t/a.raw",                 // or disks: [{ path, format, interface, serial, bootIndex }]
//     firmware: "bios",                     // "bios" (SeaBIOS) | "uefi" (OVMF, own copy of OVMF_VARS)
//                                           // | "uefi-secure" (OVMF with Secure Boot enforced, see below)
//     memoryMiB: 1024,
//     nics: [{ mac: "52:54:00:00:0a:01", tap: "a-lan0" }, ...],   // taps made by netlab.ts
//     netns: lab.netns,                     // QEMU runs inside the lab's network namespace
//     logDir: "/tmp/t/logs",
//     kernel, initrd, append,               // optional direct kernel boot; omit them to boot
//   });                                     // through the firmware and the disk's boot loader
//   // test disks: images.ts consoleAutologin() gives a root shell without a serial-getty;
//   // add init_on_alloc=0 to test kernels' command lines (Debian zeroes every allocated page,
//   // slow under TCG: boot to shell 154 s -> 104 s at load 11 here)
//   await vm.console.shell({ timeoutMs: 480_000, user: "root", password: "x" }); // shell ready
//   const { out, rc } = await vm.console.run("uname -r");   // one line, output + exit code
//   await vm.console.waitFor(/reached target/i, 60_000);    // raw transcript matching
//   await vm.setLink(1, false);             // pull the cable of nics[1] (or by id "net1")
//   await vm.monitor("info network");       // any HMP command, returns its text
//   await vm.powerOff();                    // SIGKILL = power cut (raw images stay consistent)
//   await vm.shutdown();                    // ACPI power button, then console poweroff, then kill
//   await vm.cleanup();                     // always (afterAll/finally): kill if still running
//
// Details
// - Accelerator: TCG unless PAIRBOOT_QEMU_ACCEL=kvm (or opts.accel). KVM does not work on this
//   host (checked: -cpu host aborts on MSR 0x10a, -cpu qemu64 hangs before the first kernel
//   line). Under TCG a guest reaches its shell in ~30 s on an idle host, 3-5 min when the two
//   cores are shared by many jobs (measured at load 10-14): give shell() generous timeouts.
// - Machine: q35, one vCPU ("-cpu max" under TCG), -nodefaults (no surprise NICs or VGA).
//   The guest sees virtio disks (/dev/vdX) unless a disk says interface "sata" (ATA model
//   "QEMU HARDDISK", /dev/sdX), "scsi" (virtio-scsi, also "QEMU HARDDISK"), "usb" (removable
//   usb-storage, e.g. the live stick), "nvme" (one controller each, /dev/nvme0n1; serial required)
//   or "cdrom". NICs are virtio-net-pci; netdev ids are
//   net0, net1, ... in the order of `nics`.
// - QEMU starts paused (-S); the harness connects the serial console and QMP first, then
//   resumes, so not a byte of boot output is lost. Every console is drained continuously.
// - "uefi-secure": OVMF_CODE_4M.secboot.fd (Secure Boot enforced; it needs SMM, so the machine is
//   q35,smm=on and the flash is SMM-protected) with a private copy of OVMF_VARS_4M.ms.fd: Debian's PK and
//   KEK, Microsoft's KEK and db (the UEFI CA 2011 that signs shim), Secure Boot on. Only signed binaries
//   start: OVMF says "Access Denied" on the console for anything else (test/system/secureboot.test.ts).
// - Files in logDir: NAME-serial.log (raw console transcript, appended across restarts),
//   NAME-qemu.log (command line + QEMU's stderr), NAME-commands.log (what run() sent),
//   NAME-OVMF_VARS.fd (UEFI NVRAM, unless opts.uefiVars names a file to keep across boots).
// - A human can attach while a test runs: `socat -,raw,echo=0 UNIX:<vm.sockets.serial>` for the
//   console, `socat - UNIX:<vm.sockets.hmp>` for the HMP monitor.
// - Disks: raw images use cache=unsafe (QEMU keeps nothing of its own; the host page cache
//   survives a QEMU kill, so a power cut is like a real one). qcow2 uses writeback.
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, openSync, closeSync, writeSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { SerialConsole } from "./serial.js";

export type Firmware = "bios" | "uefi" | "uefi-secure";

export type DiskInterface = "virtio" | "sata" | "scsi" | "usb" | "cdrom" | "nvme";

export interface DiskSpec {
  path: string;
  format?: "raw" | "qcow2";
  interface?: DiskInterface;
  /** Serial number the guest sees (lsblk SERIAL, /dev/disk/by-id). */
  serial?: string;
  /** Firmware boot order; lower boots first. */
  bootIndex?: number;
  readOnly?: boolean;
}

export interface NicSpec {
  mac: string;
  /** Tap device inside opts.netns (see netlab.ts). */
  tap: string;
  model?: "virtio-net-pci" | "e1000";
  bootIndex?: number;
}

export interface VmOptions {
  name: string;
  /** Shorthand for disks: [{ path: disk, format }]. */
  disk?: string;
  format?: "raw" | "qcow2";
  disks?: DiskSpec[];
  firmware?: Firmware;
  /** UEFI NVRAM file kept across starts; created from the firmware's OVMF_VARS template if missing. */
  uefiVars?: string;
  memoryMiB?: number;
  cpus?: number;
  nics?: NicSpec[];
  kernel?: string;
  initrd?: string;
  append?: string;
  /** Network namespace to run in (required when nics are given). */
  netns?: string;
  logDir: string;
  accel?: "tcg" | "kvm";
  /** Exit instead of rebooting when the guest reboots. */
  noReboot?: boolean;
  /** 9p shares: in the guest `mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt`. */
  shares?: { path: string; tag: string; readOnly?: boolean }[];
  extraArgs?: string[];
}

export interface VmExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** OVMF's code and NVRAM template for each UEFI firmware (Debian's ovmf package; 4M: trixie has no other). */
const OVMF: Record<Exclude<Firmware, "bios">, { code: string; vars: string }> = {
  uefi: { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" },
  "uefi-secure": {
    code: "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
    vars: "/usr/share/OVMF/OVMF_VARS_4M.ms.fd",
  },
};

// Every QEMU this process started; killed when the process exits or is interrupted, whatever
// the test did (the QEMUs run in their own process groups, so a ^C would not reach them).
const live = new Map<number, string>();
function killAll(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    killAll();
    process.kill(process.pid, sig); // the listener is gone now: the default action ends us
  });
}

/** Minimal QMP client: one request at a time is all tests need, events are recorded. */
class Qmp {
  private sock!: net.Socket;
  private buf = "";
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly events: { event: string; at: number; data?: unknown }[] = [];

  async connect(file: string, deadline: number, alive: () => boolean): Promise<void> {
    for (;;) {
      try {
        this.sock = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(file);
          s.once("connect", () => resolve(s));
          s.once("error", reject);
        });
        break;
      } catch (e) {
        if (!alive() || Date.now() > deadline) throw new Error(`QMP socket ${file}: ${String(e)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const greeted = new Promise<void>((resolve) => {
      this.sock.setEncoding("utf8");
      let first = true;
      this.sock.on("data", (chunk: string) => {
        this.buf += chunk;
        let nl: number;
        while ((nl = this.buf.indexOf("\n")) >= 0) {
          const line = this.buf.slice(0, nl).trim();
          this.buf = this.buf.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line) as {
            QMP?: unknown;
            id?: number;
            return?: unknown;
            error?: { desc: string };
            event?: string;
            data?: unknown;
          };
          if (first && msg.QMP) {
            first = false;
            resolve();
          } else if (msg.event) {
            this.events.push({ event: msg.event, at: Date.now(), data: msg.data });
          } else if (msg.id !== undefined) {
            const p = this.pending.get(msg.id);
            this.pending.delete(msg.id);
            if (msg.error) p?.reject(new Error(`QMP: ${msg.error.desc}`));
            else p?.resolve(msg.return);
          }
        }
      });
    });
    this.sock.on("error", () => undefined);
    this.sock.on("close", () => {
      for (const p of this.pending.values()) p.reject(new Error("QMP connection closed (QEMU exited?)"));
      this.pending.clear();
    });
    await greeted;
    await this.execute("qmp_capabilities");
  }

  execute(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.sock.write(JSON.stringify({ execute: cmd, ...(args ? { arguments: args } : {}), id }) + "\n");
    });
  }

  close(): void {
    this.sock?.destroy();
  }
}

export class Vm {
  readonly console: SerialConsole;
  /** When QEMU was started (Date.now()); boot times are measured from here. */
  readonly startedAt = Date.now();
  readonly exited: Promise<VmExit>;
  private exitInfo: VmExit | undefined;

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly pid: number,
    private readonly qmp: Qmp,
    readonly sockets: { serial: string; qmp: string; hmp: string; dir: string },
    readonly logs: { serial: string; qemu: string; commands: string },
    readonly nicIds: string[],
    console: SerialConsole,
  ) {
    this.console = console;
    this.exited = new Promise((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => {
        this.exitInfo = { code, signal };
        live.delete(pid);
        resolve(this.exitInfo);
      };
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once("exit", done);
    });
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** QMP events seen so far (SHUTDOWN, RESET, POWERDOWN, NIC_RX_FILTER_CHANGED, ...). */
  get events() {
    return this.qmp.events;
  }

  /** Any QMP command. */
  qmpCommand(cmd: string, args?: Record<string, unknown>): Promise<unknown> {
    return this.qmp.execute(cmd, args);
  }

  /** Any HMP (human monitor) command, e.g. "info network"; returns its output. */
  async monitor(cmd: string): Promise<string> {
    const r = await this.qmp.execute("human-monitor-command", { "command-line": cmd });
    return String(r ?? "");
  }

  /** Cable in (true) or out (false) for NIC `nic` (index into opts.nics, or netdev id "netN"). */
  async setLink(nic: number | string, up: boolean): Promise<void> {
    const id = typeof nic === "number" ? this.nicIds[nic] : nic;
    if (id === undefined || !this.nicIds.includes(id))
      throw new Error(`${this.name}: no NIC ${nic} (have ${this.nicIds.join(", ")})`);
    await this.qmp.execute("set_link", { name: id, up });
  }

  /** Power cut: SIGKILL to QEMU's PID, resolves when it is gone. */
  async powerOff(): Promise<VmExit> {
    if (this.running) {
      try {
        process.kill(this.pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    const r = await this.exited;
    this.closeChannels();
    return r;
  }

  /**
   * Clean shutdown: ACPI power button, then `poweroff` typed on the console (a shell must be
   * there), then a power cut. Resolves with how it ended.
   */
  async shutdown(timeoutMs = 90_000): Promise<"acpi" | "console" | "killed" | "already-off"> {
    if (!this.running) return "already-off";
    const gone = (ms: number) =>
      Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), ms)),
      ]);
    await this.qmp.execute("system_powerdown").catch(() => undefined);
    if (await gone(timeoutMs / 2)) return this.closed("acpi");
    try {
      this.console.write("\npoweroff\n");
    } catch {
      // console gone
    }
    if (await gone(timeoutMs / 2)) return this.closed("console");
    await this.powerOff();
    return "killed";
  }

  /** Waits for QEMU to exit on its own (e.g. the guest powered off with noReboot). */
  async waitExit(timeoutMs: number): Promise<VmExit> {
    const t = new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error(`${this.name}: still running after ${timeoutMs} ms`)), timeoutMs),
    );
    return Promise.race([this.exited, t]);
  }

  /** Always safe: kills QEMU if it still runs, closes sockets, removes the socket directory. */
  async cleanup(): Promise<void> {
    await this.powerOff();
    await rm(this.sockets.dir, { recursive: true, force: true });
  }

  private closed<T>(how: T): T {
    this.closeChannels();
    return how;
  }

  private closeChannels(): void {
    this.console.close();
    this.qmp.close();
  }
}

function accelFromEnv(): "tcg" | "kvm" {
  return process.env.PAIRBOOT_QEMU_ACCEL === "kvm" ? "kvm" : "tcg";
}

/** The QEMU command line for opts (sockets and logs given); exported for tests and debugging. */
export function qemuArgs(
  opts: VmOptions,
  s: { serial: string; qmp: string; hmp: string; serialLog: string; uefiVars?: string },
): string[] {
  const accel = opts.accel ?? accelFromEnv();
  const firmware = opts.firmware ?? "bios";
  const a: string[] = [
    "-name",
    opts.name,
    "-machine",
    // The Secure Boot build of OVMF keeps its variables behind SMM and stops if the machine has none.
    firmware === "uefi-secure" ? "q35,smm=on" : "q35",
    "-accel",
    accel,
    "-cpu",
    // max: every feature TCG can emulate. Not "max,svm=off": with it these guests read a mangled
    // /proc/self/mountinfo and systemd fails its API mounts with result 'protocol' (seen in
    // vm-harness and lab logs); tests that pass their own -cpu in extraArgs win (QEMU takes the last).
    accel === "kvm" ? "host" : "max",
    "-smp",
    String(opts.cpus ?? 1),
    "-m",
    String(opts.memoryMiB ?? 1024),
    "-nodefaults",
    "-no-user-config",
    "-display",
    "none",
    "-S",
    "-chardev",
    `socket,id=ser0,path=${s.serial},server=on,wait=off,logfile=${s.serialLog},logappend=on`,
    "-serial",
    "chardev:ser0",
    "-chardev",
    `socket,id=qmp0,path=${s.qmp},server=on,wait=off`,
    "-mon",
    "chardev=qmp0,mode=control",
    "-chardev",
    `socket,id=hmp0,path=${s.hmp},server=on,wait=off`,
    "-mon",
    "chardev=hmp0,mode=readline",
  ];
  if (opts.noReboot) a.push("-no-reboot");
  if (firmware !== "bios") {
    if (!s.uefiVars) throw new Error(`${firmware} needs a vars file`);
    // Only SMM code may write the flash: the guest OS cannot change the Secure Boot variables behind it.
    if (firmware === "uefi-secure") a.push("-global", "driver=cfi.pflash01,property=secure,value=on");
    a.push("-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF[firmware].code}`);
    a.push("-drive", `if=pflash,format=raw,unit=1,file=${s.uefiVars}`);
  }
  if (opts.kernel) a.push("-kernel", opts.kernel);
  if (opts.initrd) a.push("-initrd", opts.initrd);
  if (opts.append !== undefined) a.push("-append", opts.append);

  const disks: DiskSpec[] = [
    ...(opts.disk ? [{ path: opts.disk, format: opts.format }] : []),
    ...(opts.disks ?? []),
  ];
  let ide = 0;
  let haveScsi = false;
  let haveUsb = false;
  disks.forEach((d, i) => {
    const format = d.format ?? "raw";
    const iface = d.interface ?? "virtio";
    const cache = format === "raw" ? "unsafe" : "writeback";
    const ro = d.readOnly || iface === "cdrom" ? ",readonly=on" : "";
    const media = iface === "cdrom" ? ",media=cdrom" : "";
    a.push(
      "-drive",
      `file=${d.path},format=${format},if=none,id=disk${i},cache=${cache},discard=unmap${ro}${media}`,
    );
    const extra = `${d.serial ? `,serial=${d.serial}` : ""}${d.bootIndex !== undefined ? `,bootindex=${d.bootIndex}` : ""}`;
    switch (iface) {
      case "virtio":
        a.push("-device", `virtio-blk-pci,drive=disk${i}${extra}`);
        break;
      case "sata":
        a.push("-device", `ide-hd,drive=disk${i},bus=ide.${ide++}${extra}`);
        break;
      case "cdrom":
        a.push("-device", `ide-cd,drive=disk${i},bus=ide.${ide++}${extra}`);
        break;
      case "scsi":
        if (!haveScsi) a.push("-device", "virtio-scsi-pci,id=scsi0");
        haveScsi = true;
        a.push("-device", `scsi-hd,drive=disk${i},bus=scsi0.0${extra}`);
        break;
      case "nvme":
        // An NVMe controller per disk, one namespace (/dev/nvme0n1); QEMU requires its serial.
        if (!d.serial) throw new Error("an nvme disk needs a serial");
        a.push("-device", `nvme,drive=disk${i}${extra}`);
        break;
      case "usb":
        if (!haveUsb) a.push("-device", "qemu-xhci,id=xhci");
        haveUsb = true;
        a.push("-device", `usb-storage,drive=disk${i},bus=xhci.0,removable=on${extra}`);
        break;
    }
  });
  if (ide > 6) throw new Error("q35 has 6 SATA ports");

  (opts.nics ?? []).forEach((n, i) => {
    a.push("-netdev", `tap,id=net${i},ifname=${n.tap},script=no,downscript=no`);
    const boot = n.bootIndex !== undefined ? `,bootindex=${n.bootIndex}` : "";
    a.push("-device", `${n.model ?? "virtio-net-pci"},netdev=net${i},mac=${n.mac}${boot}`);
  });
  (opts.shares ?? []).forEach((sh, i) => {
    a.push(
      "-fsdev",
      `local,id=fs${i},path=${sh.path},security_model=none${sh.readOnly ? ",readonly=on" : ""}`,
    );
    a.push("-device", `virtio-9p-pci,fsdev=fs${i},mount_tag=${sh.tag}`);
  });
  a.push(...(opts.extraArgs ?? []));
  return a;
}

export async function startVm(opts: VmOptions): Promise<Vm> {
  if (!/^[A-Za-z0-9_.-]+$/.test(opts.name)) throw new Error(`VM name must be [A-Za-z0-9_.-]+: ${opts.name}`);
  if ((opts.nics?.length ?? 0) > 0 && !opts.netns) throw new Error("NICs need a lab: pass netns (netlab.ts)");
  for (const d of [opts.disk, ...(opts.disks ?? []).map((x) => x.path), opts.kernel, opts.initrd]) {
    if (d !== undefined && !existsSync(d)) throw new Error(`${opts.name}: no such file: ${d}`);
  }
  mkdirSync(opts.logDir, { recursive: true });
  // Unix socket paths are limited to 107 bytes: keep them in a short temp dir, not in logDir.
  const dir = await mkdtemp(path.join(os.tmpdir(), "pbvm-"));
  const sockets = {
    serial: path.join(dir, "serial"),
    qmp: path.join(dir, "qmp"),
    hmp: path.join(dir, "hmp"),
    dir,
  };
  const logs = {
    serial: path.join(opts.logDir, `${opts.name}-serial.log`),
    qemu: path.join(opts.logDir, `${opts.name}-qemu.log`),
    commands: path.join(opts.logDir, `${opts.name}-commands.log`),
  };
  let uefiVars: string | undefined;
  const firmware = opts.firmware ?? "bios";
  if (firmware !== "bios") {
    uefiVars = opts.uefiVars ?? path.join(opts.logDir, `${opts.name}-OVMF_VARS.fd`);
    if (!opts.uefiVars || !existsSync(uefiVars)) copyFileSync(OVMF[firmware].vars, uefiVars);
  }
  const args = qemuArgs(opts, { ...sockets, serialLog: logs.serial, uefiVars });
  const argv = opts.netns
    ? ["ip", "netns", "exec", opts.netns, "qemu-system-x86_64", ...args]
    : ["qemu-system-x86_64", ...args];

  const logFd = openSync(logs.qemu, "a");
  writeSync(
    logFd,
    `\n=== ${new Date().toISOString()} start ${opts.name}\n${argv.map((x) => (/[\s,]/.test(x) ? `'${x}'` : x)).join(" ")}\n`,
  );
  // `ip netns exec` execs QEMU in place, so the PID we get is QEMU's own: killing it is a power cut.
  const child = spawn(argv[0] ?? "qemu-system-x86_64", argv.slice(1), {
    stdio: ["ignore", logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${opts.name}: could not start QEMU`);
  live.set(pid, opts.name);
  let exited = false;
  child.once("exit", () => (exited = true));

  const qmp = new Qmp();
  const cons = new SerialConsole(sockets.serial, logs.commands);
  const vm = new Vm(
    opts.name,
    child,
    pid,
    qmp,
    sockets,
    logs,
    (opts.nics ?? []).map((_, i) => `net${i}`),
    cons,
  );
  try {
    await qmp.connect(sockets.qmp, Date.now() + 20_000, () => !exited);
    await cons.connect(10_000);
    await qmp.execute("cont");
  } catch (e) {
    await vm.cleanup();
    const log = existsSync(logs.qemu)
      ? readFileSync(logs.qemu, "utf8").split("\n").slice(-15).join("\n")
      : "";
    throw new Error(`${opts.name}: QEMU did not start: ${(e as Error).message}\n${log}`);
  }
  return vm;
}
