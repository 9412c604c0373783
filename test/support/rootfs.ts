// The target root filesystem made by scripts/build-rootfs.sh, for tests that boot VMs.
//
//   const r = await ensureRootfs();
//   if ("skip" in r) ctx.skip(r.skip);
//   r.dir, r.squashfs, r.kernel, r.initrd, r.kernelVersion
//
// ensureRootfs() runs the build script, which returns at once when its cache is current. A
// test is skipped only when there is no tree at all and the Debian mirror cannot be reached;
// any other build failure fails the test.
import { execa } from "execa";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const rootfsDir = path.join(repoRoot, ".cache/rootfs");

export interface Rootfs {
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
  opts: { log?: (line: string) => void } = {},
): Promise<Rootfs | { skip: string }> {
  const t0 = Date.now();
  const script = path.join(repoRoot, "scripts/build-rootfs.sh");
  const have = existsSync(path.join(rootfsDir, "boot")) && existsSync(`${rootfsDir}.squashfs`);
  const r = await execa("bash", [script], { reject: false, all: true, timeout: 1_500_000 });
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
    dir: rootfsDir,
    squashfs: `${rootfsDir}.squashfs`,
    ...bootFiles(rootfsDir),
    ensureMs: Date.now() - t0,
  };
}
