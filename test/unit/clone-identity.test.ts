import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CloneHeader } from "../../src/clone/format.js";
import { bootloaderCommands, chooseNodeB, writeIdentityFiles } from "../../src/clone/identity.js";
import { IDENTITY_REMOVALS } from "../../src/plan/identity.js";
import { seed } from "../support/fixtures.js";

const header = (node: string | null) => ({ source: { node, diskBytes: 1, sectorSize: 512 } }) as CloneHeader;

describe("node B's identity", () => {
  it("is the answer file's other node unless one is named", async () => {
    const spec = seed();
    expect(chooseNodeB(spec, header("node-a"))).toBe("node-b");
    expect(chooseNodeB(spec, header(null), "node-b")).toBe("node-b");
    expect(() => chooseNodeB(spec, header("node-a"), "node-a")).toThrow(/must be the other node/);
    expect(() => chooseNodeB(spec, header(null))).toThrow(/--node/);
    expect(() => chooseNodeB(spec, header("elsewhere"))).toThrow(/does not list/);
  });

  it("replaces node A's per-machine state in a copied root", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pairboot-identity-"));
    const root = join(dir, "root");
    const outside = join(dir, "outside-the-root");
    try {
      for (const d of [
        "etc/ssh",
        "etc/pairboot",
        "etc/systemd/network",
        "var/lib/dbus",
        "var/lib/heartbeat",
        "var/lib/systemd",
      ]) {
        await mkdir(join(root, d), { recursive: true });
      }
      await mkdir(join(root, "usr/lib"), { recursive: true });
      await writeFile(join(root, "usr/lib/os-release"), "VERSION_CODENAME=trixie\n");
      await writeFile(join(root, "etc/hostname"), "node-a\n");
      await writeFile(join(root, "etc/machine-id"), "0123456789abcdef0123456789abcdef\n");
      await writeFile(join(root, "var/lib/dbus/machine-id"), "0123456789abcdef0123456789abcdef\n");
      await writeFile(join(root, "var/lib/heartbeat/hb_uuid"), "x");
      await writeFile(join(root, "var/lib/heartbeat/hostcache"), "node-a x\n");
      await writeFile(join(root, "var/lib/systemd/random-seed"), "seed");
      await writeFile(join(root, "etc/ssh/ssh_host_ed25519_key"), "node A's key");
      await writeFile(
        join(root, "etc/systemd/network/10-pairboot-old0.link"),
        "[Match]\nMACAddress=52:54:00:00:0a:09\n",
      );
      // An absolute symlink in A's root must be replaced, never followed out of the root.
      await symlink(outside, join(root, "etc/resolv.conf"));

      const done = await writeIdentityFiles(root, seed(), "node-b");

      expect(await readFile(join(root, "etc/hostname"), "utf8")).toBe("node-b\n");
      expect((await readFile(join(root, "etc/pairboot/node"), "utf8")).trim()).toBe("node-b");
      expect(await readFile(join(root, "etc/machine-id"), "utf8")).toBe("");
      expect(await readFile(join(root, "etc/network/interfaces"), "utf8")).toMatch(
        /192\.168\.42\.2\/24|192\.168\.42\.2\b/,
      );
      expect(await readFile(join(root, "etc/systemd/network/10-pairboot-lan0.link"), "utf8")).toMatch(
        /52:54:00:00:0b:01/,
      );
      for (const gone of [
        "var/lib/dbus/machine-id",
        "var/lib/heartbeat/hb_uuid",
        "var/lib/heartbeat/hostcache",
        "var/lib/systemd/random-seed",
        "etc/systemd/network/10-pairboot-old0.link",
      ]) {
        await expect(stat(join(root, gone))).rejects.toThrow();
      }
      expect(await readFile(join(root, "etc/ssh/ssh_host_ed25519_key"), "utf8")).toMatch(
        /BEGIN OPENSSH PRIVATE KEY/,
      );
      expect((await lstat(join(root, "etc/resolv.conf"))).isFile()).toBe(true);
      await expect(stat(outside)).rejects.toThrow();
      expect(((await stat(join(root, "etc/ha.d/authkeys"))).mode & 0o777).toString(8)).toBe("600");
      expect(done).toContain("removed /var/lib/dbus/machine-id");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a copied root whose /etc and /var link outside (absolute and relative) changes nothing outside it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "pairboot-identity-"));
    const root = join(dir, "mnt", "root");
    const outside = join(dir, "outside");
    const list = () =>
      execFileSync(
        "sh",
        [
          "-c",
          `cd "$1" && find . -printf '%y %m %p\\n' | sort && find . -type f -exec cat {} +`,
          "-",
          outside,
        ],
        {
          encoding: "utf8",
        },
      );
    try {
      for (const d of ["etc/ssh", "etc/systemd/network", "var/lib/dbus", "var/lib/heartbeat"]) {
        await mkdir(join(outside, d), { recursive: true });
      }
      await writeFile(join(outside, "etc/hostname"), "the live system\n");
      await writeFile(join(outside, "etc/ssh/ssh_host_rsa_key"), "the live system's own key\n");
      await writeFile(join(outside, "etc/systemd/network/10-pairboot-live.link"), "[Match]\n");
      await writeFile(join(outside, "var/lib/dbus/machine-id"), "live machine id\n");
      await writeFile(join(outside, "var/lib/heartbeat/hb_generation"), "7\n");
      await mkdir(root, { recursive: true });
      await symlink(join(outside, "etc"), join(root, "etc"));
      await symlink("../../outside/var", join(root, "var"));
      await mkdir(join(root, "root"));
      await mkdir(join(root, "usr/lib"), { recursive: true });
      await writeFile(join(root, "usr/lib/os-release"), "VERSION_CODENAME=trixie\n");
      const before = list();

      await writeIdentityFiles(root, seed(), "node-b");

      expect(list()).toBe(before);
      // Resolved as B's kernel will resolve them once B boots with this root as /.
      expect(await readFile(join(root, outside, "etc/hostname"), "utf8")).toBe("node-b\n");
      expect(await readFile(join(root, outside, "etc/ssh/ssh_host_ed25519_key"), "utf8")).toMatch(
        /BEGIN OPENSSH PRIVATE KEY/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("lists every reset in one place and installs GRUB on B's own disk", () => {
    const paths = IDENTITY_REMOVALS.map((r) => r.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/var/lib/dbus/machine-id",
        "/var/lib/heartbeat/hb_uuid",
        "/etc/ssh/ssh_host_*",
      ]),
    );
    const { commands, release } = bootloaderCommands("/mnt/b", {
      disk: "/dev/sdb",
      osDevice: "/dev/sdb3",
      osUuid: "0f0e0d0c-0b0a-4908-8706-050403020100",
      espNumber: 2,
      partitions: [{ path: "/dev/sdb4", name: "pairboot-data" }],
      installDevice: "/dev/disk/by-id/ata-DISK_B",
    });
    const inRoot = commands.filter((c) => c.startsWith("chroot /mnt/b ")).join("\n");
    expect(inRoot).toContain("'grub-install --target=i386-pc --recheck /dev/sdb'");
    expect(inRoot).toContain("grub-pc grub-pc/install_devices multiselect /dev/disk/by-id/ata-DISK_B");
    // The initramfs is rebuilt only when it pins A's NIC names (test/system/clone.test.ts runs both ways).
    expect(inRoot).toMatch(/lsinitramfs \/boot\/initrd\.img-\*.*10-pairboot-.*update-initramfs -u -k all/);
    // Without udev, the links the configs name exist inside B's root only.
    expect(commands.join("\n")).toContain("ln -sfn /dev/sdb4 /mnt/b/dev/disk/by-partlabel/pairboot-data");
    expect(release.join("\n")).toContain("umount -R /mnt/b$m");
  });
});
