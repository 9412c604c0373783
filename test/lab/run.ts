// The cluster lab: pairboot's main job on the seed example, end to end in QEMU VMs, with faults.
// Started by `npm run lab` (scripts/lab.sh installs host packages and npm deps and builds the rootfs first).
//
//   1. a network namespace with two LAN switches joined by a cable (each server's lan0 on switch 1, lan1 on
//      switch 2), a replication switch, the gateway/ping/time-server address 192.168.42.254 on switch 1
//      with chronyd serving time there (it never touches the host clock: -x);
//   2. both servers boot the live ISO with a lab copy of examples/seed.yaml embedded (pairboot.auto=1):
//      node A (UEFI) installs unattended onto its blank disk, then clones itself to node B (BIOS) over the
//      replication link; both reboot from their disks;
//   3. checks: DRBD connected and UpToDate without a full initial sync, Heartbeat's resources on A,
//      `pairboot status` on both, a client VM with a hard NFS mount writing a numbered record stream;
//   4. faults: a bond NIC pulled, node A's power cut, A back, the replication link cut and restored;
//      clocks;
//   5. build/lab/report.md and report.json, serial logs in build/lab/logs; exit 1 when a check failed.
//
// Options: --no-faults (stop after the steady-state checks); for working on the lab itself: --host-install
// (prepare the disks on this host instead: pairboot install onto a loop device, clone through an image
// file; minutes faster), --keep (with --host-install: keep this run's disk images, and copies of the freshly
// installed ones in .cache/lab/pristine), --reuse (boot those copies instead of installing again).
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { attachLoop, createSparseImage, makeExt4FromDir, GiB, type Loop } from "../support/images.js";
import { createLab, type Lab } from "../support/netlab.js";
import { startVm, type Firmware, type Vm } from "../support/qemu.js";
import { buildRuntime } from "../support/runtime.js";
import { bootFiles, rootfsDir } from "../support/rootfs.js";
import { Report } from "./report.js";
import { judgeStream, largestGap, parseRecords } from "./stream.js";
import { rejoinResync, takeoverSteps } from "./logs.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(repo, "build/lab");
const logDir = path.join(outDir, "logs");
const captureDir = path.join(outDir, "captures");
const cacheDir = path.join(repo, ".cache/lab");
const work = path.join(cacheDir, `run-${process.pid}`);
const TSX = path.join(repo, "node_modules/.bin/tsx");
const CLI = path.join(repo, "src/cli/main.ts");

const args = new Set(process.argv.slice(2));
const KEEP = args.has("--keep");
const FAULTS = !args.has("--no-faults");
const REUSE = args.has("--reuse");
const FROM_ISO = !args.has("--host-install") && !REUSE;
const ISO = path.join(repo, "build/pairboot.iso");
// Under TCG a unit can take minutes to start while the other VMs run; systemd's 90 s default sent live
// systems to emergency mode (seen in iso.test.ts), so the live system gives every unit 15 minutes.
const LIVE_ARGS = "pairboot.auto=1 systemd.default_timeout_start_sec=900";

const PASSWORD = "pairboot-lab";
const VIP = "192.168.42.42";
const GATEWAY = "192.168.42.254";
const CLIENT_IP = "192.168.42.10";
const EXPORT = "/data/export";
// How long lan0 of node A stays pulled, and the bound on the client's largest write gap meanwhile: above
// the 1-2 s pauses this shared TCG host gives the client VM without any fault, below the pull itself.
const BOND_PULL_MS = 8000;
const BOND_GAP_BOUND = 5;
// The live system runs from RAM (squashfs layers under a tmpfs overlay) while it installs or receives.
const SERVER_MEM = 2048;
const CLIENT_MEM = 512;
// The harness's default "-cpu max,svm=off" breaks these guests under TCG here: /proc/self/mountinfo shows
// mangled mount points, so systemd fails every API mount with result 'protocol' and udevd cannot set up its
// namespace (seen on node-a, and in the harness's own vmtest log). Plain "max" boots cleanly; QEMU takes
// the last -cpu given.
const CPU_ARGS = ["-cpu", "max"];

interface NodeDef {
  name: "node-a" | "node-b";
  macs: [string, string, string];
  taps: [string, string, string];
  // A boots with UEFI and Secure Boot enforced (shim -> signed GRUB -> signed kernel, from the ISO and from
  // its disk), B with BIOS: both of the ISO's boot paths, and both ways an installed disk boots.
  firmware: Firmware;
}
const NODES: NodeDef[] = [
  {
    name: "node-a",
    macs: ["52:54:00:00:0a:01", "52:54:00:00:0a:02", "52:54:00:00:0a:03"],
    taps: ["a-lan0", "a-lan1", "a-repl0"],
    firmware: "uefi-secure",
  },
  {
    name: "node-b",
    macs: ["52:54:00:00:0b:01", "52:54:00:00:0b:02", "52:54:00:00:0b:03"],
    taps: ["b-lan0", "b-lan1", "b-repl0"],
    firmware: "bios",
  },
];
const SWITCH1 = "lan-sw1";
const SWITCH2 = "lan-sw2";
const REPL = "repl-sw";

const report = new Report();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => ms / 1000;
const log = (s: string) => console.log(`[lab] ${s}`);

// Everything cleanup() must undo, in reverse order of creation.
let lab: Lab | undefined;
const loops: Loop[] = [];
const vms = new Map<string, Vm>();
let chronyd: ReturnType<typeof execa> | undefined;

// pairboot install/clone mount the target at the fixed /run/pairboot/target and, with no udev on the host,
// write /dev/disk/by-* links whose names (the OS filesystem UUID comes from the answer file) are the same
// for every install of the seed: other jobs on this host doing the same would collide with the lab (seen:
// grub-install "cannot find a device for /boot/grub"). Each command gets a private mount namespace with
// its own /run/pairboot and /dev/disk.
const PRIVATE_MOUNTS = [
  "set -e",
  "mount --make-rprivate /",
  "mkdir -p /run/pairboot /dev/disk",
  "mount -t tmpfs -o mode=0755 pb-lab /run/pairboot",
  "mount -t tmpfs -o mode=0755 pb-lab /dev/disk",
  'exec "$@"',
].join("\n");

async function cli(argv: string[], timeoutMs = 1_200_000) {
  const r = await execa("unshare", ["-m", "sh", "-c", PRIVATE_MOUNTS, "sh", TSX, CLI, ...argv], {
    reject: false,
    all: true,
    timeout: timeoutMs,
  });
  return { rc: r.exitCode ?? -1, out: String(r.all ?? "") };
}

/** Polls fn every intervalMs until it returns a truthy value; returns it with the time taken, or null. */
async function until<T>(
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  intervalMs = 1000,
): Promise<{ value: T; ms: number } | null> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return { value: v as T, ms: Date.now() - t0 };
    if (Date.now() - t0 > timeoutMs) return null;
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The answer file: the seed, with disk selectors for the lab's loop devices, a console password and secrets.

/** diskA/diskB: the loop devices of a host install; without them the seed's selectors pick the VMs' disks. */
function labAnswer(diskA?: string, diskB?: string): string {
  const seed = parse(readFileSync(path.join(repo, "examples/seed.yaml"), "utf8")) as Record<string, unknown>;
  const nodes = seed.nodes as Record<string, unknown>[];
  const [a, b] = nodes;
  if (!a || !b) throw new Error("examples/seed.yaml must describe two nodes");
  if (diskA) a.disk = { path: diskA };
  if (diskB) b.disk = { path: diskB };
  const hash = execaSyncText("openssl", ["passwd", "-6", PASSWORD]);
  seed.access = { ssh_authorized_keys: [], root_password_hash: hash };
  (seed.drbd as Record<string, unknown>).shared_secret = randomBytes(24).toString("hex");
  (seed.heartbeat as Record<string, unknown>).authkey = randomBytes(24).toString("hex");
  const file = path.join(work, "lab-answer.yaml");
  writeFileSync(
    file,
    `# Lab copy of examples/seed.yaml: ${diskA ? "disk selectors for this run's loop devices, " : ""}a console password, secrets.\n${stringify(seed)}`,
    { mode: 0o600 },
  );
  return file;
}

function execaSyncText(cmd: string, argv: string[]): string {
  return execFileSync(cmd, argv, { encoding: "utf8" }).trim();
}

// ---------------------------------------------------------------------------------------------------------
// Disks: install node A, clone it onto B's disk with B's identity. The one step the live ISO replaces.

interface Disks {
  a: string;
  b: string;
  answer: string;
}

async function prepareDisks(): Promise<Disks> {
  const a = path.join(work, "node-a.raw");
  const b = path.join(work, "node-b.raw");
  const pristine = path.join(cacheDir, "pristine");
  if (REUSE && existsSync(path.join(pristine, "node-b.raw"))) {
    // Developer shortcut: the disks a previous --keep run installed, before their first boot.
    report.note(
      "--reuse: booting the disks installed by an earlier run (.cache/lab/pristine), no install or clone",
    );
    for (const n of ["node-a.raw", "node-b.raw"])
      await execa("cp", ["--sparse=always", path.join(pristine, n), work]);
    return { a, b, answer: path.join(pristine, "lab-answer.yaml") };
  }
  await createSparseImage(a, 8 * GiB);
  await createSparseImage(b, 8 * GiB);
  const la = await attachLoop(a);
  loops.push(la);
  const lb = await attachLoop(b);
  loops.push(lb);
  const answer = labAnswer(la.dev, lb.dev);
  writeFileSync(path.join(outDir, "lab-answer.yaml"), redactAnswer(readFileSync(answer, "utf8")));

  await report.phase("install node A (pairboot install onto a loop device)", async () => {
    const t0 = Date.now();
    // pairboot itself goes onto the node as it would from the stick, so `pairboot status` runs there.
    const runtime = await buildRuntime(path.join(cacheDir, "runtime"));
    const r = await cli([
      "install",
      "--answer",
      answer,
      "--node",
      "node-a",
      "--disk",
      la.dev,
      "--source",
      rootfsDir,
      "--tool",
      runtime,
      "--yes",
    ]);
    writeFileSync(path.join(logDir, "install-node-a.log"), r.out);
    report.check(
      "install-a",
      "pairboot install of node A",
      r.rc === 0,
      `rc ${r.rc}; log logs/install-node-a.log`,
      secs(Date.now() - t0),
    );
    if (r.rc !== 0) throw new Error(`install of node A failed:\n${r.out.split("\n").slice(-30).join("\n")}`);
  });

  await report.phase("clone A onto B (image file, B's identity)", async () => {
    const img = path.join(work, "node-a.pbimg");
    const t0 = Date.now();
    const s = await cli(["clone", "send", "--disk", la.dev, "--to-image", img]);
    writeFileSync(path.join(logDir, "clone-send.log"), s.out);
    if (s.rc !== 0) throw new Error(`clone send failed:\n${s.out.split("\n").slice(-30).join("\n")}`);
    const r = await cli([
      "clone",
      "receive",
      "--from-image",
      img,
      "--disk",
      lb.dev,
      "--answer",
      answer,
      "--node",
      "node-b",
    ]);
    writeFileSync(path.join(logDir, "clone-receive.log"), r.out);
    rmSync(img, { force: true });
    const ok = r.rc === 0;
    report.check(
      "clone-b",
      "clone A onto B with B's identity (send --to-image, receive --from-image)",
      ok,
      ok ? "rc 0; logs/clone-send.log, logs/clone-receive.log" : `receive rc ${r.rc}: ${lastLine(r.out)}`,
      secs(Date.now() - t0),
    );
    if (!ok) {
      // The rest of the lab still needs a node B: install it from the same answer file (same secrets).
      report.note(
        `clone receive failed (${lastLine(r.out)}); node B was installed with 'pairboot install --node node-b' instead so the remaining checks could run`,
      );
      const t1 = Date.now();
      // --restart: the failed receive left B's disk with its "incomplete" partition table.
      const i = await cli([
        "install",
        "--answer",
        answer,
        "--node",
        "node-b",
        "--disk",
        lb.dev,
        "--source",
        rootfsDir,
        "--yes",
        "--restart",
      ]);
      writeFileSync(path.join(logDir, "install-node-b.log"), i.out);
      report.check(
        "install-b",
        "fallback: pairboot install of node B",
        i.rc === 0,
        `rc ${i.rc}; logs/install-node-b.log`,
        secs(Date.now() - t1),
      );
      if (i.rc !== 0)
        throw new Error(`install of node B failed:\n${i.out.split("\n").slice(-30).join("\n")}`);
    }
  });
  for (const l of loops.splice(0)) await l.detach();
  if (KEEP) {
    mkdirSync(pristine, { recursive: true });
    for (const f of [a, b, answer]) await execa("cp", ["--sparse=always", f, pristine]);
  }
  return { a, b, answer };
}

// ---------------------------------------------------------------------------------------------------------
// The live ISO: what the sysadmin does at the rack. Both servers boot the same ISO with the same answer
// embedded; A installs unattended and clones itself to B over the replication link; both reboot.

interface Servers {
  a: Vm;
  b: Vm;
  disks: Disks;
  /** When each server started booting from its disk (the reboot after the ISO, or power-on). */
  bootedAt: { a: number; b: number };
}

async function installFromIso(): Promise<Servers> {
  const disks: Disks = {
    a: path.join(work, "node-a.raw"),
    b: path.join(work, "node-b.raw"),
    answer: labAnswer(),
  };
  writeFileSync(path.join(outDir, "lab-answer.yaml"), redactAnswer(readFileSync(disks.answer, "utf8")));
  const image = path.join(work, "lab.iso");
  await report.phase("live ISO with the lab's answer embedded", async () => {
    const built = await execa("bash", [path.join(repo, "scripts/build-iso.sh")], {
      all: true,
      reject: false,
    });
    writeFileSync(path.join(logDir, "build-iso.log"), String(built.all ?? ""));
    if (built.exitCode !== 0) throw new Error(`scripts/build-iso.sh failed; see logs/build-iso.log`);
    const e = await cli([
      "iso",
      "embed",
      "--answer",
      disks.answer,
      "--args",
      LIVE_ARGS,
      "--default",
      "serial",
      "--timeout",
      "1",
      ISO,
      image,
    ]);
    if (e.rc !== 0) throw new Error(`pairboot iso embed failed:\n${e.out}`);
  });
  await createSparseImage(disks.a, 8 * GiB);
  await createSparseImage(disks.b, 8 * GiB);
  const [nA, nB] = NODES as [NodeDef, NodeDef];
  const a = await startServer(nA, disks.a, image);
  const b = await startServer(nB, disks.b, image);

  await report.phase("node A installs from the ISO while node B waits for it", async () => {
    const [ta, tb] = await Promise.all([
      a.console.waitFor(/unattended install/, 20 * 60_000).then(() => Date.now() - a.startedAt),
      b.console
        .waitFor(/waiting for node-a at 10\.0\.0\.1:7790/, 20 * 60_000)
        .then(() => Date.now() - b.startedAt),
    ]);
    report.check(
      "iso-boot",
      "both servers boot the ISO to pairboot (A: UEFI, install summary; B: BIOS, waiting for A)",
      true,
      `node-a ${secs(ta).toFixed(0)} s, node-b ${secs(tb).toFixed(0)} s after power-on`,
      secs(Math.max(ta, tb)),
    );
    const t0 = Date.now();
    const done = await a.console
      .waitFor(/node-a installed on \/dev\/sd[a-z]/, 40 * 60_000)
      .then(() => true)
      .catch(() => false);
    // A serial line shows the install as plain lines, each step once (no list redrawn 10 times a second).
    // eslint-disable-next-line no-control-regex
    const plain = a.console.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");
    const copyLines = plain.split("[ok] Copy the root filesystem").length - 1;
    report.check(
      "install-a",
      "node A installs unattended from the ISO (embedded answer, pairboot.auto=1), steps shown once each on ttyS0",
      done && copyLines === 1,
      `${done ? "node-a installed" : "no 'node-a installed' line"}; the copy step's [ok] line printed ${copyLines} time(s)`,
      secs(Date.now() - t0),
    );
    if (!done) throw new Error("node A's install from the ISO did not finish");
  });

  await report.phase("node A clones itself to node B over the replication link", async () => {
    const t0 = Date.now();
    const ok = await Promise.all([
      a.console.waitFor(/ready to clone itself to node-b/, 5 * 60_000),
      b.console.waitFor(/node-b received node-a's clone on \/dev\/sd[a-z]/, 40 * 60_000),
      a.console.waitFor(/node B has the clone/, 40 * 60_000),
    ])
      .then(() => true)
      .catch((e: unknown) => {
        report.note(`clone from the ISO: ${(e as Error).message.split("\n")[0] ?? ""}`);
        return false;
      });
    report.check(
      "clone-b",
      "node A clones itself to node B over the replication link (B's identity, GRUB)",
      ok,
      ok
        ? "node-b received node-a's clone; node A: 'node B has the clone'"
        : "see logs/node-a-serial.log, logs/node-b-serial.log",
      secs(Date.now() - t0),
    );
    if (!ok) throw new Error("the clone from node A to node B did not finish");
  });

  const [ra, rb] = await Promise.all([
    a.console.waitFor(/rebooting from the installed disk/, 5 * 60_000).then(() => Date.now()),
    b.console.waitFor(/rebooting from the installed disk/, 5 * 60_000).then(() => Date.now()),
  ]);
  return { a, b, disks, bootedAt: { a: ra, b: rb } };
}

/** --host-install: the disks prepared on this host, then both servers powered on. */
async function bootHostDisks(): Promise<Servers> {
  const disks = await prepareDisks();
  await report.phase("network namespace, switches, time server", makeNetwork);
  const [nA, nB] = NODES as [NodeDef, NodeDef];
  const a = await startServer(nA, disks.a);
  const b = await startServer(nB, disks.b);
  return { a, b, disks, bootedAt: { a: a.startedAt, b: b.startedAt } };
}

function lastLine(s: string): string {
  return (
    s
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .at(-1) ?? ""
  ).slice(0, 300);
}

function redactAnswer(text: string): string {
  return text.replace(/^(\s*(?:shared_secret|authkey|root_password_hash):).*$/gm, "$1 <redacted>");
}

// ---------------------------------------------------------------------------------------------------------
// The client VM: the same rootfs, booted directly, with its own hostname and address and no cluster services.

async function clientDisk(): Promise<string> {
  const stamp = readFileSync(`${rootfsDir}.stamp`, "utf8");
  const key = /^key: (\S+)/m.exec(stamp)?.[1] ?? "nokey";
  const base = path.join(cacheDir, `client-${key}.ext4`);
  if (!existsSync(base)) {
    for (const f of readdirSync(cacheDir).filter((f) => /^client-.*\.ext4(\.tmp)?$/.test(f)))
      rmSync(path.join(cacheDir, f), { force: true });
    const tmp = `${base}.tmp`;
    await makeExt4FromDir({ dir: rootfsDir, image: tmp, sizeBytes: 3 * GiB, label: "lab-client" });
    const mnt = path.join(work, "client-mnt");
    mkdirSync(mnt, { recursive: true });
    await execa("mount", ["-o", "loop", tmp, mnt]);
    try {
      const w = (p: string, c: string) => {
        mkdirSync(path.dirname(path.join(mnt, p)), { recursive: true });
        writeFileSync(path.join(mnt, p), c);
      };
      w("/etc/hostname", "client\n");
      w("/etc/hosts", `127.0.0.1 localhost\n127.0.1.1 client\n${VIP} nfs1\n`);
      w(
        "/etc/network/interfaces",
        `auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet static\n\taddress ${CLIENT_IP}/24\n\tgateway ${GATEWAY}\n`,
      );
      w(
        "/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf",
        "[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 - $TERM\n",
      );
      // A client, not a cluster node: none of the server-side services.
      for (const dir of ["multi-user.target.wants", "sysinit.target.wants", "sockets.target.wants"]) {
        const d = path.join(mnt, "etc/systemd/system", dir);
        if (!existsSync(d)) continue;
        for (const f of readdirSync(d)) {
          if (/^(heartbeat|drbd|nfs-server|corosync|pacemaker|ssh|chrony)\b/.test(f))
            rmSync(path.join(d, f), { force: true });
        }
      }
    } finally {
      await execa("umount", [mnt]);
    }
    await execa("mv", [tmp, base]);
  }
  const overlay = path.join(work, "client.qcow2");
  await execa("qemu-img", ["create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", overlay]);
  return overlay;
}

// ---------------------------------------------------------------------------------------------------------
// Network: switches, the cable between them, the gateway address and an upstream time server.

async function makeNetwork(): Promise<Lab> {
  const l = await createLab("lab");
  lab = l;
  for (const br of [SWITCH1, SWITCH2, REPL]) await l.addBridge(br);
  for (const n of NODES) {
    await l.addTap(n.taps[0], SWITCH1);
    await l.addTap(n.taps[1], SWITCH2);
    await l.addTap(n.taps[2], REPL);
  }
  await l.addTap("c-lan0", SWITCH2);
  // The cable between the two switches: without it a node whose bond fails over to lan1 is cut off.
  await l.exec(["ip", "link", "add", "sw1-sw2", "type", "veth", "peer", "name", "sw2-sw1"]);
  await l.exec(["ip", "link", "set", "sw1-sw2", "master", SWITCH1, "up"]);
  await l.exec(["ip", "link", "set", "sw2-sw1", "master", SWITCH2, "up"]);
  await l.addAddress(SWITCH1, `${GATEWAY}/24`);

  // chronyd as the LAN's time server: -x never adjusts the (shared) host clock, it only serves it.
  const conf = path.join(work, "chrony-upstream.conf");
  writeFileSync(
    conf,
    [
      `bindaddress ${GATEWAY}`,
      "allow 192.168.42.0/24",
      "local stratum 3",
      "cmdport 0",
      `pidfile ${path.join(work, "chronyd.pid")}`,
      `driftfile ${path.join(work, "chrony.drift")}`,
      "",
    ].join("\n"),
  );
  chronyd = execa("ip", ["netns", "exec", l.netns, "chronyd", "-x", "-d", "-f", conf], {
    reject: false,
    all: true,
    buffer: true,
  });
  await sleep(500);
  if (chronyd.exitCode !== null && chronyd.exitCode !== undefined) {
    report.note(`upstream chronyd did not start: ${String((await chronyd).all).slice(0, 300)}`);
  }
  return l;
}

// ---------------------------------------------------------------------------------------------------------
// Guest helpers.

async function sh(vm: Vm, cmd: string, timeoutMs = 60_000): Promise<string> {
  return (await vm.console.run(cmd, timeoutMs)).out;
}

/** Boots a server from its disk; with `iso` the live ISO sits behind it in the boot order (a blank disk
 * falls through to the disc, an installed one boots itself, as at the rack after the install). */
async function startServer(n: NodeDef, disk: string, iso?: string): Promise<Vm> {
  // A restart (after the install, after a power cut) replaces the VM: its sockets go with it.
  await vms.get(n.name)?.cleanup();
  vms.delete(n.name);
  const vm = await startVm({
    name: n.name,
    disks: [
      { path: disk, interface: "sata", serial: `PBLAB-${n.name.toUpperCase()}`, bootIndex: 0 },
      ...(iso ? [{ path: iso, interface: "cdrom" as const, bootIndex: 1 }] : []),
    ],
    firmware: n.firmware,
    // A's NVRAM (the boot entry its install made) survives its power cut, as on a real machine.
    uefiVars: n.firmware !== "bios" ? path.join(work, `${n.name}-OVMF_VARS.fd`) : undefined,
    memoryMiB: SERVER_MEM,
    nics: n.macs.map((mac, i) => ({ mac, tap: n.taps[i] as string })),
    netns: lab?.netns,
    logDir,
    extraArgs: CPU_ARGS,
  });
  vms.set(n.name, vm);
  return vm;
}

/** Logs in as root on the serial console; returns the time since `since` (the boot from the disk). */
async function login(vm: Vm, since = vm.startedAt): Promise<number> {
  await vm.console.shell({ timeoutMs: 420_000, user: "root", password: PASSWORD });
  return Date.now() - since;
}

/** DRBD's line for minor 0 from /proc/drbd, e.g. "cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate". */
async function drbdState(vm: Vm): Promise<{ cs: string; ro: string; ds: string; oos: number; raw: string }> {
  const raw = await sh(vm, "cat /proc/drbd");
  const cs = /cs:(\S+)/.exec(raw)?.[1] ?? "?";
  const ro = /ro:(\S+)/.exec(raw)?.[1] ?? "?";
  const ds = /ds:(\S+)/.exec(raw)?.[1] ?? "?";
  const oos = Number(/oos:(\d+)/.exec(raw)?.[1] ?? -1);
  return { cs, ro, ds, oos, raw };
}

async function servesResources(vm: Vm): Promise<boolean> {
  const r = await vm.console.run(
    `ip -o -4 addr show | grep -q ' ${VIP}/' && mountpoint -q /data && systemctl is-active -q nfs-server && echo SERVING`,
    30_000,
  );
  return r.out.includes("SERVING");
}

async function holdsVip(vm: Vm): Promise<boolean> {
  const r = await vm.console.run(`ip -o -4 addr show | grep -c ' ${VIP}/' || true`, 30_000);
  return r.out.trim() === "1";
}

async function pingVip(): Promise<boolean> {
  if (!lab) return false;
  const r = await lab.exec(["ping", "-n", "-c", "1", "-W", "1", VIP], { reject: false, timeoutMs: 5000 });
  return r.exitCode === 0;
}

async function runStatus(vm: Vm, tag: string): Promise<{ rc: number; out: string }> {
  const r = await vm.console.run("pairboot status", 180_000);
  writeFileSync(path.join(captureDir, `status-${vm.name}-${tag}.txt`), `rc ${r.rc}\n${r.out}\n`);
  return r;
}

async function capture(vm: Vm, tag: string): Promise<void> {
  const files: [string, string][] = [
    ["proc-drbd", "cat /proc/drbd"],
    ["bonding", "cat /proc/net/bonding/bond0"],
    ["chronyc-tracking", "chronyc -c tracking"],
    [
      "chronyc-sources",
      "chronyc -n sources; chronyc -n sourcestats; chronyc -n ntpdata | grep -E 'Remote address|Stratum|Offset|Total (TX|RX|valid)|Mode' ; journalctl -b -u chrony --no-pager -o short-monotonic | tail -20",
    ],
  ];
  for (const [name, cmd] of files) {
    const r = await vm.console.run(cmd, 30_000);
    writeFileSync(path.join(captureDir, `${vm.name}-${tag}-${name}.txt`), r.out + "\n");
  }
}

/** When a check fails: what the node's services say, into captures/diag-NODE-TAG.txt. */
async function diag(vm: Vm, tag: string): Promise<void> {
  const cmds = [
    "cat /proc/drbd",
    "systemctl --no-pager --failed",
    "systemctl --no-pager status pairboot-firstboot-prepare pairboot-firstboot-seed drbd heartbeat nfs-server | cat",
    "journalctl -b --no-pager -o short-monotonic -u pairboot-firstboot-prepare -u pairboot-firstboot-seed -u drbd -u heartbeat | tail -n 80",
    "tail -n 80 /var/log/ha-log /var/log/ha-debug 2>/dev/null; journalctl -b --no-pager -t heartbeat -t ResourceManager | tail -n 60",
    "ip -o -4 addr show",
    "dmesg | grep -iE 'drbd|bond' | tail -n 40",
  ];
  let out = "";
  for (const c of cmds) {
    const r = await vm.console.run(c, 60_000).catch((e: unknown) => ({ rc: -1, out: String(e) }));
    out += `### ${c} (rc ${r.rc})\n${r.out}\n\n`;
  }
  writeFileSync(path.join(captureDir, `diag-${vm.name}-${tag}.txt`), out);
}

// ---------------------------------------------------------------------------------------------------------
// The client's record stream.

const WRITER = `#!/bin/sh
# Lab writer: one numbered record every 0.3 s onto the NFS mount (sync, hard). A record is acknowledged
# once the append returned; only then it goes into the local list /root/acked.txt.
i=0
while [ ! -e /root/stop-writer ]; do
  i=$((i + 1))
  t=$(date +%s.%N)
  if echo "$i $t" >>/mnt/nfs/stream.txt; then
    echo "$i $t" >>/root/acked.txt
  else
    echo "$i $t failed" >>/root/errors.txt
  fi
  sleep 0.3
done
`;

/** A guest's clock against the host's: the host's ms at the moment the guest read its own epoch seconds. */
async function guestNow(vm: Vm): Promise<{ host: number; guest: number }> {
  const host = Date.now();
  const out = await sh(vm, "date +%s.%N");
  const back = Date.now();
  return { host: (host + back) / 2, guest: Number(out.trim()) };
}

async function clientNow(c: Vm): Promise<{ host: number; client: number }> {
  const host = Date.now();
  const out = await sh(c, "date +%s.%N");
  const back = Date.now();
  return { host: (host + back) / 2, client: Number(out.trim()) };
}

async function acked(c: Vm) {
  return parseRecords(await sh(c, "cat /root/acked.txt", 60_000)).records;
}

async function ackedCount(c: Vm): Promise<number> {
  return Number((await sh(c, "wc -l < /root/acked.txt")).trim());
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const t0 = Date.now();
  rmSync(outDir, { recursive: true, force: true });
  for (const d of [outDir, logDir, captureDir, work, cacheDir]) mkdirSync(d, { recursive: true });
  const prep = Number(process.env.PAIRBOOT_LAB_PREP_SECONDS ?? "NaN");
  if (Number.isFinite(prep))
    report.phases.push({ name: "host packages, npm deps, rootfs (scripts/lab.sh)", seconds: prep });

  if (FROM_ISO) await report.phase("network namespace, switches, time server", makeNetwork);
  const servers = FROM_ISO ? await installFromIso() : await bootHostDisks();
  const { a, b, disks, bootedAt } = servers;
  const client = await report.phase("client disk", clientDisk);

  // ---- both servers from their disks
  await report.phase("A (UEFI) and B (BIOS) boot from their disks to a root shell", async () => {
    const [ta, tb] = await Promise.all([login(a, bootedAt.a), login(b, bootedAt.b)]);
    report.check(
      "boot",
      "both servers boot from their disks to a login",
      true,
      `node-a ${secs(ta).toFixed(0)} s, node-b ${secs(tb).toFixed(0)} s`,
      secs(Math.max(ta, tb)),
    );
    // Fails if Secure Boot was not really on: the firmware's SecureBoot variable (its value follows 4
    // attribute bytes) and the kernel's lockdown, which Debian's kernel turns on only under Secure Boot.
    const sb = await sh(
      a,
      "od -An -tu1 /sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c; cat /sys/kernel/security/lockdown; pairboot status | grep ' boot '",
      120_000,
    );
    report.check(
      "secure-boot-a",
      "node A booted its disk with Secure Boot enforced: SecureBoot variable 1, kernel lockdown integrity, pairboot status says so",
      /^\s*6\s+0\s+0\s+0\s+1\s*$/m.test(sb) &&
        /\[integrity\]/.test(sb) &&
        /\] boot +UEFI, Secure Boot on/.test(sb),
      sb.replace(/\s+/g, " ").trim(),
    );
  });
  if (FROM_ISO) {
    // The install's own log, from the node it left it on (step by step, with seconds).
    writeFileSync(
      path.join(logDir, "install-node-a.log"),
      await sh(a, "cat /var/log/pairboot/install-node-a-*.log", 60_000),
    );
  }

  // The client boots while the servers run their first boot.
  const kb = bootFiles(rootfsDir);
  const c = await startVm({
    name: "client",
    disk: client,
    format: "qcow2",
    memoryMiB: CLIENT_MEM,
    nics: [{ mac: "52:54:00:00:0c:01", tap: "c-lan0" }],
    netns: lab?.netns,
    logDir,
    kernel: kb.kernel,
    initrd: kb.initrd,
    append: "root=/dev/vda rw console=ttyS0,115200 net.ifnames=0 quiet",
    extraArgs: CPU_ARGS,
  });
  vms.set("client", c);

  await report.phase("first boot and Heartbeat bring-up", async () => {
    const t1 = Date.now();
    const served = await until(() => servesResources(a), 600_000, 3000);
    const since = secs(Date.now() - bootedAt.a);
    report.check(
      "ha-up",
      "Heartbeat puts the service IP, /data and NFS on node A",
      served !== null,
      served
        ? `A serves ${VIP}, /data mounted, nfs-server active, ${since.toFixed(0)} s after it booted from its disk`
        : "not within 600 s",
      served ? since : undefined,
    );
    if (!served) await Promise.all([diag(a, "ha-up"), diag(b, "ha-up")]);
    const bServes = await holdsVip(b);
    report.check(
      "b-passive",
      "node B stays passive",
      !bServes,
      bServes ? `B holds ${VIP} too` : "B holds no service IP",
    );
    log(`waited ${secs(Date.now() - t1).toFixed(0)} s for the resources`);
  });

  // The clone is a copy of A with B's identity: nothing that must differ may be shared, and each node's
  // NICs carry the pinned names (the initramfs names none; udev on the installed root does it).
  await report.phase("each node its own identity and NIC names", async () => {
    const facts = async (vm: Vm, n: NodeDef) => {
      const host = (await sh(vm, "hostname")).trim().split(/\s+/).at(-1) ?? "";
      const id = /[0-9a-f]{32}/.exec(await sh(vm, "cat /etc/machine-id"))?.[0] ?? "";
      const key = /AAAA\S+/.exec(await sh(vm, "cut -d' ' -f2 /etc/ssh/ssh_host_ed25519_key.pub"))?.[0] ?? "";
      const bond = await sh(vm, "cat /proc/net/bonding/bond0");
      const repl = await sh(vm, "cat /sys/class/net/repl0/address");
      const slave = (name: string, mac: string) =>
        new RegExp(`Slave Interface: ${name}\\r?\\nMII Status: up[\\s\\S]*?Permanent HW addr: ${mac}`).test(
          bond,
        );
      const nics = slave("lan0", n.macs[0]) && slave("lan1", n.macs[1]) && repl.includes(n.macs[2]);
      return { host, id, key, nics };
    };
    const [nA, nB] = NODES as [NodeDef, NodeDef];
    const [fa, fb] = await Promise.all([facts(a, nA), facts(b, nB)]);
    report.check(
      "identity",
      "each node its own hostname, machine ID and SSH host key; lan0, lan1, repl0 on its own MACs",
      fa.host === "node-a" &&
        fb.host === "node-b" &&
        fa.id !== "" &&
        fb.id !== "" &&
        fa.id !== fb.id &&
        fa.key !== "" &&
        fb.key !== "" &&
        fa.key !== fb.key &&
        fa.nics &&
        fb.nics,
      `hostnames ${fa.host}/${fb.host}; machine IDs ${fa.id.slice(0, 8)}../${fb.id.slice(0, 8)}..; ` +
        `SSH keys ${fa.key.slice(-8)}/${fb.key.slice(-8)}; NIC names on own MACs: A ${fa.nics ? "yes" : "NO"}, B ${fb.nics ? "yes" : "NO"}`,
    );
  });

  await report.phase("DRBD without an initial full sync", async () => {
    const ok = await until(
      async () => {
        const [sa, sb] = await Promise.all([drbdState(a), drbdState(b)]);
        return sa.cs === "Connected" && sa.ds === "UpToDate/UpToDate" && sb.ds === "UpToDate/UpToDate"
          ? { sa, sb }
          : null;
      },
      120_000,
      2000,
    );
    const sa = ok?.value.sa ?? (await drbdState(a));
    const sb = ok?.value.sb ?? (await drbdState(b));
    report.check(
      "drbd-uptodate",
      "DRBD Connected, UpToDate/UpToDate on both",
      ok !== null && sa.ro === "Primary/Secondary" && sb.ro === "Secondary/Primary",
      `A cs:${sa.cs} ro:${sa.ro} ds:${sa.ds} oos:${sa.oos}; B cs:${sb.cs} ro:${sb.ro} ds:${sb.ds} oos:${sb.oos}`,
    );
    const fb = await sh(
      a,
      "journalctl -b --no-pager -o cat -u pairboot-firstboot-prepare -u pairboot-firstboot-seed | grep pairboot-firstboot: || true",
    );
    writeFileSync(path.join(captureDir, "firstboot-node-a.txt"), fb + "\n");
    const fbB = await sh(
      b,
      "journalctl -b --no-pager -o cat -u pairboot-firstboot-prepare -u pairboot-firstboot-seed | grep pairboot-firstboot: || true",
    );
    writeFileSync(path.join(captureDir, "firstboot-node-b.txt"), fbB + "\n");
    const kA = await sh(
      a,
      "dmesg | grep -E 'drbd.*(Began resync|SyncSource|SyncTarget|Resync done)' || true",
    );
    const kB = await sh(
      b,
      "dmesg | grep -E 'drbd.*(Began resync|SyncSource|SyncTarget|Resync done)' || true",
    );
    // The whole DRBD kernel log of both nodes after first boot (the console shows none of it: dmesg -n 1).
    writeFileSync(
      path.join(captureDir, "firstboot-node-a-dmesg-drbd.txt"),
      (await sh(a, "dmesg | grep drbd || true")) + "\n",
    );
    writeFileSync(
      path.join(captureDir, "firstboot-node-b-dmesg-drbd.txt"),
      (await sh(b, "dmesg | grep drbd || true")) + "\n",
    );
    const skipped = /skipped the initial full sync/.test(fb);
    const noSync = !/Began resync|SyncSource|SyncTarget/.test(kA + kB);
    report.check(
      "drbd-no-initial-sync",
      "first boot skipped the initial full sync (log line, no resync in the kernel log, oos:0)",
      skipped && noSync && sa.oos === 0 && sb.oos === 0,
      `firstboot: ${skipped ? "'both sides new: skipped the initial full sync'" : "no skip line"}; kernel resync lines: ${noSync ? "none" : (kA + kB).split("\n").slice(0, 2).join(" / ")}`,
    );
  });

  // Both nodes at once: each waits on its own console (chrony, then Node starting under TCG).
  await report.phase("pairboot status on both nodes", async () => {
    const one = async (vm: Vm) => {
      // Seen: tracking still on chrony's local reference (orphan mode) while `chronyc sources` already
      // showed the time server selected. Wait up to 4 min for tracking to follow a real source; if it
      // never does, status says so and the check fails.
      await until(
        async () => {
          const f = (await sh(vm, "chronyc -c tracking || true")).trim().split(",");
          return (f[0] ?? "").length === 8 && f[0] !== "7F7F0101" && f[13] === "Normal";
        },
        240_000,
        5000,
      );
      const r = await runStatus(vm, "steady");
      report.check(
        `status-${vm.name}`,
        `pairboot status on ${vm.name}`,
        r.rc === 0,
        `rc ${r.rc}: ${r.out.split("\n").slice(0, 8).join(" / ")}`,
      );
      await capture(vm, "steady");
    };
    await Promise.all([one(a), one(b)]);
  });

  // ---- the client
  await report.phase("client mounts the service IP and writes", async () => {
    await c.console.shell({ timeoutMs: 300_000 });
    await c.console.writeFile("/root/writer.sh", WRITER, "0755");
    const m = await c.console.run(
      `mkdir -p /mnt/nfs && mount -t nfs -o vers=3,hard,proto=tcp,timeo=20,retrans=2,nolock,sync ${VIP}:${EXPORT} /mnt/nfs && touch /mnt/nfs/.probe && rm /mnt/nfs/.probe && grep ' /mnt/nfs ' /proc/mounts`,
      120_000,
    );
    report.check(
      "client-mount",
      "client hard-mounts the service IP (NFSv3, hard, sync) and can write",
      m.rc === 0,
      m.out.split("\n").slice(-2).join(" / "),
    );
    if (m.rc !== 0) throw new Error("the client cannot write to the export; no point in the faults");
    await c.console.check0("setsid -f /root/writer.sh </dev/null >/dev/null 2>&1");
    await c.console.check0(
      "dd if=/dev/urandom of=/mnt/nfs/before.bin bs=1M count=8 status=none conv=fsync && sha256sum /mnt/nfs/before.bin > /root/before.sha256",
      120_000,
    );
    await sleep(5000);
    const n = await ackedCount(c);
    report.check(
      "client-stream",
      "client writes a numbered record stream",
      n >= 5,
      `${n} records acknowledged in the first seconds`,
    );
  });

  if (FAULTS) await faults(a, b, c, disks);

  // ---- clocks, last: every node has been up for a while by now
  await report.phase("clocks", async () => {
    for (const name of ["node-a", "node-b"]) {
      const vm = vms.get(name);
      if (!vm?.running) continue;
      const r = await until(
        async () => {
          const out = await sh(vm, "chronyc -c tracking");
          const f = out.trim().split(",");
          const off = Math.abs(Number(f[4]));
          // 7F7F0101 is chrony's own local reference (orphan mode): in sync with itself proves nothing.
          return f[13] === "Normal" && off < 0.05 && f[0] !== "7F7F0101" && f[1]
            ? { out, off, ref: f[1] }
            : null;
        },
        240_000,
        5000,
      );
      const last = r?.value.out ?? (await sh(vm, "chronyc -c tracking"));
      report.check(
        `clock-${name}`,
        `${name}'s clock in sync with a real source (chronyc tracking: leap Normal, |offset| < 50 ms, not the local reference)`,
        r !== null,
        r ? `reference ${r.value.ref}, offset ${(r.value.off * 1000).toFixed(2)} ms` : `not synced: ${last}`,
      );
      writeFileSync(path.join(captureDir, `${name}-end-chronyc-tracking.txt`), last + "\n");
    }
  });

  await report.phase("final data check", async () => {
    await c.console.run("touch /root/stop-writer; sleep 1", 30_000);
    await finalStreamCheck(c);
  });
  report.phases.push({ name: "lab total (this process)", seconds: secs(Date.now() - t0) });
}

async function finalStreamCheck(c: Vm): Promise<void> {
  const server = await sh(c, "cat /mnt/nfs/stream.txt", 120_000);
  const ack = await sh(c, "cat /root/acked.txt", 120_000);
  const errors = await sh(c, "cat /root/errors.txt 2>/dev/null | wc -l");
  writeFileSync(path.join(captureDir, "stream-server.txt"), server + "\n");
  writeFileSync(path.join(captureDir, "stream-acked.txt"), ack + "\n");
  const v = judgeStream(server, ack);
  report.check(
    "stream-intact",
    "no acknowledged record lost or reordered, over the whole run",
    v.ok && errors.trim() === "0",
    `${v.acked} acknowledged, ${v.onServer} on the server; lost ${v.lost.length ? v.lost.join(",") : "none"}; order ${v.disorder.length ? v.disorder.join("; ") : "ok"}; write errors ${errors.trim()}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Faults.

async function faults(a: Vm, b: Vm, c: Vm, disks: Disks): Promise<void> {
  // 1. a bond NIC of the active node
  await report.phase("fault: pull lan0 of node A (bond failover)", async () => {
    const before = await clientNow(c);
    await a.setLink(0, false);
    const pulled = Date.now();
    await sleep(BOND_PULL_MS);
    const bond = await sh(a, "cat /proc/net/bonding/bond0");
    writeFileSync(path.join(captureDir, "node-a-lan0-pulled-bonding.txt"), bond + "\n");
    const active = /Currently Active Slave: (\S+)/.exec(bond)?.[1] ?? "?";
    await a.setLink(0, true);
    await sleep(6000);
    const after = await sh(a, "cat /proc/net/bonding/bond0");
    const back = /Currently Active Slave: (\S+)/.exec(after)?.[1] ?? "?";
    const recs = await acked(c);
    const from = before.client + secs(pulled - before.host) - 1;
    const gap = largestGap(recs, from, from + 15);
    // The same measure over the 30 s before the pull: how long a pause is on this (shared, TCG) host
    // without any fault, so a reader can tell the failover's share from the host's.
    const baseline = largestGap(recs, from - 30, from - 1);
    const errs = (await sh(c, "cat /root/errors.txt 2>/dev/null | wc -l")).trim();
    // The issue asks that the client sees no error; how long one write waits is mostly the host here: the
    // client VM is CPU-starved under TCG and its 0.3 s records show 1-2 s pauses without any fault. The gap
    // stays a reported figure. Its only bound sits below the 8 s the cable stays out: a bond that did not fail
    // over leaves the hard-mounted client stalled until the replug, which this bound still catches.
    const ok =
      active === "lan1" && back === "lan0" && gap !== null && gap.seconds < BOND_GAP_BOUND && errs === "0";
    report.check(
      "bond-failover",
      `lan0 of active node A pulled: bond switches to lan1 (back to lan0 on replug), client sees no write error, writes go on (gap < ${BOND_GAP_BOUND} s)`,
      ok,
      `active slave while pulled: ${active}, after replug: ${back}; largest gap between records ${gap ? gap.seconds.toFixed(2) : "?"} s (records every 0.3 s; largest in the 30 s before the pull ${baseline ? baseline.seconds.toFixed(2) : "?"} s); client write errors ${errs}`,
      gap?.seconds,
    );
  });

  // 2. power cut of node A
  const { afterCut } = await report.phase("fault: power cut of node A (takeover by B)", async () => {
    await c.console.run("sync; echo 3 > /proc/sys/vm/drop_caches", 60_000);
    const before = await clientNow(c);
    const nBefore = await ackedCount(c);
    const cut = Date.now();
    await a.powerOff();
    const cutClient = before.client + secs(cut - before.host);
    log("node A's power is cut");
    const ip = await until(pingVip, 180_000, 500);
    const ipSec = ip ? secs(Date.now() - cut) : undefined;
    const served = await until(() => servesResources(b), 180_000, 2000);
    const resumed = await until(async () => (await ackedCount(c)) > nBefore + 2 || null, 240_000, 1000);
    const resumeHost = resumed ? secs(Date.now() - cut) : undefined;
    report.check(
      "takeover-ip",
      "power cut of A: the service IP answers again (from B)",
      ip !== null && served !== null,
      ip
        ? `ping ${VIP} answered ${ipSec?.toFixed(1)} s after the cut; B holds IP, /data, nfs-server: ${served ? "yes" : "no"}`
        : "no answer within 180 s",
      ipSec,
    );
    // A record's time is taken before its append, so the record that stalls across the cut carries a time
    // just after the cut. The writes resume when that append returns: the end of the largest gap, i.e. the
    // next record's start (0.3 s after the stalled one was acknowledged).
    const recs = await acked(c);
    const gap = largestGap(recs, cutClient - 1, cutClient + 300);
    const writeAgain = gap && gap.to > cutClient ? gap.to - cutClient : undefined;
    report.check(
      "takeover-client",
      "power cut of A: the client writes again (hard mount, no error)",
      resumed !== null && writeAgain !== undefined,
      `writes stalled ${gap ? (gap.from - cutClient).toFixed(1) : "?"} s after the cut (record ${gap?.afterSeq ?? "?"}) and went on ${writeAgain?.toFixed(1) ?? "?"} s after it (seen by the lab ${resumeHost?.toFixed(1) ?? "?"} s after); largest gap ${gap?.seconds.toFixed(1) ?? "?"} s`,
      writeAgain,
    );
    // Where the takeover's seconds went: B's whole journal from the cut on (epoch timestamps; B's clock
    // is compared with the host's, both follow the lab's time server), and the steps picked out of it.
    const bNow = await guestNow(b);
    const cutOnB = secs(cut - bNow.host) + bNow.guest;
    const hb = await sh(
      b,
      `journalctl -b --no-pager -o short-unix --since=@${Math.floor(cutOnB - 5)} | head -n 600`,
      180_000,
    ).catch(() => "");
    writeFileSync(path.join(captureDir, "takeover-node-b-journal.txt"), hb + "\n");
    const steps = takeoverSteps(hb, cutOnB);
    writeFileSync(
      path.join(captureDir, "takeover-node-b-steps.txt"),
      steps.map((x) => `${x.at.toFixed(1)}\t${x.what}`).join("\n") + "\n",
    );
    report.note(
      `takeover on B, seconds after A's power cut: ${steps.length ? steps.map((x) => `${x.what} ${x.at.toFixed(1)}`).join("; ") : "no heartbeat lines found (captures/takeover-node-b-journal.txt)"}`,
    );
    const st = await drbdState(b);
    report.check(
      "takeover-drbd",
      "B is DRBD Primary after the takeover",
      st.ro.startsWith("Primary"),
      `B cs:${st.cs} ro:${st.ro} ds:${st.ds}`,
    );
    const sum = await c.console.run(
      "echo 3 > /proc/sys/vm/drop_caches; sha256sum -c /root/before.sha256",
      180_000,
    );
    report.check(
      "checksum",
      "file written before the power cut reads back intact from B (sha256)",
      sum.rc === 0,
      sum.out.trim(),
    );
    return { afterCut: Date.now() };
  });

  // 3. A comes back
  const a2 = await report.phase(
    "node A powered on again: rejoins as Secondary, resyncs, no failback",
    async () => {
      const t0 = Date.now();
      const nA = NODES[0] as NodeDef;
      const va = await startServer(nA, disks.a);
      await login(va);
      const synced = await until(
        async () => {
          const s = await drbdState(va);
          return s.cs === "Connected" && s.ds === "UpToDate/UpToDate" ? s : null;
        },
        300_000,
        2000,
      );
      const s = synced?.value ?? (await drbdState(va));
      const kern = await sh(va, "dmesg | grep -E 'drbd' || true");
      writeFileSync(path.join(captureDir, "node-a-rejoin-dmesg.txt"), kern + "\n");
      const rs = rejoinResync(kern);
      // B wrote alone after the cut, so A must resync, but only from the bitmaps: the extents A's activity
      // log held at the cut plus B's changes, a few MiB to tens of MiB here. A full resync covers every bit
      // of the device (A's own bitmap all set); a quarter of the device is far above the partial one.
      const partial =
        rs.syncBits !== undefined && rs.deviceBits !== undefined && rs.syncBits < rs.deviceBits / 4;
      const pct = (n?: number) =>
        n !== undefined && rs.deviceBits ? `${((100 * n) / rs.deviceBits).toFixed(1)} %` : "?";
      report.check(
        "rejoin",
        "A rejoins as DRBD Secondary and resyncs to UpToDate from the bitmaps (partial resync, not full)",
        synced !== null && s.ro === "Secondary/Primary" && !rs.splitBrain && partial,
        `A cs:${s.cs} ro:${s.ro} ds:${s.ds}; ${rs.syncBits !== undefined ? `resync of ${rs.syncKiB} KiB, ${rs.syncBits} of ${rs.deviceBits ?? "?"} bits (${pct(rs.syncBits)})` : "no 'Began resync as SyncTarget' line in A's kernel log"}; A's own bitmap at the handshake: ${rs.ownBits ?? "?"} bits (${pct(rs.ownBits)}); split brain: ${rs.splitBrain ? "DETECTED" : "none"}; ${secs(Date.now() - t0).toFixed(0)} s after power-on`,
        secs(Date.now() - t0),
      );
      // Heartbeat on A starts, sees B holding the resources and, with auto_failback off, leaves them there.
      await sleep(30_000);
      const aHolds = await holdsVip(va);
      const bServes = await servesResources(b);
      report.check(
        "no-failback",
        "no automatic failback: B keeps the service",
        !aHolds && bServes,
        `A holds ${VIP}: ${aHolds ? "yes" : "no"}; B serves: ${bServes ? "yes" : "no"}`,
      );
      log(`A back ${secs(Date.now() - afterCut).toFixed(0)} s after the takeover`);
      await capture(va, "rejoined");
      return va;
    },
  );

  // 4. the replication link
  await report.phase("fault: replication link cut and restored", async () => {
    const before = await clientNow(c);
    await b.setLink(2, false);
    const cut = Date.now();
    const down = await until(
      async () => {
        const s = await drbdState(b);
        return s.cs !== "Connected" ? s : null;
      },
      60_000,
      1000,
    );
    // Write a little while disconnected, so the resync has something to do.
    await c.console.run(
      "dd if=/dev/urandom of=/mnt/nfs/while-cut.bin bs=1M count=4 status=none conv=fsync",
      120_000,
    );
    const sa = await drbdState(a2);
    const sbCut = await drbdState(b);
    await sleep(5000);
    await b.setLink(2, true);
    const restored = Date.now();
    const back = await until(
      async () => {
        const [x, y] = await Promise.all([drbdState(a2), drbdState(b)]);
        return x.cs === "Connected" && x.ds === "UpToDate/UpToDate" && y.ds === "UpToDate/UpToDate"
          ? { x, y }
          : null;
      },
      180_000,
      2000,
    );
    const kern =
      (await sh(a2, "dmesg | grep -E 'drbd.*(Split-Brain|Began resync|Resync done)' | tail -n 4 || true")) +
      "\n" +
      (await sh(b, "dmesg | grep -E 'drbd.*(Split-Brain|Began resync|Resync done)' | tail -n 4 || true"));
    writeFileSync(path.join(captureDir, "repl-cut-dmesg.txt"), kern + "\n");
    const noSb = !/Split-Brain/i.test(kern);
    const stillB = await servesResources(b);
    const aHolds = await holdsVip(a2);
    report.check(
      "repl-cut",
      "replication link cut: DRBD disconnects, B keeps serving, A does not take over",
      down !== null && stillB && !aHolds,
      `B cs:${sbCut.cs} ds:${sbCut.ds} while cut; A cs:${sa.cs} ds:${sa.ds}; B serves: ${stillB ? "yes" : "no"}; A holds IP: ${aHolds ? "yes" : "no"}`,
      down ? secs(down.ms) : undefined,
    );
    report.check(
      "repl-restore",
      "replication link restored: resync to UpToDate/UpToDate, no split brain",
      back !== null && noSb,
      back
        ? `Connected UpToDate/UpToDate ${secs(Date.now() - restored).toFixed(1)} s after the link came back; split brain: ${noSb ? "none" : "DETECTED"}`
        : `not in sync within 180 s; split brain: ${noSb ? "none" : "DETECTED"}`,
      back ? secs(back.ms) : undefined,
    );
    const recs = await acked(c);
    const from = before.client + secs(cut - before.host);
    const gap = largestGap(recs, from, from + secs(Date.now() - cut));
    report.note(
      `largest client write gap while the replication link was cut and restored: ${gap?.seconds.toFixed(2) ?? "?"} s`,
    );
    await capture(b, "after-repl");
  });
}

// ---------------------------------------------------------------------------------------------------------

async function cleanup(): Promise<void> {
  for (const vm of vms.values()) await vm.cleanup().catch(() => undefined);
  vms.clear();
  if (chronyd?.pid) {
    try {
      process.kill(chronyd.pid, "SIGTERM");
    } catch {
      // gone
    }
    await Promise.race([chronyd, sleep(3000)]);
  }
  await lab?.destroy().catch(() => undefined);
  for (const l of loops.splice(0)) await l.detach().catch(() => undefined);
  if (!KEEP) rmSync(work, { recursive: true, force: true });
}

// One cleanup, whoever asks first (a signal or the end of main); the other waits for the same one.
let cleaning: Promise<void> | undefined;
const cleanupOnce = () => (cleaning ??= cleanup());
let stopping = false;
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: cleaning up`);
    void cleanupOnce().finally(() => process.exit(130));
  });
}

const started = Date.now();
let error: string | undefined;
try {
  await main();
} catch (e) {
  error = (e as Error).message;
  console.error(`[lab] stopped: ${(e as Error).stack ?? error}`);
} finally {
  await cleanupOnce();
}
const total = secs(Date.now() - started) + (Number(process.env.PAIRBOOT_LAB_PREP_SECONDS) || 0);
report.write(path.join(outDir, "report.md"), path.join(outDir, "report.json"), {
  totalSeconds: total,
  error,
});
console.log(readFileSync(path.join(outDir, "report.md"), "utf8"));
// The last lines say what failed and where to look, so a CI log's tail is enough to start from.
const rel = (p: string) => path.relative(process.cwd(), p) || ".";
const where = `report ${rel(path.join(outDir, "report.md"))}, serial logs ${rel(logDir)}/, captures ${rel(captureDir)}/`;
for (const c of report.failed) console.error(`[lab] FAILED ${c.id}: ${c.title} - ${c.detail}`);
if (error) console.error(`[lab] STOPPED before the end: ${error}`);
console.error(
  report.failed.length === 0 && !error
    ? `[lab] PASS: all ${report.checks.length} checks passed in ${total.toFixed(0)} s; ${where}`
    : `[lab] FAIL: ${report.failed.length} check(s) failed${error ? ", run stopped early" : ""}; ${where}`,
);
process.exit(report.failed.length === 0 && !error ? 0 : 1);
