// `pairboot install` for real, as root, onto a 12 GiB sparse image on a loop device, from the cached
// target root of PAIRBOOT_RELEASE (.cache/rootfs-trixie unless it names another). Checks what a user would check on the installed disk, that every safety
// refusal leaves the disk byte-identical, and that an install killed during the copy resumes. Installed
// disks boot in VMs elsewhere: node A alone under SeaBIOS after its install from the stick (iso.test.ts),
// both nodes in the cluster lab (A under OVMF).
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile, stat, readlink, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { ClusterSpecSchema } from "../../src/answer/schema.js";
import { InstallRefused, installNode } from "../../src/apply/engine.js";
import { probeHardware } from "../../src/probe/index.js";
import { osFsUuid } from "../../src/render/ids.js";
import { attachLoop, createSparseImage, GiB, MiB, withMount, type Loop } from "../support/images.js";
import { release, rootfsDir } from "../support/rootfs.js";
import { mountsBelow } from "../support/mounts.js";
import { buildRuntime } from "../support/runtime.js";

const REPO = process.cwd();
const ROOTFS = rootfsDir;
// The command a user runs: one process (tsx registered in-process), so a signal reaches pairboot itself.
const CLI = join(REPO, "bin/pairboot.js");
// A target directory of this test's own: other installs on the host (other tests) use the default one.
let TARGET = "";
/** pairboot's runtime (bundle + Node) that the installs put on the node. */
let RUNTIME = "";

let dir = "";
let image = "";
let loop: Loop;
const ROOT_PASSWORD = "pairboot-test";

async function answer(name: string, edit: (doc: Record<string, unknown>) => void = () => undefined) {
  const doc = parse(await readFile(join(REPO, "examples/seed.yaml"), "utf8")) as Record<string, unknown>;
  for (const n of doc.nodes as Record<string, unknown>[]) n.disk = { path: loop.dev };
  const hash = (await execa("openssl", ["passwd", "-6", ROOT_PASSWORD])).stdout.trim();
  doc.access = {
    ssh_authorized_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPairbootTestKeyOnlyForTheSystemTest test"],
    root_password_hash: hash,
  };
  // Fixed secrets: every answer file of this test describes the same cluster.
  (doc.drbd as Record<string, unknown>).shared_secret = "SystemTestDrbdSecret0123456789";
  (doc.heartbeat as Record<string, unknown>).authkey = "SystemTestHeartbeatKey01234567";
  edit(doc);
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, stringify(doc), { mode: 0o600 });
  return path;
}

/** `pairboot install` of node A onto the test's loop disk, from the cached rootfs, into this test's target. */
function installArgs(answerPath: string, ...extra: string[]): string[] {
  return [
    CLI,
    "install",
    "--answer",
    answerPath,
    "--node",
    "node-a",
    "--disk",
    loop.dev,
    "--source",
    ROOTFS,
    "--target",
    TARGET,
    "--tool",
    RUNTIME,
    ...extra,
  ];
}

async function install(answerPath: string, ...extra: string[]) {
  return execa(process.execPath, installArgs(answerPath, ...extra), {
    reject: false,
    all: true,
    timeout: 900_000,
  });
}

/** Hash of what a refusal must leave alone: the first and last MiB of the disk and its partition table. */
async function fingerprint(): Promise<string> {
  const h = createHash("sha256");
  const fh = await open(loop.dev, "r");
  try {
    const size = (await stat(image)).size;
    const buf = Buffer.alloc(MiB);
    await fh.read(buf, 0, MiB, 0);
    h.update(buf);
    await fh.read(buf, 0, MiB, size - MiB);
    h.update(buf);
  } finally {
    await fh.close();
  }
  const table = await execa("sfdisk", ["--dump", loop.dev], { reject: false });
  h.update(`${table.exitCode}\n${table.stdout}`);
  return h.digest("hex");
}

async function foreignContent(): Promise<void> {
  // An MBR table with one ext4 partition: "someone's data".
  await execa("sfdisk", [loop.dev], { input: "label: dos\nstart=1MiB, size=2GiB, type=83\n" });
  await execa("partx", ["-u", loop.dev], { reject: false });
  await execa("mkfs.ext4", ["-q", "-F", "-L", "precious", `${loop.dev}p1`]);
}

/** Characters outside printable ASCII, tab and line ends: the console font has nothing else. */
function nonAscii(text: string): string[] {
  return [...text].filter((c) => !(c === "\t" || c === "\n" || c === "\r" || (c >= " " && c <= "~")));
}

beforeAll(async () => {
  if (!existsSync(join(ROOTFS, "etc/debian_version"))) {
    await execa("bash", [join(REPO, "scripts/build-rootfs.sh")], { stdio: "inherit" });
  }
  dir = await mkdtemp(join(tmpdir(), "pb-install-"));
  image = join(dir, "disk.img");
  TARGET = join(dir, "target");
  RUNTIME = await buildRuntime(join(dir, "runtime"));
  await createSparseImage(image, 12 * GiB);
  loop = await attachLoop(image);
});

afterAll(async () => {
  if (existsSync(TARGET)) await execa("umount", ["-R", TARGET], { reject: false });
  await loop?.detach();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("safety refusals leave the disk byte-identical", () => {
  it("refuses the boot medium (facts say the loop disk is the live stick)", async () => {
    await foreignContent();
    const before = await fingerprint();
    const spec = ClusterSpecSchema.parse(parse(await readFile(await answer("boot"), "utf8")));
    const facts = await probeHardware({ includeLoop: true });
    const asBootMedium = {
      ...facts,
      disks: facts.disks.map((d) => (d.path === loop.dev ? { ...d, isBootMedium: true } : d)),
    };
    const err = await installNode({
      spec,
      answerPath: join(dir, "boot.yaml"),
      nodeName: "node-a",
      facts: asBootMedium,
      diskPath: loop.dev,
      source: { kind: "dir", path: ROOTFS },
      confirmWipe: true,
      dryRun: false,
      resume: true,
      logDir: join(dir, "logs"),
      target: TARGET,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallRefused);
    expect(String(err)).toMatch(/boot medium/);
    expect(await fingerprint()).toBe(before);
  });

  it("refuses a disk the answer's selector does not match, even with --disk", async () => {
    const before = await fingerprint();
    const path = await answer("mismatch", (doc) => {
      for (const n of doc.nodes as Record<string, unknown>[]) n.disk = { serial: "NOT-THIS-DISK" };
    });
    const r = await install(path);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/does not fit node-a's disk selector/);
    expect(r.all).toContain(loop.dev);
    expect(await fingerprint()).toBe(before);
  });

  it("refuses existing partitions when the answer does not allow wiping, naming what is there", async () => {
    const before = await fingerprint();
    const path = await answer("nowipe", (doc) => {
      (doc.storage as Record<string, unknown>).wipe = false;
    });
    const r = await install(path);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/dos partition table/);
    expect(r.all).toMatch(/storage\.wipe: true/);
    expect(await fingerprint()).toBe(before);
  });

  it("refuses a disk with a mounted partition", async () => {
    const before = await fingerprint();
    const path = await answer("mounted");
    const r = await withMount(`${loop.dev}p1`, () => install(path));
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/in use/);
    expect(await fingerprint()).toBe(before);
  });

  it("refuses a time zone and locale the system to install lacks, naming both, before writing", async () => {
    const before = await fingerprint();
    const path = await answer("zone", (doc) => {
      doc.locale = { ...(doc.locale as object), timezone: "Mars/Olympus", lang: "xx_YY.UTF-8" };
    });
    const r = await install(path);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/locale\.timezone: .*"Mars\/Olympus"/);
    expect(r.all).toMatch(/locale\.lang: .*"xx_YY\.UTF-8"/);
    expect(await fingerprint()).toBe(before);
  });

  it("--dry-run prints the steps and writes nothing", async () => {
    const before = await fingerprint();
    const r = await install(await answer("dry"), "--dry-run");
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/nothing was written/);
    expect(r.all).toContain(`sfdisk --wipe always --wipe-partitions always ${loop.dev}`);
    expect(await fingerprint()).toBe(before);
  });
});

describe("install, interrupted and resumed", () => {
  let seedPath = "";
  let output = "";

  it("stops cleanly when killed during the copy, leaving nothing mounted", async () => {
    seedPath = await answer("seed");
    const child = execa(process.execPath, installArgs(seedPath), {
      reject: false,
      all: true,
    });
    let seen = "";
    child.all?.on("data", (d: Buffer) => {
      seen += d.toString();
    });
    // Kill as soon as rsync has started writing into the target. A fixed delay is not enough: with
    // the source in the page cache the whole copy takes only a few seconds.
    const copying = () => /Copy the root filesystem/.test(seen) && existsSync(join(TARGET, "etc"));
    const deadline = Date.now() + 120_000;
    while (!copying() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    const r = await child;
    expect(r.exitCode, r.all).toBe(130);
    expect(r.all).toMatch(/stopped in step 'copy-root'/);
    expect(await mountsBelow(TARGET)).toEqual([]);
  });

  it("resumes at the copy step when run again, and completes", async () => {
    const r = await install(seedPath);
    output = r.all ?? "";
    expect(r.exitCode, output).toBe(0);
    expect(output).toMatch(/resuming the interrupted install .* at step 'copy-root'/);
    expect(output).toMatch(/\[skip\].*Partition/);
    expect(output).toMatch(/installed on \/dev\/loop\d+ in \d+ s/);
    // ASCII only, whatever the renderer.
    expect(nonAscii(output)).toEqual([]);
    expect(await mountsBelow(TARGET)).toEqual([]);
  });

  it("lays out the GPT partitions by name, type and size", async () => {
    const t = JSON.parse((await execa("sfdisk", ["--json", loop.dev])).stdout).partitiontable;
    const ss = t.sectorsize as number;
    const parts = t.partitions as { start: number; size: number; type: string; name: string }[];
    expect(t.label).toBe("gpt");
    expect(parts.map((p) => p.name)).toEqual([
      "pairboot-bios",
      "pairboot-esp",
      "pairboot-os",
      "pairboot-data",
    ]);
    expect(parts.map((p) => p.type)).toEqual([
      "21686148-6449-6E6F-744E-656564454649",
      "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
      "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709",
      "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
    ]);
    expect(parts.map((p) => (p.size * ss) / MiB).slice(0, 3)).toEqual([1, 512, 5120]);
    const data = parts[3] as { start: number; size: number };
    expect(((data.start + data.size) * ss) / MiB).toBe(12 * 1024 - 1);
  });

  it("leaves a node-a root: fstab ids match blkid, files and modes, services, GRUB, records", async () => {
    const uuid = (await execa("blkid", ["-p", "-s", "UUID", "-o", "value", `${loop.dev}p3`])).stdout.trim();
    const espId = (await execa("blkid", ["-p", "-s", "UUID", "-o", "value", `${loop.dev}p2`])).stdout.trim();
    expect(
      (await execa("blkid", ["-p", "-s", "TYPE", "-o", "value", `${loop.dev}p4`], { reject: false })).stdout,
    ).toBe("");
    // BIOS: GRUB's core image sits in the BIOS boot partition; UEFI: the removable-path image on the ESP.
    const core = Buffer.alloc(512);
    const fh = await open(`${loop.dev}p1`, "r");
    await fh.read(core, 0, 512, 0);
    await fh.close();
    expect(core.some((b) => b !== 0)).toBe(true);
    const esp = await execa("mdir", ["-i", `${loop.dev}p2`, "::/EFI/BOOT"]);
    expect(esp.stdout).toMatch(/BOOTX64\s+EFI/);

    await withMount(
      `${loop.dev}p3`,
      async (root) => {
        const fstab = await readFile(join(root, "etc/fstab"), "utf8");
        expect(fstab).toContain(`UUID=${uuid} / ext4`);
        expect(fstab).toContain(`UUID=${espId} /boot/efi vfat`);
        const spec = ClusterSpecSchema.parse(parse(await readFile(seedPath, "utf8")));
        expect(uuid).toBe(osFsUuid(spec));
        expect((await readFile(join(root, "etc/hostname"), "utf8")).trim()).toBe("node-a");
        const mode = async (p: string) => ((await stat(join(root, p))).mode & 0o777).toString(8);
        expect(await mode("etc/ha.d/authkeys")).toBe("600");
        expect(await mode("root/.ssh/authorized_keys")).toBe("600");
        expect(await mode("etc/pairboot/answer.yaml")).toBe("600");
        expect(await mode("usr/local/sbin/pairboot")).toBe("755");
        expect(await mode("opt/pairboot/bin/node")).toBe("755");
        expect(existsSync(join(root, "opt/pairboot/lib/pairboot.mjs"))).toBe(true);
        expect(await readFile(join(root, "etc/pairboot/answer.yaml"), "utf8")).toBe(
          await readFile(seedPath, "utf8"),
        );
        const wants = await readdir(join(root, "etc/systemd/system/multi-user.target.wants"));
        for (const s of ["drbd.service", "heartbeat.service", "chrony.service", "ssh.service"])
          expect(wants).toContain(s);
        expect(wants).not.toContain("nfs-server.service");
        expect(await readlink(join(root, "etc/localtime"))).toBe("/usr/share/zoneinfo/Etc/UTC");
        expect((await readFile(join(root, "etc/machine-id"), "utf8")).length).toBe(0);
        expect(
          (await readdir(join(root, "etc/ssh"))).filter((f) => f.startsWith("ssh_host_")).length,
        ).toBeGreaterThan(0);
        const grubCfg = await readFile(join(root, "boot/grub/grub.cfg"), "utf8");
        expect(grubCfg).toMatch(
          new RegExp(`linux\\s+/boot/vmlinuz-\\S+ root=UUID=${uuid} ro console=tty0 console=ttyS0,115200n8`),
        );
        expect(existsSync(join(root, "boot/grub/i386-pc/core.img"))).toBe(true);
        expect(
          (await readFile(join(root, "var/lib/pairboot/install-complete"), "utf8")).startsWith("node-a "),
        ).toBe(true);
        const logs = await readdir(join(root, "var/log/pairboot"));
        expect(logs.some((l) => /^install-node-a-.*\.log$/.test(l))).toBe(true);
        const log = await readFile(
          join(root, "var/log/pairboot", logs.find((l) => l.endsWith(".log")) ?? ""),
          "utf8",
        );
        expect(log).toContain("$ rsync -aHAXx");
        // The image's initramfs names no NICs: kept, not rebuilt (the boot below shows the names hold).
        expect(log).toContain("initramfs: no pinned NIC names, no live-boot scripts: kept as it is");
        expect(log).not.toContain("update-initramfs: Generating");
        for (const secret of [
          "SystemTestDrbdSecret0123456789",
          "SystemTestHeartbeatKey01234567",
          spec.access.root_password_hash ?? "x",
        ]) {
          expect(log).not.toContain(secret);
        }
        expect(nonAscii(log)).toEqual([]);
        // The hash went to chpasswd on its standard input, and landed in /etc/shadow.
        expect(log).toMatch(/\/bin\/sh -c 'chpasswd --encrypted'\n\S+ \(stdin: <secret, \d+ bytes>\)/);
        expect(log).not.toContain("usermod");
        const shadow = await readFile(join(root, "etc/shadow"), "utf8");
        expect(
          shadow
            .split("\n")
            .find((l) => l.startsWith("root:"))
            ?.split(":")[1],
        ).toBe(spec.access.root_password_hash);
      },
      // Not "ro": a mount namespace made meanwhile by another test on this host may still hold the
      // filesystem mounted read-write, and the kernel refuses a read-only mount of it then.
    );
  });

  it(`says on the node what it was built from (/etc/pairboot/build and os-release name ${release}) and answers grub2/force_efi_extra_removable=true, grub2/update_nvram=false for later upgrades`, async () => {
    await withMount(`${loop.dev}p3`, async (root) => {
      const build = await readFile(join(root, "etc/pairboot/build"), "utf8");
      expect(build).toBe(await readFile(join(ROOTFS, "etc/pairboot/build"), "utf8"));
      expect(build).toMatch(
        new RegExp(`^release: ${release}\ndebian: \\d+\\.\\d+\nkernel: \\S+\nbuilt: \\S+Z\n$`),
      );
      expect(await readFile(join(root, "etc/os-release"), "utf8")).toMatch(
        new RegExp(`^VERSION_CODENAME=${release}$`, "m"),
      );
      // debconf's own database, as shim-signed's postinst reads it (db_get) when an upgrade runs grub-install.
      const answers = (await readFile(join(root, "var/cache/debconf/config.dat"), "utf8")).split("\n\n");
      const value = (name: string) =>
        answers.find((a) => a.startsWith(`Name: ${name}\n`))?.match(/^Value: (.*)$/m)?.[1];
      expect(value("grub2/force_efi_extra_removable")).toBe("true");
      expect(value("grub2/update_nvram")).toBe("false");
    });
  });

  it("refuses to run over the finished install without --restart", async () => {
    const before = await fingerprint();
    const r = await install(seedPath);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/already holds a finished pairboot install of node-a.*--restart/s);
    expect(await fingerprint()).toBe(before);
  });

  it("refuses a disk whose partition table differs from the plan without --restart", async () => {
    const before = await fingerprint();
    const bigger = await answer("bigger-os", (doc) => {
      (doc.storage as Record<string, unknown>).os_size = "6GiB";
    });
    const r = await install(bigger);
    expect(r.exitCode).toBe(1);
    expect(r.all).toMatch(/partition table differs from this plan.*--restart/s);
    expect(await fingerprint()).toBe(before);
  });
});
