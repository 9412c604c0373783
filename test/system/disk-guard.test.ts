// The disk guard asks the kernel, not lsblk: a filesystem mounted only inside another mount namespace (a
// container, a VM helper started while it was mounted) is invisible to lsblk and /proc/self/mounts, but
// the kernel refuses an exclusive open of its device. Root only: a loop disk on a sparse file in a temp
// dir, a partition mounted by an `unshare -m` process this test starts and kills. Nothing is ever mounted
// in the test's own mount namespace.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../../src/answer/schema.js";
import { InstallRefused, installNode } from "../../src/apply/engine.js";
import { exclusiveBusy, readMounts } from "../../src/apply/guards.js";
import type { CloneHeader } from "../../src/clone/format.js";
import { checkTarget } from "../../src/clone/target.js";
import { probeHardware } from "../../src/probe/index.js";
import { attachLoop, createSparseImage, GiB, MiB, type Loop } from "../support/images.js";

const isRoot = process.getuid?.() === 0;
let dir = "";
let loop: Loop | undefined;
let holder: ChildProcess | undefined;
let spec: ClusterSpec;

async function fingerprint(dev: string): Promise<string> {
  const h = createHash("sha256");
  const fh = await open(dev, "r");
  try {
    const buf = Buffer.alloc(4 * MiB);
    await fh.read(buf, 0, buf.length, 0); // the table and the start of p1 (its superblock)
    h.update(buf);
  } finally {
    await fh.close();
  }
  return h.digest("hex");
}

/** Starts `unshare -m` mounting `dev` in its own private namespace; resolves once the mount is there. */
async function mountElsewhere(dev: string, at: string): Promise<ChildProcess> {
  const script = 'mount "$0" "$1" && echo mounted && exec sleep 300';
  const p = spawn("unshare", ["-m", "--propagation", "private", "sh", "-c", script, dev, at], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  p.stderr.on("data", (d: Buffer) => (err += d.toString()));
  await new Promise<void>((resolve, reject) => {
    p.stdout.on("data", (d: Buffer) => {
      if (d.toString().includes("mounted")) resolve();
    });
    p.on("exit", (code) => reject(new Error(`unshare ended (${code}): ${err}`)));
  });
  return p;
}

/** Kills the namespace's only process and waits for it to be gone. */
async function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise((resolve) => p.once("exit", resolve));
  p.kill("SIGKILL");
  await gone;
}

async function install(dryRun: boolean) {
  return installNode({
    spec,
    answerPath: join(dir, "answer.yaml"),
    nodeName: "node-a",
    facts: await probeHardware({ includeLoop: true }),
    diskPath: loop?.dev,
    source: { kind: "dir", path: join(dir, "source") },
    confirmWipe: false,
    dryRun,
    resume: true,
    target: join(dir, "target"),
    logDir: join(dir, "logs"),
    tool: null,
  });
}

describe.skipIf(!isRoot)("a disk mounted in another mount namespace", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "pb-guard-"));
    await mkdir(join(dir, "source/etc"), { recursive: true });
    // The install reads only the release to render for from this stand-in for the system to install.
    await writeFile(join(dir, "source/etc/os-release"), "VERSION_CODENAME=trixie\n");
    await mkdir(join(dir, "mnt"));
    const image = join(dir, "disk.img");
    await createSparseImage(image, 12 * GiB);
    loop = await attachLoop(image);
    await execa("sfdisk", ["--quiet", loop.dev], { input: "label: gpt\nstart=2048, size=2GiB\n" });
    await execa("partx", ["-u", loop.dev], { reject: false });
    await execa("mkfs.ext4", ["-q", "-F", "-L", "precious", `${loop.dev}p1`]);
    const doc = parse(await readFile("examples/seed.yaml", "utf8")) as Record<string, unknown>;
    for (const n of doc.nodes as Record<string, unknown>[]) n.disk = { path: loop.dev };
    (doc.storage as Record<string, unknown>).wipe = true;
    (doc.drbd as Record<string, unknown>).shared_secret = "DiskGuardTestDrbdSecret0123456789";
    (doc.heartbeat as Record<string, unknown>).authkey = "DiskGuardTestHeartbeatKey0123456";
    spec = ClusterSpecSchema.parse(doc);
    await writeFile(join(dir, "answer.yaml"), JSON.stringify(doc), { mode: 0o600 });
    holder = await mountElsewhere(`${loop.dev}p1`, join(dir, "mnt"));
  });

  afterAll(async () => {
    await stop(holder);
    await loop?.detach();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("is invisible to lsblk and /proc/self/mounts here (the case the old guard missed)", async () => {
    const facts = await probeHardware({ includeLoop: true });
    const disk = facts.disks.find((d) => d.path === loop?.dev);
    expect(disk?.mountpoints).toEqual([]);
    expect((await readMounts()).some((m) => m.source.startsWith(`${loop?.dev}p`))).toBe(false);
  });

  it("install (dry run and real, storage.wipe: true) refuses naming the partition, and the disk is unchanged", async () => {
    const dev = loop?.dev ?? "";
    const before = await fingerprint(dev);
    for (const dryRun of [true, false]) {
      const err = await install(dryRun).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InstallRefused);
      expect((err as Error).message).toContain(`${dev}p1 is in use`);
      expect((err as Error).message).toMatch(/mount namespace of pid \d+/);
      expect((err as Error).message).toContain(`${dev} cannot be used`);
    }
    expect(await fingerprint(dev)).toBe(before);
  });

  it("clone receive's target check refuses it before writing", async () => {
    const dev = loop?.dev ?? "";
    const before = await fingerprint(dev);
    const err = await checkTarget(dev, { table: "" } as CloneHeader).catch((e: unknown) => e);
    expect(String(err)).toMatch(new RegExp(`${dev}p1 is in use.*nothing was written`));
    expect(await fingerprint(dev)).toBe(before);
  });

  it("once the other namespace is gone, the same disk passes the guard (dry run accepted)", async () => {
    await stop(holder);
    const dev = loop?.dev ?? "";
    // The namespace's mounts go when its last process has exited; give the kernel a moment.
    for (let i = 0; i < 50 && (await exclusiveBusy(dev)).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exclusiveBusy(dev)).toEqual([]);
    const r = await install(true);
    expect(r.prepared.plan.disk.path).toBe(dev);
    expect(r.prepared.notes.join("\n")).toMatch(/destroying it \(storage\.wipe: true\)/);
  });
});
