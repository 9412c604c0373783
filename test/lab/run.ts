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
//      `pairboot status` on both, one client VM with two mounts of the service IP (NFSv4.2 defaults and
//      NFSv3 with locks), a numbered record stream and a held POSIX lock on each;
//   4. the fault scenarios, as data: test/lab/scenarios/*.yaml (test/lab/scenario.ts reads them), or the
//      files given with --scenario FILE; clocks; the streams and locks at the end;
//   5. build/lab/report.md and report.json, serial logs in build/lab/logs; exit 1 when a check failed.
//
// Options: --no-faults (stop after the steady-state checks); --scenario FILE (repeatable: run these
// scenario files instead of the default set); for working on the lab itself: --host-install
// (prepare the disks on this host instead: pairboot install onto a loop device, clone through an image
// file; minutes faster), --keep (with --host-install: keep this run's disk images, and copies of the freshly
// installed ones in .cache/lab/pristine), --reuse (boot those copies instead of installing again).
import { execa } from "execa";
import { execFileSync } from "node:child_process";
import { gunzipSync } from "node:zlib";
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
import { LABNFS, MOUNTS, answeredAgain, lockFile, parseNewOpenLock, resumeAfter } from "./client.js";
import {
  formatScenarioErrors,
  loadScenarioFile,
  type CheckStep,
  type DoStep,
  type NodeRef,
  type Scenario,
  type Step,
  type WaitStep,
  type WhereRef,
} from "./scenario.js";
import { rejoinResync, takeoverSteps } from "./logs.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(repo, "build/lab");
const logDir = path.join(outDir, "logs");
const captureDir = path.join(outDir, "captures");
const cacheDir = path.join(repo, ".cache/lab");
const work = path.join(cacheDir, `run-${process.pid}`);
const TSX = path.join(repo, "node_modules/.bin/tsx");
const CLI = path.join(repo, "src/cli/main.ts");

const argv = process.argv.slice(2);
const args = new Set(argv);
// --scenario FILE (repeatable): run these scenario files instead of the default set.
const scenarioFiles = argv.flatMap((a, i) => (argv[i - 1] === "--scenario" ? [path.resolve(a)] : []));
const SCENARIO_DIR = path.join(repo, "test/lab/scenarios");
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
  /** How the node's disk is attached, and its serial (node B's lab answer picks its disk by it). */
  disk: { interface: "sata" | "nvme"; serial: string };
}
const NODES: NodeDef[] = [
  {
    name: "node-a",
    macs: ["52:54:00:00:0a:01", "52:54:00:00:0a:02", "52:54:00:00:0a:03"],
    taps: ["a-lan0", "a-lan1", "a-repl0"],
    firmware: "uefi-secure",
    disk: { interface: "sata", serial: "PBLAB-NODE-A" },
  },
  {
    name: "node-b",
    macs: ["52:54:00:00:0b:01", "52:54:00:00:0b:02", "52:54:00:00:0b:03"],
    taps: ["b-lan0", "b-lan1", "b-repl0"],
    firmware: "bios",
    // NVMe, chosen by its serial in the answer: the nvme0n1pN naming, install/clone/first boot.
    disk: { interface: "nvme", serial: "PBLAB-NODE-B" },
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
  // Node B's disk is the VM's NVMe disk, chosen by its serial as a user would pick one of several disks.
  b.disk = diskB ? { path: diskB } : { serial: (NODES[1] as NodeDef).disk.serial };
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
      .waitFor(/node-a installed on \/dev\/(sd[a-z]|nvme\d+n\d+)/, 40 * 60_000)
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
      b.console.waitFor(/node-b received node-a's clone on \/dev\/(sd[a-z]|nvme\d+n\d+)/, 40 * 60_000),
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
      { path: disk, interface: n.disk.interface, serial: n.disk.serial, bootIndex: 0 },
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

// ---------------------------------------------------------------------------------------------------------

/** The scenario files, all checked before any VM starts: every problem at its FILE:LINE:COL. */
function loadScenarios(): Scenario[] {
  const files = scenarioFiles.length
    ? scenarioFiles
    : readdirSync(SCENARIO_DIR)
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => path.join(SCENARIO_DIR, f));
  const problems: string[] = [];
  const loaded: Scenario[] = [];
  const ids = new Map<string, string>();
  for (const f of files) {
    const rel = path.relative(process.cwd(), f);
    if (!existsSync(f)) {
      problems.push(`${rel}: no such scenario file`);
      continue;
    }
    const r = loadScenarioFile(f);
    if (!r.ok) {
      problems.push(formatScenarioErrors(r.errors.map((e) => ({ ...e, file: rel }))));
      continue;
    }
    // Check ids name the report's rows, across the whole set.
    r.scenario.steps.forEach((st, i) => {
      const id = "id" in st ? st.id : undefined;
      if (!id) return;
      const other = ids.get(id);
      if (other)
        problems.push(
          `${rel}:${r.scenario.lines[i]}: id '${id}' is already used at ${other}; every id needs its own name`,
        );
      else ids.set(id, `${rel}:${r.scenario.lines[i]}`);
    });
    loaded.push(r.scenario);
  }
  if (problems.length) throw new Error(`scenario files:\n${problems.join("\n")}`);
  return loaded;
}

let scenarios: Scenario[] = [];

async function main(): Promise<void> {
  const t0 = Date.now();
  scenarios = loadScenarios();
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
  const startClient = async () => {
    const vm = await startVm({
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
    vms.set("client", vm);
    return vm;
  };
  let c = await startClient();

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
  await report.phase(
    "client mounts the service IP twice (NFSv4.2 defaults, NFSv3 with locks) and writes",
    async () => {
      try {
        await c.console.shell({ timeoutMs: 300_000 });
      } catch (err) {
        // The client is the lab's test host, not the product: its trixie kernel panicked once at boot under
        // TCG (__kmalloc_node, "Fatal exception in interrupt"). Boot it once more, and say so.
        if (!/Kernel panic/.test(c.console.text)) throw err;
        report.note("the client VM's kernel panicked at boot (TCG); booted it once more");
        await c.powerOff();
        c = await startClient();
        await c.console.shell({ timeoutMs: 300_000 });
      }
      await c.console.writeFile("/usr/local/bin/labnfs", LABNFS, "0755");
      for (const m of MOUNTS) {
        const r = await c.console.run(
          `mkdir -p ${m.dir} && mount -t nfs ${m.options ? `-o ${m.options} ` : ""}${VIP}:${EXPORT} ${m.dir} && mkdir -p ${m.dir}/locks && touch ${m.dir}/.probe-${m.name} && rm ${m.dir}/.probe-${m.name} && grep ' ${m.dir} ' /proc/mounts`,
          180_000,
        );
        const opts = r.out.split("\n").find((l) => l.includes(` ${m.dir} `)) ?? r.out;
        report.check(
          `client-mount-${m.name}`,
          `client mounts the service IP with ${m.options ? `-o ${m.options} (locking on: no nolock)` : "the distribution's defaults (no options)"} and can write: ${m.expectVers.source.replace("\\", "")}`,
          r.rc === 0 && m.expectVers.test(opts) && !/nolock/.test(opts),
          opts.trim(),
        );
        if (r.rc !== 0) throw new Error(`the client cannot write to ${m.dir}; no point in the faults`);
      }
      // Heard from the client itself: when the service IP answers there (client clock, 0.5 s resolution).
      await c.console.check0(
        `setsid -f sh -c 'exec ping -D -n -i 0.5 ${VIP} >/root/ping.txt 2>&1' </dev/null`,
      );
      for (const m of MOUNTS) {
        await c.console.check0(
          `setsid -f labnfs write ${m.name} ${m.dir} </dev/null >/dev/null 2>>/root/errors-${m.name}.txt; setsid -f labnfs hold ${m.name} ${lockFile(m.dir, m.name)} </dev/null >/dev/null 2>>/root/errors-hold-${m.name}.txt`,
        );
      }
      await c.console.check0(
        `dd if=/dev/urandom of=${MOUNTS[0]?.dir}/before.bin bs=1M count=8 status=none conv=fsync && sha256sum ${MOUNTS[0]?.dir}/before.bin > /root/before.sha256`,
        120_000,
      );
      const held = await until(
        async () =>
          (await c.console.run("cat /root/held-v4 /root/held-v3 2>/dev/null | wc -l", 30_000)).out.trim() ===
          "2",
        90_000,
        2000,
      );
      // Five records on each mount, waited for: how many the first seconds bring depends on how busy the
      // host is (the trixie run's NFSv3 stream had 4 when it was counted at once).
      let n: number[] = [];
      const streaming = await until(
        async () => {
          n = await Promise.all(MOUNTS.map((m) => ackedCount(c, m.name)));
          return n.every((x) => x >= 5);
        },
        60_000,
        1000,
      );
      report.check(
        "client-stream",
        "the client writes a numbered record stream on each mount and holds a POSIX lock (fcntl) on each",
        streaming !== null && held !== null,
        `${MOUNTS.map((m, i) => `${m.name}: ${n[i]} records`).join(", ")} acknowledged${streaming ? ` ${(streaming.ms / 1000).toFixed(1)} s after the count began` : " (fewer than 5 on a mount after 60 s)"}; locks held: ${held ? "both" : "NOT both"}`,
      );
      const probe = await probeLocks(c);
      report.check(
        "locks-steady",
        "each held lock is refused to the other mount's process (F_SETLK: held)",
        probe.ok,
        probe.detail,
      );
    },
  );

  const scenarioFailures: string[] = [];
  if (FAULTS) {
    for (const s of scenarios) {
      const err = await report.phase(`scenario: ${s.name} (${path.relative(repo, s.file)})`, () =>
        runScenario(s, disks).then(
          () => undefined,
          (e: unknown) => (e as Error).message,
        ),
      );
      if (err) {
        scenarioFailures.push(`${path.relative(repo, s.file)}: ${err}`);
        report.check(
          `scenario-${path.basename(s.file, ".yaml")}`,
          `scenario ${s.name} ran to its end`,
          false,
          err,
        );
      }
    }
  }

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
    const probe = await probeLocks(c);
    report.check(
      "locks-end",
      "at the end, each lock held since before the faults is still refused to the other mount's process",
      probe.ok,
      probe.detail,
    );
    await c.console.run("touch /root/stop-writer; sleep 2", 30_000);
    for (const m of MOUNTS) await finalStreamCheck(c, m.name, m.dir);
    await clientErrors(
      "client-errors-end",
      "no client error over the whole run (writers, lock holders, client kernel log)",
    );
  });
  report.phases.push({ name: "lab total (this process)", seconds: secs(Date.now() - t0) });
}

async function finalStreamCheck(c: Vm, name: string, dir: string): Promise<void> {
  const server = await fetchText(c, `${dir}/stream-${name}.txt`);
  const ack = await fetchText(c, `/root/acked-${name}.txt`);
  writeFileSync(path.join(captureDir, `stream-${name}-server.txt`), server + "\n");
  writeFileSync(path.join(captureDir, `stream-${name}-acked.txt`), ack + "\n");
  const v = judgeStream(server, ack);
  report.check(
    `stream-intact-${name}`,
    `${name} mount: no acknowledged record lost or reordered, over the whole run`,
    v.ok,
    `${v.acked} acknowledged, ${v.onServer} on the server; lost ${v.lost.length ? v.lost.join(",") : "none"}; order ${v.disorder.length ? v.disorder.join("; ") : "ok"}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The client's mounts, streams and locks.

/**
 * The acknowledged records of a stream whose time lies in [from, to] (client clock): the whole list is
 * tens of KiB by the end, and the serial console carries about 10 KiB/s.
 */
async function acked(c: Vm, name: string, from: number, to = from + 3600): Promise<string> {
  return sh(
    c,
    `awk -v a=${from.toFixed(3)} -v b=${to.toFixed(3)} '$2 >= a && $2 <= b' /root/acked-${name}.txt`,
    60_000,
  );
}

/** A whole guest file through the console, gzip'd and base64'd (about a third of the bytes). */
async function fetchText(vm: Vm, file: string): Promise<string> {
  const b64 = await sh(vm, `gzip -c ${file} | base64 -w0`, 180_000);
  return gunzipSync(Buffer.from(b64.replace(/\s+/g, ""), "base64")).toString("utf8");
}

async function ackedCount(c: Vm, name: string): Promise<number> {
  return Number((await sh(c, `wc -l < /root/acked-${name}.txt`)).trim());
}

/** Each holder alive, and each held lock refused to a process on the other mount (same file). */
async function probeLocks(c: Vm): Promise<{ ok: boolean; detail: string }> {
  const parts: string[] = [];
  let ok = true;
  for (const holder of MOUNTS) {
    const other = MOUNTS.find((m) => m !== holder) as (typeof MOUNTS)[number];
    const t0 = Date.now();
    // A probe during a grace period waits until it ends (the server answers GRACE, the client retries).
    const r = await c.console.run(
      `timeout 150 labnfs try ${lockFile(other.dir, holder.name)}; echo rc=$?; pgrep -fc 'labnfs hold ${holder.name} ' || true`,
      180_000,
    );
    const held = /^HELD$/m.test(r.out);
    const alive = /^[1-9]\d*$/m.test(r.out.split("\n").at(-1)?.trim() ?? "");
    ok &&= held && alive;
    parts.push(
      `${holder.name} lock through ${other.name}: ${held ? "refused (held)" : (r.out.split("\n")[0] ?? "?").trim()} in ${secs(Date.now() - t0).toFixed(1)} s, holder ${alive ? "alive" : "GONE"}`,
    );
  }
  return { ok, detail: parts.join("; ") };
}

/** Client errors so far: the programs' error files and the NFS client's kernel messages. */
/**
 * Client errors: the programs' error files and the NFS client's kernel messages; with `since` (the mark's
 * client time and kernel log length) only those after it, so one lasting fault is not counted again by every
 * later scenario.
 */
async function clientErrors(
  id: string,
  title: string,
  since?: { client: number; kernelLines: number },
): Promise<boolean> {
  const c = vms.get("client") as Vm;
  // Every error line carries the client's epoch in its first or second field (holder / writer).
  const after = since ? since.client.toFixed(3) : "0";
  const files = await sh(
    c,
    `cat /root/errors-*.txt 2>/dev/null | awk -v s=${after} '$1 + 0 >= s || $2 + 0 >= s' > /tmp/errs; tail -n 20 /tmp/errs; echo; echo n=$(wc -l < /tmp/errs)`,
  );
  const n = Number(/n=(\d+)/.exec(files)?.[1] ?? "-1");
  const kern = await sh(
    c,
    `dmesg | tail -n +${(since?.kernelLines ?? 0) + 1} | grep -iE 'nfs|lockd|rpc' | grep -iE 'lost|fail|stale|error|not responding|reclaim' | tail -n 20 || true`,
  );
  const kLines = kern.split("\n").filter((l) => l.trim() && !/still trying|not responding/.test(l));
  const shown = files.replace(/n=\d+/, "").trim();
  return report.check(
    id,
    title,
    n === 0 && kLines.length === 0,
    `${n} error line(s)${since ? " since the mark" : ""}${shown ? `: ${shown.split("\n").slice(0, 3).join(" / ")}` : ""}; kernel: ${kLines.length ? kLines.slice(0, 3).join(" / ") : "nothing lost or failed"}`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Scenarios: the faults as data (test/lab/scenarios/*.yaml, test/lab/scenario.ts).

const NIC_INDEX = { lan0: 0, lan1: 1, repl0: 2 } as const;
type NodeName = "node-a" | "node-b";

interface Ctx {
  s: Scenario;
  /** The roles when the scenario started: "active" held the service IP. */
  active: NodeName;
  passive: NodeName;
  mark?: { name: string; host: number; client: number; acked: number[]; kernelLines: number };
  /** When the service IP answered after the mark: host clock (lab's ping), client clock (client's ping). */
  ip?: { host: number; client: number };
}

/** ${active} and ${passive} in a scenario's command: the nodes' names in this scenario's roles. */
const withRoles = (ctx: Ctx, cmd: string) =>
  cmd.replace(/\$\{(active|passive)\}/g, (_, r: "active" | "passive") => ctx[r]);

const nodeName = (ctx: Ctx, n: NodeRef): NodeName =>
  n === "active" ? ctx.active : n === "passive" ? ctx.passive : n;

function vmOf(ctx: Ctx, n: WhereRef): Vm {
  const name = n === "client" ? "client" : nodeName(ctx, n);
  const vm = vms.get(name);
  if (!vm?.running) throw new Error(`${name} is not running`);
  return vm;
}

/** Seconds since the scenario's mark (host clock). */
const sinceMark = (ctx: Ctx) => (ctx.mark ? secs(Date.now() - ctx.mark.host) : undefined);

async function runScenario(s: Scenario, disks: Disks): Promise<void> {
  const running = (["node-a", "node-b"] as const).filter((n) => vms.get(n)?.running);
  const holders: NodeName[] = [];
  for (const n of running) if (await holdsVip(vms.get(n) as Vm)) holders.push(n);
  if (holders.length !== 1)
    throw new Error(`cannot tell the active node: service IP held by ${holders.join(", ") || "none"}`);
  const active = holders[0] as NodeName;
  const ctx: Ctx = { s, active, passive: active === "node-a" ? "node-b" : "node-a" };
  if (s.requires) {
    const r = await vmOf(ctx, "active").console.run(s.requires, 120_000);
    if (r.rc !== 0) {
      report.skip(
        `scenario-${path.basename(s.file, ".yaml")}`,
        s.name,
        `requires '${s.requires}' on the active node: rc ${r.rc} (${lastLine(r.out)})`,
      );
      return;
    }
  }
  report.note(`scenario ${path.relative(repo, s.file)}: active ${ctx.active}, passive ${ctx.passive}`);
  const run = async (steps: Step[], lines: number[]) => {
    for (const [i, step] of steps.entries()) {
      const where = `${path.relative(repo, s.file)}:${lines[i] ?? "?"}`;
      log(`${where}: ${JSON.stringify(step)}`);
      try {
        await runStep(ctx, step, disks);
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`);
      }
    }
  };
  try {
    await run(s.steps, s.lines);
  } finally {
    await run(s.finally, s.finallyLines);
  }
}

async function runStep(ctx: Ctx, step: Step, disks: Disks): Promise<void> {
  const c = vms.get("client") as Vm;
  if ("sleep" in step) {
    await sleep(step.sleep * 1000);
    return;
  }
  if ("mark" in step) {
    const now = await clientNow(c);
    const counts = await Promise.all(MOUNTS.map((m) => ackedCount(c, m.name)));
    const kernelLines = Number((await sh(c, "dmesg | wc -l")).trim());
    ctx.mark = { name: step.mark, host: now.host, client: now.client, acked: counts, kernelLines };
    ctx.ip = undefined;
    return;
  }
  if ("do" in step) return doStep(ctx, step, disks);
  if ("wait" in step) return waitStep(ctx, step);
  return checkStep(ctx, step);
}

async function doStep(ctx: Ctx, step: DoStep, disks: Disks): Promise<void> {
  switch (step.do) {
    case "link-down":
    case "link-up":
      return vmOf(ctx, step.node).setLink(NIC_INDEX[step.nic], step.do === "link-up");
    case "power-off":
      log(`${nodeName(ctx, step.node)}'s power is cut`);
      await vmOf(ctx, step.node).powerOff();
      return;
    case "power-on": {
      const name = nodeName(ctx, step.node);
      const def = NODES.find((n) => n.name === name) as NodeDef;
      const vm = await startServer(def, name === "node-a" ? disks.a : disks.b);
      await login(vm);
      return;
    }
    case "run": {
      const vm = vmOf(ctx, step.on);
      const file = `/root/step-${process.hrtime.bigint()}.sh`;
      await vm.console.writeFile(file, `${withRoles(ctx, step.command)}\n`, "0755");
      if (step.background) {
        await vm.console.check0(`setsid -f sh ${file} </dev/null >${file}.log 2>&1`);
        return;
      }
      const r = await vm.console.run(`sh ${file}`, (step.timeout ?? 300) * 1000);
      writeFileSync(
        path.join(captureDir, `step-${vm.name}-${Date.now()}.txt`),
        `$ ${step.command}\nrc ${r.rc}\n${r.out}\n`,
      );
      if (r.rc !== 0) throw new Error(`'${step.command}' on ${vm.name}: rc ${r.rc}: ${lastLine(r.out)}`);
      return;
    }
  }
}

async function waitStep(ctx: Ctx, step: WaitStep): Promise<void> {
  const timeout = (step.timeout ?? 180) * 1000;
  const c = vms.get("client") as Vm;
  let ok: unknown;
  let what = "";
  switch (step.wait) {
    case "ip-answers": {
      ok = await until(pingVip, timeout, 500);
      if (ok) {
        const host = Date.now();
        const now = await clientNow(c);
        const since = ctx.mark?.client ?? now.client - 60;
        // Only the replies since the mark, only their times: the whole log is long for the console.
        const ping = await sh(
          c,
          `awk -v s=${(since - 2).toFixed(3)} '/bytes from/ { t = substr($1, 2, length($1) - 2) + 0; if (t >= s) print $1 " 0 bytes from" }' /root/ping.txt`,
          60_000,
        );
        const heard = answeredAgain(ping, since);
        ctx.ip = { host, client: heard ?? now.client - secs(now.host - host) };
      }
      what = `the service IP answering ping`;
      break;
    }
    case "serving":
      ok = await until(() => servesResources(vmOf(ctx, step.node)), timeout, 2000);
      what = `${nodeName(ctx, step.node)} serving`;
      break;
    case "drbd-disconnected":
      ok = await until(async () => (await drbdState(vmOf(ctx, step.node))).cs !== "Connected", timeout, 1000);
      what = `DRBD on ${nodeName(ctx, step.node)} disconnected`;
      break;
    case "drbd-synced":
      ok = await until(
        async () => {
          const [x, y] = await Promise.all([drbdState(vmOf(ctx, "node-a")), drbdState(vmOf(ctx, "node-b"))]);
          return x.cs === "Connected" && x.ds === "UpToDate/UpToDate" && y.ds === "UpToDate/UpToDate";
        },
        timeout,
        2000,
      );
      what = "DRBD Connected UpToDate/UpToDate";
      break;
    case "client-writes":
      ok = await until(
        async () => {
          const n = await Promise.all(MOUNTS.map((m) => ackedCount(c, m.name)));
          return n.every((x, i) => x > (ctx.mark?.acked[i] ?? 0) + 2);
        },
        timeout,
        1000,
      );
      what = "every client stream writing again";
      break;
  }
  if (step.id)
    report.check(
      step.id,
      step.title ?? what,
      !!ok,
      ok
        ? `${sinceMark(ctx)?.toFixed(1) ?? "?"} s after the ${ctx.mark?.name ?? "step"}`
        : `not within ${timeout / 1000} s`,
      ok ? sinceMark(ctx) : undefined,
    );
  if (!ok) {
    if (step.wait !== "client-writes")
      await Promise.all(
        ["node-a", "node-b"].map((n) =>
          vms.get(n)?.running
            ? diag(vms.get(n) as Vm, `${path.basename(ctx.s.file, ".yaml")}-${step.wait}`)
            : undefined,
        ),
      );
    throw new Error(`no ${what} within ${timeout / 1000} s`);
  }
  log(`${what} ${sinceMark(ctx)?.toFixed(1) ?? "?"} s after the mark`);
}

async function checkStep(ctx: Ctx, step: CheckStep): Promise<void> {
  const c = vms.get("client") as Vm;
  const title = (t: string) => step.title ?? t;
  const mark = ctx.mark;
  switch (step.check) {
    case "bond-slave": {
      const vm = vmOf(ctx, step.node);
      const bond = await sh(vm, "cat /proc/net/bonding/bond0");
      writeFileSync(path.join(captureDir, `${vm.name}-${step.id}-bonding.txt`), bond + "\n");
      const slave = /Currently Active Slave: (\S+)/.exec(bond)?.[1] ?? "?";
      report.check(
        step.id,
        title(`${vm.name}'s bond: active slave ${step.slave}`),
        slave === step.slave,
        `active slave ${slave}`,
      );
      return;
    }
    case "client-gap": {
      if (!mark) throw new Error("client-gap needs a mark before it");
      const now = secs(Date.now() - mark.host);
      const parts: string[] = [];
      let worst = 0;
      for (const m of MOUNTS) {
        const recs = parseRecords(await acked(c, m.name, mark.client - 32)).records;
        const gap = largestGap(recs, mark.client - 1, mark.client + now);
        // The same measure over the 30 s before the mark: the host's own pauses, without any fault.
        const base = largestGap(recs, mark.client - 31, mark.client - 1);
        worst = Math.max(worst, gap?.seconds ?? Infinity);
        parts.push(
          `${m.name}: largest gap ${gap?.seconds.toFixed(2) ?? "?"} s (30 s before: ${base?.seconds.toFixed(2) ?? "?"} s)`,
        );
      }
      report.check(
        step.id,
        title(`client streams go on (largest gap < ${step.max} s)`),
        worst < step.max,
        `${parts.join("; ")}; records every 0.3 s`,
        worst,
      );
      return;
    }
    case "client-errors":
      await clientErrors(step.id, title("no client error (ESTALE, EIO or other) since the mark"), mark);
      return;
    case "serving": {
      const vm = vmOf(ctx, step.node);
      const want = step.serving ?? true;
      const ok = want ? await servesResources(vm) : !(await holdsVip(vm));
      report.check(
        step.id,
        title(`${vm.name} ${want ? "serves (service IP, /data, nfs-server)" : "holds no service IP"}`),
        ok,
        ok ? "as expected" : want ? "not serving" : `${vm.name} holds ${VIP}`,
      );
      return;
    }
    case "drbd-role": {
      const vm = vmOf(ctx, step.node);
      const st = await drbdState(vm);
      report.check(
        step.id,
        title(`${vm.name} is DRBD ${step.role}`),
        st.ro.startsWith(step.role),
        `${vm.name} cs:${st.cs} ro:${st.ro} ds:${st.ds}`,
      );
      return;
    }
    case "client-resume": {
      if (!mark) throw new Error("client-resume needs a mark before it");
      // Wait until each stream has written a few records past the mark, so the stall is over.
      await until(
        async () =>
          (await Promise.all(MOUNTS.map((m) => ackedCount(c, m.name)))).every(
            (x, i) => x > (mark.acked[i] ?? 0) + 3,
          ),
        240_000,
        1000,
      );
      const parts: string[] = [];
      let ok = true;
      let worst: number | undefined;
      for (const m of MOUNTS) {
        const r = resumeAfter(await acked(c, m.name, mark.client - 2), mark.client);
        const fromMark = r ? r.resumed - mark.client : undefined;
        const fromIp = r && ctx.ip ? r.resumed - ctx.ip.client : undefined;
        if (fromIp !== undefined) worst = Math.max(worst ?? -Infinity, fromIp);
        if (!r) ok = false;
        if (step.target !== undefined && (fromIp === undefined || fromIp > step.target)) ok = false;
        parts.push(
          r
            ? `${m.name} wrote again ${fromMark?.toFixed(1)} s after the ${mark.name}${fromIp !== undefined ? `, ${fromIp.toFixed(1)} s after the IP answered` : ""} (gap ${r.gap.toFixed(1)} s)`
            : `${m.name}: no stall and resume found after the ${mark.name}`,
        );
      }
      report.check(
        step.id,
        title(
          `each client stream writes again${step.target !== undefined ? ` within ${step.target} s of the IP answering` : ""}`,
        ),
        ok,
        `${parts.join("; ")}${ctx.ip ? `; IP answered the client ${(ctx.ip.client - mark.client).toFixed(1)} s after the ${mark.name}` : ""}`,
        worst,
      );
      return;
    }
    case "new-open-lock": {
      const tag = `${step.id}`;
      const started = await clientNow(c);
      for (const m of MOUNTS)
        await c.console.check0(
          `setsid -f sh -c 'labnfs new ${m.dir}/new-${tag}-${m.name} >/root/new-${tag}-${m.name}.txt 2>&1' </dev/null`,
        );
      const done = await until(
        async () => {
          const out = await sh(c, `cat /root/new-${tag}-*.txt 2>/dev/null`);
          return out.split("\n").filter((l) => /^(start|error)/.test(l.trim())).length === MOUNTS.length
            ? out
            : null;
        },
        (step.timeout ?? 240) * 1000,
        1000,
      );
      const ref = ctx.ip?.client ?? started.client;
      const refName = ctx.ip ? "the IP answered" : "it started";
      let ok = done !== null;
      let worst: number | undefined;
      const parts: string[] = [];
      for (const m of MOUNTS) {
        const r = parseNewOpenLock(await sh(c, `cat /root/new-${tag}-${m.name}.txt 2>/dev/null`));
        if (!r || !r.ok) {
          ok = false;
          parts.push(`${m.name}: ${r ? r.error : `not done within ${step.timeout ?? 240} s`}`);
          continue;
        }
        const o = r.open - ref;
        const l = r.lock - ref;
        worst = Math.max(worst ?? -Infinity, l);
        if (step.target !== undefined && l > step.target) ok = false;
        parts.push(`${m.name}: new file ${o.toFixed(1)} s, new lock ${l.toFixed(1)} s after ${refName}`);
      }
      report.check(
        step.id,
        title(
          `a new file is created and a new POSIX lock taken on each mount${step.target !== undefined ? ` within ${step.target} s of the IP answering` : ""}`,
        ),
        ok,
        `${parts.join("; ")} (started ${(started.client - ref).toFixed(1)} s after ${refName})`,
        worst,
      );
      return;
    }
    case "locks-held": {
      const p = await probeLocks(c);
      report.check(
        step.id,
        title("the locks held since before the faults are still held (the other mount's process is refused)"),
        p.ok,
        p.detail,
      );
      return;
    }
    case "checksum": {
      const sum = await c.console.run(
        "echo 3 > /proc/sys/vm/drop_caches; sha256sum -c /root/before.sha256",
        180_000,
      );
      report.check(
        step.id,
        title("the file written before the faults reads back intact (sha256)"),
        sum.rc === 0,
        sum.out.trim(),
      );
      return;
    }
    case "partial-resync": {
      const vm = vmOf(ctx, step.node);
      const kern = await sh(vm, "dmesg | grep -E 'drbd' || true");
      writeFileSync(path.join(captureDir, `${vm.name}-${step.id}-dmesg.txt`), kern + "\n");
      const rs = rejoinResync(kern);
      const s = await drbdState(vm);
      // B wrote alone, so the node resyncs, but only from the bitmaps; a full resync covers every bit of
      // the device (the node's own bitmap all set); a quarter of the device is far above the partial one.
      const partial =
        rs.syncBits !== undefined && rs.deviceBits !== undefined && rs.syncBits < rs.deviceBits / 4;
      const pct = (n?: number) =>
        n !== undefined && rs.deviceBits ? `${((100 * n) / rs.deviceBits).toFixed(1)} %` : "?";
      report.check(
        step.id,
        title(
          `${vm.name} rejoins as DRBD Secondary and resyncs to UpToDate from the bitmaps (partial resync, not full)`,
        ),
        s.ro.startsWith("Secondary") && s.ds === "UpToDate/UpToDate" && !rs.splitBrain && partial,
        `${vm.name} cs:${s.cs} ro:${s.ro} ds:${s.ds}; ${rs.syncBits !== undefined ? `resync of ${rs.syncKiB} KiB, ${rs.syncBits} of ${rs.deviceBits ?? "?"} bits (${pct(rs.syncBits)})` : "no 'Began resync as SyncTarget' line"}; own bitmap at the handshake: ${rs.ownBits ?? "?"} bits (${pct(rs.ownBits)}); split brain: ${rs.splitBrain ? "DETECTED" : "none"}`,
        sinceMark(ctx),
      );
      return;
    }
    case "no-split-brain": {
      let kern = "";
      for (const n of ["node-a", "node-b"] as const)
        if (vms.get(n)?.running)
          kern += `${n}:\n${await sh(vms.get(n) as Vm, "dmesg | grep -E 'drbd.*(Split-Brain|Began resync|Resync done)' | tail -n 4 || true")}\n`;
      writeFileSync(path.join(captureDir, `${step.id}-dmesg.txt`), kern);
      const none = !/Split-Brain/i.test(kern);
      report.check(
        step.id,
        title("no DRBD split brain in either node's kernel log"),
        none,
        none ? "none" : "DETECTED",
        sinceMark(ctx),
      );
      return;
    }
    case "takeover-steps": {
      if (!mark) throw new Error("takeover-steps needs a mark before it");
      const vm = vmOf(ctx, step.node);
      const g = await guestNow(vm);
      const at = secs(mark.host - g.host) + g.guest;
      const j = await sh(
        vm,
        `journalctl -b --no-pager -o short-unix --since=@${Math.floor(at - 5)} | head -n 800`,
        180_000,
      ).catch(() => "");
      writeFileSync(path.join(captureDir, `${step.id}-${vm.name}-journal.txt`), j + "\n");
      const steps = takeoverSteps(j, at);
      writeFileSync(
        path.join(captureDir, `${step.id}-${vm.name}-steps.txt`),
        steps.map((x) => `${x.at.toFixed(1)}\t${x.what}`).join("\n") + "\n",
      );
      const text = steps.length
        ? steps.map((x) => `${x.what} ${x.at.toFixed(1)}`).join("; ")
        : "no heartbeat lines found";
      report.note(`${step.id}: on ${vm.name}, seconds after the ${mark.name}: ${text}`);
      report.check(step.id, title(`the takeover's steps from ${vm.name}'s journal`), steps.length > 0, text);
      return;
    }
    case "nfs-times": {
      const vm = vmOf(ctx, step.node);
      const out = await sh(
        vm,
        'for f in /proc/fs/nfsd/nfsv4leasetime /proc/fs/nfsd/nfsv4gracetime /proc/sys/fs/nfs/nlm_grace_period; do echo "$f $(cat $f 2>/dev/null || echo ?)"; done',
      );
      const val = (k: string) => new RegExp(`${k} (\\S+)`).exec(out)?.[1] ?? "?";
      const text = `NFSv4 lease ${val("nfsv4leasetime")} s, NFSv4 grace ${val("nfsv4gracetime")} s, NLM grace ${val("nlm_grace_period")} s (0: the lease time)`;
      report.note(`${step.id} on ${vm.name}: ${text}`);
      report.check(
        step.id,
        title(`lease and grace in force on ${vm.name}`),
        val("nfsv4leasetime") !== "?",
        text,
      );
      return;
    }
    case "command": {
      const vm = vmOf(ctx, step.on);
      const r = await vm.console.run(withRoles(ctx, step.command), (step.timeout ?? 120) * 1000);
      writeFileSync(
        path.join(captureDir, `${step.id}-${vm.name}.txt`),
        `$ ${step.command}\nrc ${r.rc}\n${r.out}\n`,
      );
      const ok = r.rc === 0 && (step.expect === undefined || new RegExp(step.expect, "m").test(r.out));
      report.check(
        step.id,
        step.title,
        ok,
        // The last lines: where commands print their verdict and figures.
        `rc ${r.rc}: ${r.out
          .split("\n")
          .filter((l) => l.trim())
          .slice(-4)
          .join(" / ")
          .slice(-500)}`,
        sinceMark(ctx),
      );
      return;
    }
  }
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
