// The one writer under a root (src/apply/files.ts) on real directories and real symlinks: whatever links a
// root holds (absolute, relative, looping, at the last component), nothing outside it is written, read or
// removed, and links inside it resolve as they would on the node itself.
import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdirUnderRoot, readUnderRoot, removeUnderRoot, writeUnderRoot } from "../../src/apply/files.js";

let dir: string;
let root: string;
let outside: string;

/** Every entry under a directory with its type, mode and content: what "unchanged" is compared on. */
function listing(path: string): string {
  return execFileSync(
    "sh",
    ["-c", `cd "$1" && find . -printf '%y %m %p %l\\n' | sort && find . -type f -exec cat {} +`, "-", path],
    {
      encoding: "utf8",
    },
  );
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pairboot-files-"));
  root = join(dir, "a", "root");
  outside = join(dir, "outside");
  await mkdir(root, { recursive: true });
  await mkdir(join(outside, "etc/ssh"), { recursive: true });
  await writeFile(join(outside, "etc/hostname"), "the live system\n");
  await writeFile(join(outside, "etc/ssh/ssh_host_rsa_key"), "the live system's own key\n", { mode: 0o600 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writeUnderRoot, removeUnderRoot, readUnderRoot", () => {
  for (const [kind, link] of [
    ["absolute", () => join(outside, "etc")],
    ["relative", () => "../../outside/etc"],
  ] as const) {
    it(`an ${kind} symlinked /etc pointing outside writes, reads and removes only inside the root`, async () => {
      await symlink(link(), join(root, "etc"));
      const before = listing(outside);

      await writeUnderRoot(root, { path: "/etc/hostname", content: "node-b\n", mode: 0o644 });
      await writeUnderRoot(root, { path: "/etc/ssh/ssh_host_rsa_key", content: "B's key\n", mode: 0o600 });
      expect(await readUnderRoot(root, "/etc/ssh/ssh_host_rsa_key")).toEqual(Buffer.from("B's key\n"));
      const removed = await removeUnderRoot(root, "/etc/ssh/ssh_host_*");
      expect(removed).toEqual(["/etc/ssh/ssh_host_rsa_key"]);
      await removeUnderRoot(root, "/etc/hostname");
      await writeUnderRoot(root, { path: "/etc/hostname", content: "node-b\n", mode: 0o644 });

      expect(listing(outside)).toBe(before);
      // The link resolved as the kernel resolves it when the root is /: the write landed in the root.
      const landed =
        kind === "absolute" ? join(root, outside, "etc/hostname") : join(root, "outside/etc/hostname");
      expect(await readFile(landed, "utf8")).toBe("node-b\n");
      expect(await readlink(join(root, "etc"))).toBe(link());
    });
  }

  it("reads nothing outside the root through a link, even one that names an existing outside file", async () => {
    await symlink(join(outside, "etc"), join(root, "etc"));
    expect(await readUnderRoot(root, "/etc/hostname")).toBeNull();
    await symlink(join(outside, "etc/hostname"), join(root, "name"));
    expect(await readUnderRoot(root, "/name")).toBeNull();
  });

  it("replaces a symlink at the last component instead of writing or removing through it", async () => {
    await mkdir(join(root, "etc"));
    await symlink(join(outside, "etc/hostname"), join(root, "etc/hostname"));
    await symlink("../../../outside/etc/ssh/ssh_host_rsa_key", join(root, "etc/key"));
    const before = listing(outside);
    await writeUnderRoot(root, { path: "/etc/hostname", content: "node-b\n", mode: 0o644 });
    expect(await removeUnderRoot(root, "/etc/key")).toEqual(["/etc/key"]);
    expect(listing(outside)).toBe(before);
    expect((await lstat(join(root, "etc/hostname"))).isFile()).toBe(true);
    await expect(lstat(join(root, "etc/key"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a symlink loop with a message naming the root and the path, writing nothing", async () => {
    await symlink("loop-b", join(root, "loop-a"));
    await symlink("loop-a", join(root, "loop-b"));
    const before = listing(dir);
    await expect(
      writeUnderRoot(root, { path: "/loop-a/hostname", content: "x", mode: 0o644 }),
    ).rejects.toThrow(`${root}: /loop-a/hostname: too many levels of symbolic links (a loop?)`);
    await expect(removeUnderRoot(root, "/loop-a/x")).rejects.toThrow(/too many levels of symbolic links/);
    expect(listing(dir)).toBe(before);
  });

  it("refuses paths with . or .. components rather than resolving them", async () => {
    await expect(
      writeUnderRoot(root, { path: "/etc/../../outside/etc/hostname", content: "x", mode: 0o644 }),
    ).rejects.toThrow(/refusing "\/etc\/..\/..\/outside\/etc\/hostname": not a plain absolute path/);
    await expect(removeUnderRoot(root, "etc/hostname")).rejects.toThrow(/not a plain absolute path/);
  });

  it("follows usrmerge's /bin -> usr/bin inside the root, and .. never climbs above it", async () => {
    await mkdir(join(root, "usr/bin"), { recursive: true });
    await symlink("usr/bin", join(root, "bin"));
    await symlink("../../../../..", join(root, "usr/bin/up"));
    await writeUnderRoot(root, { path: "/bin/tool", content: "#!/bin/sh\n", mode: 0o755 });
    expect((await stat(join(root, "usr/bin/tool"))).mode & 0o777).toBe(0o755);
    await writeUnderRoot(root, { path: "/bin/up/top", content: "top\n", mode: 0o644 });
    expect(await readFile(join(root, "top"), "utf8")).toBe("top\n");
  });

  it("writes the exact mode whatever the umask, leaving no temporary file", async () => {
    await writeUnderRoot(root, { path: "/etc/machine-id", content: "", mode: 0o444 });
    await writeUnderRoot(root, { path: "/etc/ha.d/authkeys", content: "auth 1\n", mode: 0o600 });
    await writeUnderRoot(root, { path: "/usr/local/sbin/tool", content: "#!/bin/sh\n", mode: 0o755 });
    expect(listing(root)).toMatch(/^f 444 \.\/etc\/machine-id $/m);
    expect(listing(root)).toMatch(/^f 600 \.\/etc\/ha\.d\/authkeys $/m);
    expect(listing(root)).toMatch(/^f 755 \.\/usr\/local\/sbin\/tool $/m);
    expect(listing(root)).not.toMatch(/pairboot-/);
  });

  it.skipIf(process.getuid?.() !== 0)("keeps an existing file's owner and group (root only)", async () => {
    await mkdir(join(root, "etc/drbd.d"), { recursive: true });
    await writeFile(join(root, "etc/drbd.d/global_common.conf"), "old\n", { mode: 0o644 });
    execFileSync("chown", ["0:4242", join(root, "etc/drbd.d/global_common.conf")]);
    await writeUnderRoot(root, { path: "/etc/drbd.d/global_common.conf", content: "new\n", mode: 0o640 });
    const st = await stat(join(root, "etc/drbd.d/global_common.conf"));
    expect([st.mode & 0o777, st.gid]).toEqual([0o640, 4242]);
  });

  it("makes missing directories, following links inside the root", async () => {
    await symlink("/real", join(root, "var"));
    await mkdirUnderRoot(root, "/var/lib/pairboot");
    expect((await stat(join(root, "real/lib/pairboot"))).isDirectory()).toBe(true);
  });
});
