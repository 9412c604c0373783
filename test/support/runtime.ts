// A pairboot runtime like the live system's /opt/pairboot (scripts/build-iso.sh): the esbuild bundle of the
// CLI (scripts/bundle.ts) and this machine's Node binary. Installs get it with --tool, so the installed
// node has `pairboot status` the way a node installed from the stick does.
import { execa } from "execa";
import { chmod, copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "./rootfs.js";

export async function buildRuntime(dir: string): Promise<string> {
  await execa(join(repoRoot, "node_modules/.bin/tsx"), [join(repoRoot, "scripts/bundle.ts"), "--out", dir]);
  await mkdir(join(dir, "bin"), { recursive: true });
  await copyFile(process.execPath, join(dir, "bin/node"));
  await chmod(join(dir, "bin/node"), 0o755);
  return dir;
}
