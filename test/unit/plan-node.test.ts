// planNode on recorded machines: which disk, which steps in which order, the exact commands, and the
// refusals a user would meet (no disk, several disks, too small, only the boot medium, --disk mismatch).
import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { commandLine, commandStdin } from "../../src/plan/command.js";
import { formatPlan, redactedPlan } from "../../src/plan/format.js";
import { IDENTITY_REMOVALS } from "../../src/plan/identity.js";
import { LIVE_PATHS } from "../../src/plan/liveonly.js";
import { partitionPath, planNode } from "../../src/plan/plan.js";
import type { NodePlan } from "../../src/plan/types.js";
import { espVolumeId, osFsUuid } from "../../src/render/ids.js";
import { loadFixture, seed as fixtureSeed, type RawDoc } from "../support/fixtures.js";

const facts = loadFixture;

/** The seed with a root password hash, so the plan has all three of its secrets. */
function seed(edit?: (doc: RawDoc) => void): ClusterSpec {
  return fixtureSeed((doc) => {
    doc.access ??= {};
    doc.access.root_password_hash = "$6$saltsalt$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
    edit?.(doc);
  });
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

/** A step's commands as the text that runs. */
function texts(plan: NodePlan, id: string): string[] {
  return step(plan, id).commands.map((c) => commandLine(c, plan.target));
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
      "identity",
      "write-files",
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
    const mkfs = texts(plan, "mkfs");
    expect(mkfs).toContain(`mkfs.ext4 -F -q -U ${osFsUuid(spec)} -L pairboot-os /dev/sda3`);
    expect(mkfs).toContain(`mkfs.vfat -F 32 -n EFI -i ${espVolumeId(spec)} /dev/sda2`);
    const fstab = step(plan, "write-files").files.find((f) => f.path === "/etc/fstab");
    expect(fstab?.content).toContain(`UUID=${osFsUuid(spec)} / ext4`);
  });

  it("partitions with the layout's sfdisk script after wiping old signatures", () => {
    const cmds = texts(plan, "partition");
    expect(cmds[1]).toBe("wipefs -a /dev/sda");
    expect(cmds[2]).toBe(
      `sfdisk --wipe always --wipe-partitions always /dev/sda <<'EOF'\n${plan.layout.sfdiskScript}EOF`,
    );
    expect(plan.layout.sfdiskScript).toMatch(/name="pairboot-data"/);
  });

  it("copies from a directory with rsync keeping owners, hard links, ACLs and xattrs", () => {
    const rsync = texts(plan, "copy-root").find((c) => c.startsWith("rsync"));
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
    expect(texts(sq.plan, "copy-root")).toContain(
      "unsquashfs -f -d /run/pairboot/target /run/live/medium/live/filesystem.squashfs",
    );
  });

  it("enables and disables the tree's services (never masks) and installs GRUB both ways", () => {
    const svc = texts(plan, "services").join("\n");
    expect(svc).toMatch(/systemctl --root=\/run\/pairboot\/target enable .*heartbeat\.service/);
    expect(svc).toMatch(/systemctl --root=\/run\/pairboot\/target disable .*nfs-server\.service/);
    expect(svc).not.toMatch(/mask/);
    const boot = texts(plan, "bootloader").join("\n");
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

  it("puts the signed chain on the ESP for Secure Boot: shim as BOOTX64.EFI, Debian's signed GRUB beside it, its config stub in \\EFI\\debian", () => {
    const boot = texts(plan, "bootloader").join("\n");
    const T = "/run/pairboot/target";
    expect(boot).toContain(
      `mcopy -o -i /dev/sda2 ${T}/usr/lib/shim/shimx64.efi.signed ::/EFI/BOOT/BOOTX64.EFI`,
    );
    expect(boot).toContain(
      `mcopy -o -i /dev/sda2 ${T}/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed ::/EFI/BOOT/grubx64.efi`,
    );
    expect(boot).toContain(`mcopy -o -i /dev/sda2 ${T}/usr/lib/shim/mmx64.efi.signed ::/EFI/BOOT/mmx64.efi`);
    expect(boot).toContain(
      `mcopy -o -i /dev/sda2 ${T}/var/lib/pairboot/grub-efi-early.cfg ::/EFI/debian/grub.cfg`,
    );
    // An unsigned GRUB would be refused under Secure Boot.
    expect(boot).not.toContain("grub-mkimage");
    const stub = step(plan, "bootloader").files.find(
      (f) => f.path === "/var/lib/pairboot/grub-efi-early.cfg",
    );
    expect(stub?.content).toMatch(
      /^search\.fs_uuid [0-9a-f-]{36} root\nset prefix=\(\$root\)\/boot\/grub\nconfigfile \$prefix\/grub\.cfg\n$/,
    );
  });

  it("names the disk by its device for grub-pc when it has no /dev/disk/by-id link", () => {
    const hw = facts("node-a");
    const r = planNode(spec, "node-a", { ...hw, disks: hw.disks.map((d) => ({ ...d, byId: [] })) }, opts);
    if (!r.ok) throw new Error(r.message);
    expect(texts(r.plan, "bootloader").join("\n")).toContain(
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
    const cmds = texts(withTool, "pairboot-command");
    expect(cmds.join("\n")).toContain("cp -a /opt/pairboot/$p /run/pairboot/target/opt/pairboot/");
    expect(cmds.at(-1)).toMatch(/^chroot \/run\/pairboot\/target .*pairboot status --help/);
    const cmd = s.files.find((f) => f.path === "/usr/local/sbin/pairboot");
    expect(cmd?.mode).toBe(0o755);
    expect(cmd?.content).toContain('exec /opt/pairboot/bin/node /opt/pairboot/lib/pairboot.mjs "$@"');
  });

  it("removes every live-only path from the one list", () => {
    const rm = texts(plan, "remove-live").at(-1) ?? "";
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
    expect(text).toMatch(/chpasswd --encrypted'\n {4}\(stdin: <secret, \d+ bytes>\)/);
  });

  it("sets root's password with chpasswd --encrypted reading the hash on stdin, on no command line", () => {
    const [cmd, ...more] = step(plan, "users").commands;
    expect(more).toEqual([]);
    if (cmd === undefined) throw new Error("no command");
    const hash = spec.access.root_password_hash as string;
    expect(commandLine(cmd, plan.target)).toBe(
      "chroot /run/pairboot/target /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 " +
        "DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true /bin/sh -c 'chpasswd --encrypted'",
    );
    expect(commandStdin(cmd)).toBe(`root:${hash}\n`);
    for (const c of plan.steps.flatMap((s) => s.commands)) {
      expect(commandLine(c, plan.target)).not.toContain(hash);
    }
  });

  it("locks root's password through the same command, without a secret, when the answer has no hash", () => {
    const noHash = seed((doc) => delete (doc.access as Record<string, unknown>).root_password_hash);
    const p = planOk(noHash, "node-a");
    const text = formatPlan(p);
    expect(text).toContain(`/bin/sh -c 'chpasswd --encrypted'\n    (stdin: "root:*\\n")`);
    expect(p.secrets.length).toBe(2);
  });

  it("a password hash holding a quote appears in neither the plan's text nor its JSON, raw or quoted", () => {
    // Built past the schema on purpose: the plan must not rely on the hash's character set.
    const hash = "$6$x'y;reboot;'$0123456789abcdefghijklmnopqrstuvwxyzABCD";
    const quoted: ClusterSpec = { ...spec, access: { ...spec.access, root_password_hash: hash } };
    const p = planOk(quoted, "node-a");
    const text = formatPlan(p);
    const json = JSON.stringify(redactedPlan(p));
    for (const out of [text, json]) {
      expect(out).not.toContain("reboot");
      expect(out).not.toContain("$6$x");
    }
  });

  it("node A's identity step clears every path of the per-machine list node B's clone clears", () => {
    const ids = plan.steps.map((s) => s.id);
    expect(ids.indexOf("identity")).toBeLessThan(ids.indexOf("write-files"));
    const identity = step(plan, "identity");
    const [removal, keygen] = identity.commands.map((c) => commandLine(c, plan.target));
    expect(removal).toMatch(/^chroot \/run\/pairboot\/target .* \/bin\/sh -c 'rm -f /);
    for (const r of IDENTITY_REMOVALS) expect(removal).toContain(` ${r.path}`);
    expect(IDENTITY_REMOVALS.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        "/var/lib/heartbeat/hb_generation",
        "/var/lib/heartbeat/delhostcache",
        "/var/lib/drbd/node_id",
        "/etc/systemd/network/10-pairboot-*",
      ]),
    );
    expect(keygen).toMatch(/'ssh-keygen -A'$/);
    expect(identity.files).toEqual([{ path: "/etc/machine-id", content: "", mode: 0o444 }]);
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
