// The VM harness end to end: a disk made from the target rootfs (no installer), booted by
// direct kernel boot in a private network namespace with three NICs on three bridges; the
// serial console gives a root shell; a cable pulled with set_link shows up in the guest; a
// power cut ends it. Runs as root; builds the rootfs first when it is missing (minutes, cached).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { createLab, type Lab } from "../support/netlab.js";
import { startVm, type Vm } from "../support/qemu.js";
import {
  assembleGptDisk,
  consoleAutologin,
  injectFiles,
  makeExt4FromDir,
  GiB,
  MiB,
} from "../support/images.js";
import { ensureRootfs, repoRoot, type Rootfs } from "../support/rootfs.js";

const work = path.join(repoRoot, ".cache", `vm-harness-${process.pid}`);
const logDir = path.join(repoRoot, ".cache", "logs", "vm-harness");
const nics = [
  { mac: "52:54:00:00:0a:01", tap: "t-lan0", bridge: "lan-sw1" },
  { mac: "52:54:00:00:0a:02", tap: "t-lan1", bridge: "lan-sw2" },
  { mac: "52:54:00:00:0a:03", tap: "t-repl0", bridge: "repl" },
];

let rootfs: Rootfs | undefined;
let skipReason: string | undefined;
let lab: Lab | undefined;
let vm: Vm | undefined;
let disk = "";

const log = (s: string) => console.log(`[vm-harness] ${s}`);

beforeAll(async () => {
  const r = await ensureRootfs({ log });
  if ("skip" in r) {
    skipReason = r.skip;
    return;
  }
  rootfs = r;
  log(`rootfs ready in ${(r.ensureMs / 1000).toFixed(1)} s (kernel ${r.kernelVersion})`);

  mkdirSync(work, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const t0 = Date.now();
  const rootImg = path.join(work, "root.ext4");
  await makeExt4FromDir({ dir: r.dir, image: rootImg, sizeBytes: 2 * GiB, label: "vmtest-root" });
  // The template has no identity and no autologin: give this throwaway disk both. Services this
  // test does not need are masked: under TCG on a shared host every unit costs seconds.
  const masked = [
    "heartbeat.service",
    "logd.service",
    "nfs-server.service",
    "nfs-blkmap.service",
    "rpcbind.service",
    "rpcbind.socket",
    "ssh.service",
    "chrony.service",
    "e2scrub_reap.service",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "man-db.timer",
  ];
  const autologin = consoleAutologin();
  await injectFiles(
    rootImg,
    [{ path: "/etc/hostname", content: "vmtest\n" }, ...autologin.files],
    [
      ...autologin.symlinks,
      ...masked.map((u) => ({ path: `/etc/systemd/system/${u}`, target: "/dev/null" })),
    ],
  );
  disk = path.join(work, "disk.raw");
  await assembleGptDisk(disk, 2 * GiB + 2 * MiB, [{ name: "root", content: rootImg }]);
  await rm(rootImg);
  log(`test disk built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  lab = await createLab("harness");
  for (const br of new Set(nics.map((n) => n.bridge))) await lab.addBridge(br);
  for (const n of nics) await lab.addTap(n.tap, n.bridge);
}, 1_500_000);

afterAll(async () => {
  await vm?.cleanup();
  await lab?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe("QEMU harness on the target rootfs", () => {
  it("boots to a root shell on the serial console", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    if (!rootfs || !lab) throw new Error("setup failed");
    vm = await startVm({
      name: "vmtest",
      disk,
      firmware: "bios",
      memoryMiB: 768,
      nics: nics.map((n) => ({ mac: n.mac, tap: n.tap })),
      netns: lab.netns,
      logDir,
      kernel: rootfs.kernel,
      initrd: rootfs.initrd,
      // init_on_alloc=0: Debian zeroes every page it allocates; under TCG that costs minutes.
      append: "root=/dev/vda1 rw console=ttyS0,115200 net.ifnames=0 init_on_alloc=0",
    });
    await vm.console.shell({ timeoutMs: 540_000 });
    const bootS = (Date.now() - vm.startedAt) / 1000;
    log(`boot to root shell: ${bootS.toFixed(1)} s`);
    const { out, rc } = await vm.console.run("uname -r");
    expect(rc).toBe(0);
    expect(out).toBe(rootfs.kernelVersion);
    expect((await vm.console.run("hostname")).out).toBe("vmtest");
  });

  it("reports a failing command's exit code and its output", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    if (!vm) throw new Error("no VM");
    const r = await vm.console.run("echo to-stderr >&2; ls /nonexistent");
    expect(r.rc).toBe(2);
    expect(r.out).toContain("to-stderr");
    expect(r.out).toContain("No such file or directory");
    await vm.console.writeFile("/root/hello.txt", "line 1\nline 'two' $HOME\n");
    expect((await vm.console.run("cat /root/hello.txt")).out).toBe("line 1\nline 'two' $HOME");
  });

  it("gives the template a fresh machine id without first-boot presets", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    if (!vm) throw new Error("no VM");
    expect((await vm.console.run("cat /etc/machine-id")).out).toMatch(/^[0-9a-f]{32}$/);
    const presets = await vm.console.run("journalctl -b -o cat | grep -c 'Populated /etc with preset'");
    expect(presets.out).toBe("0");
  });

  it("shows the three NICs with their MACs and sees a pulled cable", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    if (!vm) throw new Error("no VM");
    const links = await vm.console.run("ip -o link");
    expect(links.rc).toBe(0);
    const byMac = new Map<string, string>();
    for (const line of links.out.split("\n")) {
      const m = /^\d+: ([^:@]+)[:@].* link\/ether ([0-9a-f:]{17})/.exec(line);
      if (m?.[1] && m[2]) byMac.set(m[2], m[1]);
    }
    for (const n of nics)
      expect(byMac.has(n.mac), `guest NIC with MAC ${n.mac} in:\n${links.out}`).toBe(true);

    const ifname = byMac.get(nics[1]!.mac)!;
    const carrier = async () => (await vm!.console.run(`cat /sys/class/net/${ifname}/carrier`)).out;
    const waitCarrier = async (want: string) => {
      for (let i = 0; i < 20; i++) {
        if ((await carrier()) === want) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(await carrier()).toBe(want);
    };
    await vm.console.check0(`ip link set ${ifname} up`);
    await waitCarrier("1");
    await vm.setLink(1, false);
    await waitCarrier("0");
    expect(await vm.monitor("info network")).toContain("net1: index=0,type=tap,ifname=t-lan1");
    await vm.setLink(1, true);
    await waitCarrier("1");
  });

  it("powers off by killing QEMU", async (ctx) => {
    if (skipReason) ctx.skip(skipReason);
    if (!vm) throw new Error("no VM");
    const r = await vm.powerOff();
    expect(r.signal).toBe("SIGKILL");
    expect(vm.running).toBe(false);
  });
});
