// The target root filesystem made by scripts/build-rootfs.sh, for tests that install or boot it.
//
//   const r = await ensureRootfs();            // or ensureRootfs({ release: "bookworm" })
//   if ("skip" in r) ctx.skip(r.skip);
//   r.dir, r.squashfs, r.kernel, r.initrd, r.kernelVersion, r.release
//
// The release is PAIRBOOT_RELEASE as the build scripts read it (scripts/rootfs/release.sh): one of
// scripts/rootfs/releases.txt, the first when unset; each release has its own tree, .cache/rootfs-RELEASE.
// ensureRootfs() runs the build script, which returns at once when its cache is current. A
// test is skipped only when there is no tree at all and the Debian mirror cannot be reached;
// any other build failure fails the test.
import { execa } from "execa";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const releasesFile = path.join(repoRoot, "scripts/rootfs/releases.txt");
/** The Debian releases the build scripts build for, the default first (scripts/rootfs/releases.txt). */
export const RELEASES: readonly string[] = readFileSync(releasesFile, "utf8")
  .split("\n")
  .map((l) => l.replace(/#.*/, "").trim())
  .filter((l) => l !== "");

/** PAIRBOOT_RELEASE checked like the build scripts check it; unset or empty is the default release. */
export function resolveRelease(value: string | undefined = process.env.PAIRBOOT_RELEASE): string {
  const wanted = value === undefined || value === "" ? RELEASES[0] : value;
  if (wanted === undefined || !RELEASES.includes(wanted)) {
    throw new Error(
      `PAIRBOOT_RELEASE=${JSON.stringify(value)} is not a release pairboot builds; allowed: ${RELEASES.join(", ")} (${releasesFile})`,
    );
  }
  return wanted;
}

/** The release the tests install and boot: PAIRBOOT_RELEASE, else the default (trixie). */
export const release = resolveRelease();

/** The cached tree of a release (scripts/rootfs/release.sh names the same paths). */
export function rootfsDirOf(r: string): string {
  return path.join(repoRoot, `.cache/rootfs-${resolveRelease(r)}`);
}

/** The cached tree of the tests' release; its .squashfs and .stamp sit next to it. */
export const rootfsDir = rootfsDirOf(release);

export interface Rootfs {
  release: string;
  dir: string;
  squashfs: string;
  kernel: string;
  initrd: string;
  kernelVersion: string;
  /** Wall-clock time ensureRootfs() spent (about 0 when cached). */
  ensureMs: number;
}

/** Kernel and initrd of a tree (the newest version when there are several). */
export function bootFiles(dir: string): { kernel: string; initrd: string; kernelVersion: string } {
  const versions = readdirSync(path.join(dir, "boot"))
    .filter((f) => f.startsWith("vmlinuz-"))
    .map((f) => f.slice("vmlinuz-".length))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const v = versions.at(-1);
  if (!v) throw new Error(`no kernel in ${dir}/boot`);
  return {
    kernel: path.join(dir, "boot", `vmlinuz-${v}`),
    initrd: path.join(dir, "boot", `initrd.img-${v}`),
    kernelVersion: v,
  };
}

async function mirrorReachable(): Promise<boolean> {
  const r = await execa("getent", ["hosts", "deb.debian.org"], { reject: false, timeout: 10_000 });
  if (r.exitCode !== 0) return false;
  const c = await execa("bash", ["-c", "exec 3<>/dev/tcp/deb.debian.org/80"], {
    reject: false,
    timeout: 10_000,
  });
  return c.exitCode === 0;
}

export async function ensureRootfs(
  opts: { log?: (line: string) => void; release?: string } = {},
): Promise<Rootfs | { skip: string }> {
  const t0 = Date.now();
  const rel = resolveRelease(opts.release ?? release);
  const dir = rootfsDirOf(rel);
  const script = path.join(repoRoot, "scripts/build-rootfs.sh");
  const have = existsSync(path.join(dir, "boot")) && existsSync(`${dir}.squashfs`);
  const r = await execa("bash", [script], {
    reject: false,
    all: true,
    timeout: 1_500_000,
    env: { PAIRBOOT_RELEASE: rel },
  });
  const output = String(r.all ?? "");
  for (const line of output.split("\n").filter((l) => l.startsWith("build-rootfs:"))) opts.log?.(line);
  if (r.exitCode !== 0) {
    const tail = output.split("\n").slice(-25).join("\n");
    if (!have && !(await mirrorReachable())) {
      return {
        skip: `target rootfs not built and deb.debian.org unreachable: run scripts/build-rootfs.sh with network.\n${tail}`,
      };
    }
    if (!have) throw new Error(`scripts/build-rootfs.sh failed (exit ${r.exitCode}):\n${tail}`);
    opts.log?.(`build-rootfs failed; using the existing (stale) tree:\n${tail}`);
  }
  return {
    release: rel,
    dir,
    squashfs: `${dir}.squashfs`,
    ...bootFiles(dir),
    ensureMs: Date.now() - t0,
  };
}
