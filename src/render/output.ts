// The on-disk form of a rendered node, as `pairboot render --out DIR` writes it and the golden tests
// compare it: every file at its absolute path under DIR, plus a .pairboot/ directory with what is not a
// file on the node (services to enable or disable, commands to run in the chroot, the partition script).
import type { ClusterSpec } from "../answer/schema.js";
import { partitionLayout, sfdiskScript } from "./storage.js";
import { lines } from "./text.js";
import type { RenderedTree } from "./types.js";

export interface OutputFile {
  /** Relative to the output directory, "/" separated, e.g. "etc/hostname". */
  path: string;
  content: string;
  mode: number;
  secret: boolean;
}

export const META_DIR = ".pairboot";

/**
 * A rendered file's path relative to the output directory. Only plain absolute paths are accepted, so a
 * renderer bug can never write outside DIR. On a target the root writer (src/apply/files.ts) refuses the
 * same paths and also keeps symlinks inside the installed root from leading a write out of it.
 */
function relativePath(path: string): string {
  const parts = path.split("/");
  if (parts[0] !== "" || parts.slice(1).some((p) => p === "" || p === "." || p === "..")) {
    throw new Error(`a renderer produced an unsafe path: ${JSON.stringify(path)}`);
  }
  return parts.slice(1).join("/");
}

/** Every file `render --out` writes, in a stable order. */
export function outputFiles(spec: ClusterSpec, tree: RenderedTree): OutputFile[] {
  const files: OutputFile[] = tree.files.map((f) => ({
    path: relativePath(f.path),
    content: f.content,
    mode: f.mode,
    secret: f.secret === true,
  }));
  const meta = (name: string, content: string, mode = 0o644): OutputFile => ({
    path: `${META_DIR}/${name}`,
    content,
    mode,
    secret: false,
  });
  files.push(
    meta("services.json", `${JSON.stringify(tree.services, null, 2)}\n`),
    meta(
      "chroot-commands.sh",
      lines(
        "#!/bin/sh",
        `# Run inside node ${tree.node}'s installed root after its files are written.`,
        "set -eu",
        tree.chrootCommands,
      ),
      0o755,
    ),
    meta("partitions.sfdisk", sfdiskScript(partitionLayout(spec))),
    // Git keeps no modes beyond the executable bit, so the modes are listed for review and tests.
    meta(
      "files.txt",
      lines(
        tree.files.map((f) => `${f.mode.toString(8).padStart(4, "0")} ${f.path}${f.secret ? " secret" : ""}`),
      ),
    ),
  );
  return files;
}
