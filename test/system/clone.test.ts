// pairboot clone end to end on real tools: node A's disk on a loop device, node A and node B as network
// namespaces joined by a veth pair, the real CLI on both ends. Then the ways it must fail safely: wrong
// code, sender dying mid-way, a byte flipped on the wire or in an image file, a target too small, a
// source mounted read-write.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execa, type ResultPromise } from "execa";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { parseSfdiskDump } from "../../src/clone/layout.js";
import { injectFiles } from "../support/images.js";
import { rootfsDir } from "../support/rootfs.js";
import {
  DATA_MARKER,
  espFingerprint,
  LoopDisks,
  makeSourceDisk,
  Netns,
  part,
  readFsFile,
  sh,
  sourceAnswer,
  treeFingerprint,
} from "./clone-fixture.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAIRBOOT = join(ROOT, "bin/pairboot.js");
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const PORT = 7790;
const ROOTFS = rootfsDir;
const log = (text: string) => console.log(`[clone] ${text}`);
const secs = (since: number) => ((Date.now() - since) / 1000).toFixed(0);

const disks = await LoopDisks.create();
const netns = new Netns();
let source = "";
let sourceTree = "";
let sourceEsp = "";
let nsA = "";
let nsB = "";
const addrA = "10.231.1.1";
let image = "";

/**
 * The CLI in a network namespace, in a private mount namespace ("private"), or plain (null). `code` goes
 * to its standard input, where `clone receive` reads the pairing code (never argv).
 */
function pairboot(
  ns: string | null,
  args: string[],
  code?: string,
): ResultPromise<{ reject: false; all: true }> {
  const cmd =
    ns === "private"
      ? ["unshare", ["-m", "--propagation", "private", process.execPath, PAIRBOOT, ...args]]
      : ns
        ? ["ip", ["netns", "exec", ns, process.execPath, PAIRBOOT, ...args]]
        : [process.execPath, [PAIRBOOT, ...args]];
  return execa(cmd[0] as string, cmd[1] as string[], {
    reject: false,
    all: true,
    cwd: ROOT,
    // The power-cut cases SIGKILL a sender mid-section: its work directory must land in the test's own.
    env: { LC_ALL: "C", TMPDIR: disks.dir },
    ...(code === undefined ? {} : { input: `${code}\n` }),
  });
}

/** Node B restores `img` onto `target` (keeping node A's identity), keyed by `key`: the host's CLI. */
function receiveImage(img: string, target: string, ...key: string[]) {
  return pairboot(null, [
    "clone",
    "receive",
    "--from-image",
    img,
    ...key,
    "--disk",
    target,
    "--keep-identity",
  ]);
}

/** Starts `clone send` in node A's namespace and returns it with the pairing code it shows. */
async function startSender(
  extra: string[] = [],
  disk = source,
): Promise<{ proc: ResultPromise<{ reject: false; all: true }>; code: string }> {
  const proc = pairboot(nsA, ["clone", "send", "--disk", disk, "--port", String(PORT), ...extra]);
  let out = "";
  const code = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pairing code shown:\n${out}`)), 120_000);
    proc.all?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Pairing code:\s+([A-Z0-9-]+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void proc.then((r) => reject(new Error(`sender exited early: ${r.all}`)));
  });
  return { proc, code };
}

/** Evidence that nothing was written to a fresh sparse target: no blocks allocated in its backing file. */
async function allocatedBytes(dev: string): Promise<number> {
  const file = (await sh(`losetup -n -O BACK-FILE ${dev}`)).trim();
  return Number((await sh(`du -B1 ${file} | cut -f1`)).trim());
}

async function partitionTypes(dev: string): Promise<string> {
  return (await sh(`sfdisk --dump ${dev}`)).replace(/^device:.*$/m, "");
}

/**
 * Runs a shell command chrooted into an OS filesystem mounted read-only in a private mount namespace,
 * with a tmpfs on its /tmp: the disk is not changed and the mount is gone when the command ends.
 */
async function inRoot(dev: string, cmd: string, mode: "ro" | "rw" = "ro"): Promise<string> {
  const mnt = await mkdtemp(join(disks.dir, "root-"));
  const script = `mount -o ${mode} ${dev} ${mnt} && mount -t tmpfs tmp ${mnt}/tmp && mount --rbind /dev ${mnt}/dev && mount -t proc proc ${mnt}/proc && chroot ${mnt} /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 /bin/sh -c "$1"`;
  const r = await execa("unshare", ["-m", "--propagation", "private", "bash", "-c", script, "sh", cmd], {
    reject: false,
    all: true,
  });
  await rm(mnt, { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`in ${dev}: ${cmd} failed (${r.exitCode}):\n${r.all}`);
  return r.all;
}

/** Everything a user checks on node B's disk after a clone. */
async function expectGoodClone(target: string): Promise<void> {
  const src = parseSfdiskDump(await sh(`sfdisk --dump ${source}`));
  const dst = parseSfdiskDump(await sh(`sfdisk --dump ${target}`));
  expect(dst.labelId).toBe(src.labelId);
  for (const n of [1, 2, 3]) {
    const a = src.partitions.find((p) => p.number === n);
    const b = dst.partitions.find((p) => p.number === n);
    expect({ ...b, number: n }).toEqual({ ...a, number: n });
  }
  const aData = src.partitions[3];
  const bData = dst.partitions[3];
  expect(bData?.start).toBe(aData?.start);
  expect(bData?.name).toBe("pairboot-data");
  const targetSectors = Number(await sh(`blockdev --getsz ${target}`));
  // The data partition reaches to the end of B's disk, less the backup GPT and 1 MiB alignment.
  expect(targetSectors - ((bData?.start ?? 0) + (bData?.size ?? 0))).toBeLessThan(2048 + 34);
  expect(bData?.size).toBeGreaterThan(aData?.size ?? 0);

  const fsck = await execa("e2fsck", ["-fn", part(target, 3)], { reject: false });
  expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
  expect(await treeFingerprint(part(target, 3), disks)).toBe(sourceTree);
  expect(await espFingerprint(part(target, 2))).toBe(sourceEsp);

  // Not a byte of node A's data partition: its markers are absent where they were on A, and B's data
  // partition starts and ends with zeros (no stale signature, no DRBD metadata).
  const aSize = (aData?.size ?? 0) * 512;
  const d = part(target, 4);
  for (const off of [0, aSize / 2, aSize - MiB]) {
    const window = await sh(
      `dd if=${d} bs=1M iflag=skip_bytes skip=${off} count=1 status=none | grep -c -a ${DATA_MARKER} || true`,
    );
    expect(window.trim()).toBe("0");
  }
  const bSize = Number(await sh(`blockdev --getsize64 ${d}`));
  for (const off of [0, bSize - MiB]) {
    const nonzero = await sh(
      `dd if=${d} bs=1M iflag=skip_bytes skip=${off} count=1 status=none | tr -d '\\0' | wc -c`,
    );
    expect(nonzero.trim()).toBe("0");
  }
}

beforeAll(async () => {
  nsA = await netns.add("a");
  nsB = await netns.add("b");
  await netns.link(nsA, `${addrA}/24`, nsB, "10.231.1.2/24");
});

afterAll(async () => {
  await netns.cleanup();
  await disks.cleanup();
});

describe("pairboot clone", () => {
  beforeAll(async () => {
    source = await makeSourceDisk(disks);
    sourceTree = await treeFingerprint(part(source, 3), disks);
    sourceEsp = await espFingerprint(part(source, 2));
  });

  it("clones node A onto a larger disk over TCP between two namespaces", async () => {
    const target = await disks.disk("net-target.img", 9 * GiB);
    const { proc, code } = await startSender();
    const recv = await pairboot(
      nsB,
      ["clone", "receive", "--from", `${addrA}:${PORT}`, "--disk", target, "--keep-identity"],
      code.toLowerCase(),
    );
    const sent = await proc;
    expect(recv.exitCode, recv.all).toBe(0);
    expect(sent.exitCode, sent.all).toBe(0);
    expect(sent.all).toMatch(/node B verified the copy/);
    expect(recv.all).toMatch(/is complete: final partition types written/);
    // Progress is shown with a rate and an ETA, in ASCII.
    expect(sent.all).toMatch(/os\s+\d+%.*\/s\s+ETA/);
    expect(recv.all).toMatch(/^[\x20-\x7e\n\r]*$/);
    await expectGoodClone(target);
  });

  it("writes an image file and restores it onto another disk", async () => {
    image = join(disks.dir, "node-a.pbimg");
    // No key option: keyed with the cluster secrets of the answer node A's install saved on its disk.
    const made = await pairboot(null, ["clone", "send", "--disk", source, "--to-image", image]);
    expect(made.exitCode, made.all).toBe(0);
    expect(made.all).toMatch(/encrypted, keyed with the cluster secrets of \/etc\/pairboot\/answer\.yaml/);
    // Only its owner can read it, and none of its content is in clear (no header, no file names).
    expect((await stat(image)).mode & 0o777).toBe(0o600);
    const text = (await readFile(image)).toString("latin1");
    expect(text).not.toMatch(/pairboot-clone|pairboot-os|node-a|partclone/);
    const target = await disks.disk("image-target.img", 8 * GiB);
    const r = await receiveImage(image, target, "--answer", sourceAnswer(disks));
    expect(r.exitCode, r.all).toBe(0);
    // The verify pass comes before anything is written.
    expect(r.all.indexOf("verified os section")).toBeLessThan(r.all.indexOf(`writing ${target}`));
    await expectGoodClone(target);
  });

  it("refuses a wrong pairing code on both ends and writes nothing", async () => {
    const target = await disks.disk("wrong-code.img", 8 * GiB);
    const { proc, code } = await startSender();
    const wrong = code.startsWith("A") ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    const r = await pairboot(
      nsB,
      ["clone", "receive", "--from", `${addrA}:${PORT}`, "--disk", target, "--keep-identity"],
      wrong,
    );
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/node A refused the pairing code/);
    expect(r.all).toMatch(/nothing was written to/);
    await netns.killAll(nsA);
    const sent = await proc;
    expect(sent.all).toMatch(/wrong pairing code/);
    expect(await allocatedBytes(target)).toBe(0);
  });

  it("detects a sender that dies mid-way and leaves the target marked incomplete", async () => {
    const target = await disks.disk("truncated.img", 8 * GiB);
    const { proc, code } = await startSender(["--level", "19"]); // slow, so there is time to pull the plug
    const recvP = pairboot(
      nsB,
      ["clone", "receive", "--from", `${addrA}:${PORT}`, "--disk", target, "--keep-identity"],
      code,
    );
    let seen = "";
    await new Promise<void>((resolve) => {
      recvP.all?.on("data", (d: Buffer) => {
        seen += d.toString();
        if (/esp\s+done/.test(seen)) resolve();
      });
      void recvP.then(() => resolve());
    });
    await new Promise((r) => setTimeout(r, 2000));
    await netns.killAll(nsA); // node A loses power in the middle of the OS partition
    const r = await recvP;
    await proc;
    expect(r.exitCode, r.all).not.toBe(0);
    expect(r.all).toMatch(/did not arrive intact|did not confirm|connection/);
    expect(r.all).toMatch(/left incomplete/);
    const table = await partitionTypes(target);
    expect(table).toMatch(/pairboot-incomplete-os/);
    expect(table).not.toMatch(/C12A7328-F81F-11D2-BA4B-00A0C93EC93B/); // no ESP for firmware to find
  });

  it("detects a byte flipped on the wire by a relay between the nodes", async () => {
    const nsM = await netns.add("m");
    const nsC = await netns.add("c");
    await netns.link(nsA, "10.231.2.1/24", nsM, "10.231.2.2/24");
    await netns.link(nsM, "10.231.3.2/24", nsC, "10.231.3.1/24");
    const relay = join(disks.dir, "flip-relay.mjs");
    await writeFile(relay, FLIP_RELAY);
    const relayProc = execa(
      "ip",
      [
        "netns",
        "exec",
        nsM,
        process.execPath,
        relay,
        "10.231.3.2",
        String(PORT),
        "10.231.2.1",
        String(PORT),
        // Inside the first record (1 MiB) of the ESP's data connection, the first stream that long: the
        // old unauthenticated stream had zstd and partclone write most of that record before failing.
        String(1_000_000),
      ],
      { reject: false, all: true },
    );
    await new Promise((r) => setTimeout(r, 1000));
    const target = await disks.disk("flipped.img", 8 * GiB);
    const { proc, code } = await startSender();
    const r = await pairboot(
      nsC,
      ["clone", "receive", "--from", `10.231.3.2:${PORT}`, "--disk", target, "--keep-identity"],
      code,
    );
    const sent = await proc;
    await netns.killAll(nsM);
    const relayOut = await relayProc;
    expect(relayOut.all).toMatch(/flipped byte/);
    expect(r.exitCode, r.all).not.toBe(0);
    expect(r.all).toMatch(
      /the esp section did not arrive intact: .*the esp section from node A failed authentication at record 0/,
    );
    expect(r.all).toMatch(/left incomplete/);
    expect(sent.exitCode).not.toBe(0);
    expect(await partitionTypes(target)).toMatch(/pairboot-incomplete-os/);
    // Not a byte of the damaged record reached the disk: B's ESP partition is still all zeros.
    const nonzero = await sh(`tr -d '\\0' < ${part(target, 2)} | wc -c`);
    expect(nonzero.trim()).toBe("0");
  });

  it("detects a flipped byte in an image file before writing anything", async () => {
    expect(image).not.toBe("");
    const bad = join(disks.dir, "flipped.pbimg");
    await copyFile(image, bad);
    const size = (await stat(bad)).size;
    const fh = await open(bad, "r+");
    const at = Math.floor(size * 0.6);
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    b[0] = (b[0] ?? 0) ^ 0x10;
    await fh.write(b, 0, 1, at);
    await fh.close();
    const target = await disks.disk("flipped-image-target.img", 8 * GiB);
    const r = await receiveImage(bad, target, "--answer", sourceAnswer(disks));
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(
      /not a pairboot image pairboot can use: its os section failed authentication at record \d+/,
    );
    expect(r.all).toMatch(/nothing was written to/);
    expect(await allocatedBytes(target)).toBe(0);

    // An image cut short (the copy to the stick was interrupted) is refused the same way.
    const cut = join(disks.dir, "cut.pbimg");
    await copyFile(image, cut);
    await sh(`truncate -s ${Math.floor(size / 2)} ${cut}`);
    const c = await receiveImage(cut, target, "--answer", sourceAnswer(disks));
    expect(c.exitCode).not.toBe(0);
    expect(c.all).toMatch(/its os section ended before its last record \(cut short after \d+ records\)/);
    expect(await allocatedBytes(target)).toBe(0);
  });

  it("refuses a forged image (made with another key), an image without its key and a missing file, writing nothing", async () => {
    // The audit's H2: someone without the cluster secrets makes an image of a disk of their choosing;
    // they can key it only with a key of their own, and B, opening it with the cluster's, refuses it.
    const keyFile = join(disks.dir, "forger.key");
    await writeFile(keyFile, "the forger's own passphrase\n", { mode: 0o600 });
    const forged = join(disks.dir, "forged.pbimg");
    const made = await pairboot(null, [
      "clone",
      "send",
      "--disk",
      source,
      "--to-image",
      forged,
      "--key-file",
      keyFile,
    ]);
    expect(made.exitCode, made.all).toBe(0);
    const target = await disks.disk("forged-target.img", 8 * GiB);
    const f = await receiveImage(forged, target, "--answer", sourceAnswer(disks));
    expect(f.exitCode).not.toBe(0);
    expect(f.all).toMatch(/the image is protected with a passphrase/);
    // Its own passphrase opens it (so the refusal above is the key, nothing else).
    const wrongPass = join(disks.dir, "wrong.key");
    await writeFile(wrongPass, "not the forger's passphrase\n", { mode: 0o600 });
    const w = await receiveImage(forged, target, "--key-file", wrongPass);
    expect(w.all).toMatch(
      /its header does not open with this key \(wrong passphrase, or the image was altered\)/,
    );
    // Node A's genuine image without any key (no terminal to ask): refused, saying what to give.
    const n = await receiveImage(image, target);
    expect(n.all).toMatch(/no key for the image: give the cluster's answer file with --answer FILE/);
    // A key file others can read is refused.
    const open644 = join(disks.dir, "open.key");
    await writeFile(open644, "the forger's own passphrase\n", { mode: 0o644 });
    const o = await receiveImage(forged, target, "--key-file", open644);
    expect(o.all).toMatch(/has mode 0644: others can read it; make it 0600/);
    const m = await receiveImage(join(disks.dir, "no-such.pbimg"), target, "--answer", sourceAnswer(disks));
    expect(m.all).toMatch(/the image file \S+no-such\.pbimg does not exist\nnothing was written to/);
    for (const r of [f, w, n, o, m]) expect(r.exitCode).not.toBe(0);
    for (const r of [f, w, n, m]) expect(r.all).toMatch(/nothing was written to/);
    expect(await allocatedBytes(target)).toBe(0);
  });

  it("refuses a target disk too small for node A's OS partition, writing nothing", async () => {
    const target = await disks.disk("small.img", 6 * GiB);
    const r = await receiveImage(image, target, "--answer", sourceAnswer(disks));
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/target disk is too small/);
    expect(r.all).toMatch(/nothing was written/);
    expect(await allocatedBytes(target)).toBe(0);
  });

  it("refuses to send from a disk with a filesystem mounted read-write", async () => {
    const mnt = await disks.mount(part(source, 3));
    try {
      const r = await pairboot(null, [
        "clone",
        "send",
        "--disk",
        source,
        "--to-image",
        join(disks.dir, "never.pbimg"),
      ]);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toMatch(/mounted read-write/);
    } finally {
      await disks.umount(mnt);
    }
  });
});

// Node B made from a real install of node A (pairboot install from the cached target root), cloned over
// TCP with B's identity and bootloader. A cloned B booting (its bond on B's MACs, its own machine ID and
// SSH key, DRBD and Heartbeat with A) is the cluster lab's job (test/lab/run.ts), from the ISO.
describe("node B from an installed node A", () => {
  const ROOT_PASSWORD = "pairboot-clone-test";
  // What node A's first boot would have left on its disk: its own machine ID (the install leaves it empty).
  const A_MACHINE_ID = randomBytes(16).toString("hex");
  let diskA = "";
  let diskB = "";
  it("installs node A, clones it over TCP as node B with GRUB and a rebuilt initramfs", async () => {
    if (!existsSync(join(ROOTFS, "etc/debian_version"))) {
      await execa("bash", [join(ROOT, "scripts/build-rootfs.sh")], { stdio: "inherit" });
    }
    diskA = await disks.disk("installed-a.img", 8 * GiB);
    diskB = await disks.disk("installed-b.img", 8 * GiB);
    const doc = parse(await readFile(join(ROOT, "examples/seed.yaml"), "utf8")) as Record<string, unknown>;
    const [a, b] = doc.nodes as Record<string, unknown>[];
    if (!a || !b) throw new Error("examples/seed.yaml must have two nodes");
    a.disk = { path: diskA };
    b.disk = { path: diskB };
    doc.access = {
      ssh_authorized_keys: [],
      root_password_hash: (await execa("openssl", ["passwd", "-6", ROOT_PASSWORD])).stdout.trim(),
    };
    (doc.drbd as Record<string, unknown>).shared_secret = "CloneTestDrbdSecret0123456789";
    (doc.heartbeat as Record<string, unknown>).authkey = "CloneTestHeartbeatKey0123456";
    const answer = join(disks.dir, "installed.yaml");
    await writeFile(answer, stringify(doc), { mode: 0o600 });
    let t0 = Date.now();
    // In a private mount namespace: a namespace another process on this host makes while the install
    // has node A's root mounted would otherwise keep a copy of that mount, and the filesystem in use
    // (partclone then refused it as unclean, seen here).
    const inst = await pairboot("private", [
      "install",
      "--answer",
      answer,
      "--node",
      "node-a",
      "--disk",
      diskA,
      "--source",
      ROOTFS,
      "--target",
      join(disks.dir, "target-a"),
    ]);
    expect(inst.exitCode, inst.all).toBe(0);
    log(`install of node A: ${secs(t0)} s`);
    // Node A as it is after its own first boot: a machine ID of its own; and an absolute /etc/resolv.conf
    // symlink, which B's identity must replace and never follow onto the receiving machine.
    await injectFiles(
      part(diskA, 3),
      [
        { path: "/etc/machine-id", content: `${A_MACHINE_ID}\n`, mode: 0o444 },
        { path: "/var/lib/dbus/machine-id", content: `${A_MACHINE_ID}\n`, mode: 0o444 },
      ],
      [{ path: "/etc/resolv.conf", target: "/run/pairboot-clone-test-escape" }],
    );

    // A fresh install keeps the image's initramfs, which names no NICs; an admin's later update-initramfs
    // on node A (a kernel upgrade) copies A's pinned names into it. Then B's must be rebuilt with B's.
    expect(await inRoot(part(diskA, 3), "lsinitramfs /boot/initrd.img-*")).not.toMatch(/10-pairboot-/);
    await inRoot(part(diskA, 3), "update-initramfs -u -k all", "rw");
    expect(await inRoot(part(diskA, 3), "lsinitramfs /boot/initrd.img-*")).toMatch(/10-pairboot-lan0\.link/);

    t0 = Date.now();
    const { proc, code } = await startSender([], diskA);
    // No --answer: node B's identity comes from the answer file node A's install saved on its disk.
    const recv = await pairboot(
      nsB,
      ["clone", "receive", "--from", `${addrA}:${PORT}`, "--disk", diskB],
      code,
    );
    const sent = await proc;
    expect(recv.exitCode, recv.all).toBe(0);
    expect(sent.exitCode, sent.all).toBe(0);
    log(`clone of the installed node A over TCP, identity and bootloader included: ${secs(t0)} s`);
    expect(recv.all).toMatch(/node B's identity written \(node-b\)/);
    expect(recv.all).toMatch(/GRUB installed on \/dev\/loop\d+ and the initramfs checked/);

    const fsck = await execa("e2fsck", ["-fn", part(diskB, 3)], { reject: false });
    expect(fsck.exitCode, fsck.stdout).toBe(0);
    const read = (dev: string, p: string) => readFsFile(dev, p, disks);
    const [osB, osA] = [part(diskB, 3), part(diskA, 3)];
    expect(await read(osB, "etc/hostname")).toBe("node-b\n");
    expect((await read(osB, "etc/pairboot/node"))?.trim()).toBe("node-b");
    expect(await read(osB, "etc/machine-id")).toBe("");
    expect(await read(osB, "var/lib/dbus/machine-id")).toBeNull();
    expect(await read(osB, "etc/network/interfaces")).toMatch(/address 192\.168\.42\.2\/24/);
    expect(await read(osB, "etc/systemd/network/10-pairboot-lan0.link")).toMatch(/52:54:00:00:0b:01/);
    const keyB = await read(osB, "etc/ssh/ssh_host_ed25519_key.pub");
    expect(keyB).toMatch(/^ssh-ed25519 /);
    expect(keyB).not.toBe(await read(osA, "etc/ssh/ssh_host_ed25519_key.pub"));
    // Node A's files that are not identity are untouched.
    expect(await read(osB, "etc/pairboot/answer.yaml")).toBe(await read(osA, "etc/pairboot/answer.yaml"));
    expect(await read(osB, "etc/fstab")).toBe(await read(osA, "etc/fstab"));
    // A's absolute /etc/resolv.conf symlink was replaced, not followed onto the host.
    await expect(stat("/run/pairboot-clone-test-escape")).rejects.toThrow();
    expect(await read(osB, "etc/resolv.conf")).toMatch(/nameserver 192\.168\.42\.254/);
    expect(await partitionTypes(diskB)).toMatch(/name="pairboot-os"/);

    // GRUB's core image went into B's own BIOS boot partition (the clone zeroed it before).
    const core = await sh(`dd if=${part(diskB, 1)} bs=512 count=1 status=none | tr -d '\\0' | wc -c`);
    expect(Number(core.trim())).toBeGreaterThan(0);
    // A later grub-pc upgrade on node B reinstalls onto B's disk without asking (a loop device has no
    // /dev/disk/by-id name, so the device itself), and the initramfs pins the NIC names to B's MACs.
    const inB = await inRoot(
      osB,
      "debconf-show grub-pc; k=$(ls /lib/modules | head -n1); unmkinitramfs /boot/initrd.img-$k /tmp/i && " +
        "find /tmp/i -path '*/lib/systemd/network/10-pairboot-lan0.link' -exec cat {} +",
    );
    expect(inB).toContain(`grub-pc/install_devices: ${diskB}`);
    expect(await inRoot(osA, "debconf-show grub-pc")).toContain(`grub-pc/install_devices: ${diskA}`);
    expect(inB).toMatch(/MACAddress=52:54:00:00:0b:01/);
    expect(inB).not.toMatch(/52:54:00:00:0a:01/);
  }, 1_200_000);
});

// A TCP relay that forwards every connection and flips one bit at a given offset of the first
// A-to-B stream that gets that far (only the OS partition's data connection is long enough).
const FLIP_RELAY = `
import net from "node:net";
const [listenHost, listenPort, toHost, toPort, flipAt] = process.argv.slice(2);
let flipped = false;
net.createServer((client) => {
  const upstream = net.connect(Number(toPort), toHost);
  let seen = 0;
  client.pipe(upstream);
  upstream.on("data", (chunk) => {
    if (!flipped && seen + chunk.length > Number(flipAt)) {
      const i = Number(flipAt) - seen;
      chunk[i] ^= 0x01;
      flipped = true;
      console.log("flipped byte at offset " + flipAt);
    }
    seen += chunk.length;
    client.write(chunk);
  });
  upstream.on("end", () => client.end());
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
}).listen(Number(listenPort), listenHost);
`;
