// planNode on recorded machines: which disk, which steps in which order, the exact commands, and the
// refusals a user would meet (no disk, several disks, too small, only the boot medium, --disk mismatch).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ClusterSpecSchema, type ClusterSpec } from "../../src/answer/schema.js";
import { formatPlan, redactedPlan } from "../../src/plan/format.js";
import { LIVE_PATHS } from "../../src/plan/liveonly.js";
import { partitionPath, planNode } from "../../src/plan/plan.js";
import type { NodePlan } from "../../src/plan/types.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { espVolumeId, osFsUuid } from "../../src/render/ids.js";

function facts(name: string): HardwareFacts {
  return JSON.parse(readFileSync(`test/fixtures/hardware/${name}.json`, "utf8")) as HardwareFacts;
}

function seed(edit?: (doc: Record<string, unknown>) => void): ClusterSpec {
  const doc = parse(readFileSync("examples/seed.yaml", "utf8")) as Record<string, unknown>;
  const drbd = (doc.drbd ??= {}) as Record<string, unknown>;
  drbd.shared_secret = "drbdSecretForTheUnitTest0123";
  const hb = (doc.heartbeat ??= {}) as Record<string, unknown>;
  hb.authkey = "heartbeatKeyForTheUnitTest99";
  const access = (doc.access ??= {}) as Record<string, unknown>;
  access.root_password_hash = "$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
  edit?.(doc);
  return ClusterSpecSchema.parse(doc);
}

const source = { kind: "dir" as const, path: "/run/live/rootfs/filesystem.squashfs" };
const opts = { source, answerPath: "/media/answer.yaml", logPath: "/var/log/pairboot/install-test.log" };

function planOk(spec: ClusterSpec, hw: string, extra: { disk?: string; tool?: string } = {}): NodePlan {
  const r = planNode(spec, "node-a", facts(hw), { ...opts, ...extra });
  if (!r.ok) throw new Error(r.message);
  return r.plan;
}

function step(plan: NodePlan, id: string) {
  const s = plan.steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

describe("planNode on node A's recorded hardware", () => {
  const spec = seed();
  const plan = planOk(spec, "node-a");

  it("chooses the SATA disk, never the live stick, and says why", () => {
    expect(plan.disk.path).toBe("/dev/sda");
    expect(plan.disk.why).toMatch(/QEMU HARDDISK/);
    expect(plan.disk.why).toMatch(/sdb.*boot medium.*skipped/);
  });

  it("runs the steps in install order with GRUB config and the complete marker last", () => {
    const ids = plan.steps.map((s) => s.id);
    expect(ids).toEqual([
      "preflight",
      "partition",
      "mkfs",
      "mount",
      "copy-root",
      "chroot-prepare",
      "remove-live",
      "write-files",
      "identity",
      "services",
      "configure",
      "users",
      "initramfs",
      "bootloader",
      "grub-config",
      "chroot-release",
      "save-records",
      "complete",
      "unmount",
    ]);
    expect(plan.steps.filter((s) => s.destructive).map((s) => s.id)).toEqual(["partition", "mkfs"]);
  });

  it("lays out four partitions on the chosen disk, the data partition to the end", () => {
    const parts = plan.layout.partitions;
    expect(parts.map((p) => [p.path, p.name])).toEqual([
      ["/dev/sda1", "pairboot-bios"],
      ["/dev/sda2", "pairboot-esp"],
      ["/dev/sda3", "pairboot-os"],
      ["/dev/sda4", "pairboot-data"],
    ]);
    const os = parts[2];
    const data = parts[3];
    expect(os?.sizeBytes).toBe(spec.storage.os_size);
    // The data partition ends on the last whole MiB before the backup GPT.
    expect((data?.startBytes ?? 0) + (data?.sizeBytes ?? 0)).toBe(plan.disk.sizeBytes - 1024 ** 2);
  });

  it("formats with exactly the ids the rendered fstab names", () => {
    const mkfs = step(plan, "mkfs").commands;
    expect(mkfs).toContain(`mkfs.ext4 -F -q -U ${osFsUuid(spec)} -L pairboot-os /dev/sda3`);
    expect(mkfs).toContain(`mkfs.vfat -F 32 -n EFI -i ${espVolumeId(spec)} /dev/sda2`);
    const fstab = step(plan, "write-files").files.find((f) => f.path === "/etc/fstab");
    expect(fstab?.content).toContain(`UUID=${osFsUuid(spec)} / ext4`);
  });

  it("partitions with the layout's sfdisk script after wiping old signatures", () => {
    const cmds = step(plan, "partition").commands;
    expect(cmds[1]).toBe("wipefs -a /dev/sda");
    expect(cmds[2]).toBe(
      `sfdisk --wipe always --wipe-partitions always /dev/sda <<'EOF'\n${plan.layout.sfdiskScript}EOF`,
    );
    expect(plan.layout.sfdiskScript).toMatch(/name="pairboot-data"/);
  });

  it("copies from a directory with rsync keeping owners, hard links, ACLs and xattrs", () => {
    const rsync = step(plan, "copy-root").commands.find((c) => c.startsWith("rsync"));
    expect(rsync).toMatch(/^rsync -aHAXx --numeric-ids /);
    expect(rsync).toContain("--exclude='/proc/*'");
    expect(rsync).toMatch(/ \/run\/live\/rootfs\/filesystem\.squashfs\/ \/run\/pairboot\/target\/$/);
  });

  it("unpacks a squashfs image with unsquashfs when the source is an image", () => {
    const sq = planNode(seed(), "node-a", facts("node-a"), {
      ...opts,
      source: { kind: "squashfs", path: "/run/live/medium/live/filesystem.squashfs" },
    });
    expect(sq.ok).toBe(true);
    if (!sq.ok) return;
    expect(step(sq.plan, "copy-root").commands).toContain(
      "unsquashfs -f -d /run/pairboot/target /run/live/medium/live/filesystem.squashfs",
    );
  });

  it("enables and disables the tree's services (never masks) and installs GRUB both ways", () => {
    const svc = step(plan, "services").commands.join("\n");
    expect(svc).toMatch(/systemctl --root=\/run\/pairboot\/target enable .*heartbeat\.service/);
    expect(svc).toMatch(/systemctl --root=\/run\/pairboot\/target disable .*nfs-server\.service/);
    expect(svc).not.toMatch(/mask/);
    const boot = step(plan, "bootloader").commands.join("\n");
    expect(boot).toContain("grub-install --target=i386-pc --recheck /dev/sda");
    // A later grub-pc upgrade reinstalls onto the disk by its stable name, without asking.
    expect(boot).toContain(
      "grub-pc grub-pc/install_devices multiselect /dev/disk/by-id/ata-QEMU_HARDDISK_QM00001",
    );
    expect(boot).toContain("mcopy -o -i /dev/sda2");
    expect(boot).toContain("::/EFI/BOOT/BOOTX64.EFI");
    const grubDefaults = step(plan, "bootloader").files.find((f) => f.path === "/etc/default/grub");
    expect(grubDefaults?.content).toContain("console=tty0 console=ttyS0,115200n8");
  });

  it("names the disk by its device for grub-pc when it has no /dev/disk/by-id link", () => {
    const hw = facts("node-a");
    const r = planNode(spec, "node-a", { ...hw, disks: hw.disks.map((d) => ({ ...d, byId: [] })) }, opts);
    if (!r.ok) throw new Error(r.message);
    expect(step(r.plan, "bootloader").commands.join("\n")).toContain(
      "grub-pc grub-pc/install_devices multiselect /dev/sda",
    );
  });

  it("puts no pairboot command on the node when there is no runtime to copy", () => {
    expect(plan.steps.map((s) => s.id)).not.toContain("pairboot-command");
  });

  it("with a runtime, copies it to /opt/pairboot after the live-only paths went, and checks it runs there", () => {
    const withTool = planOk(spec, "node-a", { tool: "/opt/pairboot" });
    const ids = withTool.steps.map((s) => s.id);
    expect(ids.indexOf("pairboot-command")).toBeGreaterThan(ids.indexOf("remove-live"));
    expect(ids.indexOf("pairboot-command")).toBeLessThan(ids.indexOf("chroot-release"));
    const s = step(withTool, "pairboot-command");
    expect(s.commands.join("\n")).toContain("cp -a /opt/pairboot/$p /run/pairboot/target/opt/pairboot/");
    expect(s.commands.at(-1)).toMatch(/^chroot \/run\/pairboot\/target .*pairboot status --help/);
    const cmd = s.files.find((f) => f.path === "/usr/local/sbin/pairboot");
    expect(cmd?.mode).toBe(0o755);
    expect(cmd?.content).toContain('exec /opt/pairboot/bin/node /opt/pairboot/lib/pairboot.mjs "$@"');
  });

  it("removes every live-only path from the one list", () => {
    const rm = step(plan, "remove-live").commands.at(-1) ?? "";
    for (const p of LIVE_PATHS) expect(rm).toContain(`/run/pairboot/target${p}`);
  });

  it("never shows secrets: files as their size, the password hash redacted", () => {
    const text = formatPlan(plan);
    const json = JSON.stringify(redactedPlan(plan));
    for (const secret of plan.secrets) {
      expect(text).not.toContain(secret);
      expect(json).not.toContain(secret);
    }
    expect(plan.secrets.length).toBe(3);
    expect(text).toMatch(/write \/etc\/ha\.d\/authkeys \(mode 0600\):\n {4}\| <secret, \d+ bytes>/);
    expect(text).toMatch(/usermod -p \S*<secret, \d+ bytes>\S* root/);
  });
});

describe("planNode refusals", () => {
  const spec = seed();

  it("refuses a disk too small for the layout, naming sizes", () => {
    const r = planNode(spec, "node-a", facts("too-small"), opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/too small|min_size/);
  });

  it("refuses when the selector matches two disks, listing both", () => {
    const r = planNode(spec, "node-a", facts("two-equal-disks"), opts);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(/matches 2 disks/);
      expect(r.message).toContain("/dev/sda");
      expect(r.message).toContain("/dev/sdb");
    }
  });

  it("--disk picks one of several matching disks", () => {
    const plan = planOk(spec, "two-equal-disks", { disk: "/dev/sdb" });
    expect(plan.disk.path).toBe("/dev/sdb");
    expect(plan.disk.why).toMatch(/named by --disk/);
  });

  it("--disk naming the boot medium is refused even though the selector matches it", () => {
    const r = planNode(spec, "node-a", facts("node-a"), { ...opts, disk: "/dev/sdb" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/boot medium/);
  });

  it("--disk that the answer's selector does not match is refused", () => {
    const bySerial = seed((doc) => {
      const nodes = doc.nodes as Record<string, unknown>[];
      (nodes[0] as Record<string, unknown>).disk = { serial: "NOT-THIS-ONE" };
    });
    const r = planNode(bySerial, "node-a", facts("node-a"), { ...opts, disk: "/dev/sda" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/--disk \/dev\/sda does not fit node-a's disk selector/);
  });

  it("refuses a disk with mounted partitions", () => {
    const r = planNode(spec, "node-a", facts("mounted-partition"), opts);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/in use/);
  });
});

describe("partition device names", () => {
  it("adds p before the number when the disk name ends in a digit", () => {
    expect(partitionPath("/dev/sda", 3)).toBe("/dev/sda3");
    expect(partitionPath("/dev/nvme0n1", 3)).toBe("/dev/nvme0n1p3");
    expect(partitionPath("/dev/loop7", 4)).toBe("/dev/loop7p4");
  });
});
