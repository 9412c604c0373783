// `pairboot render FILE --node NAME --out DIR`: writes one node's rendered files into a directory tree,
// so a user (or a review) sees exactly what an install would write, byte for byte and with modes.
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { AnswerFileError, ensureSecrets } from "../answer/secrets.js";
import type { ClusterSpec } from "../answer/schema.js";
import { renderNode } from "../render/index.js";
import { DEFAULT_RELEASE, RELEASES, RELEASE_TRAITS } from "../render/release.js";
import { outputFiles } from "../render/output.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";
import { resolveRelease, resolveSource } from "./plan.js";

const HELP = `usage: pairboot render FILE --node NAME --out DIR [--release RELEASE | --source PATH] [--force]

Render every configuration file of node NAME from the answer file FILE for a Debian release and write them under DIR
(DIR/etc/hostname, DIR/etc/network/interfaces, ...) with their modes. DIR/.pairboot/ holds what is not
a file on the node: services.json (services to enable and disable), chroot-commands.sh (commands run in
the installed root), partitions.sfdisk (the disk layout) and files.txt (every file with its mode).

options:
  --node NAME   the node to render (one of the answer file's nodes)
  --out DIR     where to write; must be empty or absent unless --force
  --release R   the Debian release to render for: ${RELEASES.join(" or ")} (default ${DEFAULT_RELEASE})
  --source PATH render for the release of this root filesystem (a directory or a squashfs image)
  --force       write into a non-empty DIR, replacing files of the same name
  -h, --help    show this help
`;

/**
 * The answer file as a ClusterSpec. Missing shared secrets are generated once and written back into the
 * file (ensureSecrets), so a later render or install of the other node gets the same ones.
 */
async function loadSpec(path: string): Promise<{ spec: ClusterSpec; generated: string[] }> {
  try {
    return await ensureSecrets(path);
  } catch (err) {
    if (err instanceof AnswerFileError)
      throw new CliError(`${path} is not a valid answer file:\n${err.message}`);
    throw new CliError(`cannot use ${path}: ${(err as Error).message}`);
  }
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new CliError(`cannot use ${dir} as output: ${(err as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  const args = parseCommand(
    argv,
    {
      node: { type: "string" },
      out: { type: "string" },
      release: { type: "string" },
      source: { type: "string" },
      force: { type: "boolean", default: false },
    },
    HELP,
  );
  if (!args) return 0;
  const { values, positionals } = args;
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0 || !values.node || !values.out) {
    throw usageError("expected FILE, --node NAME and --out DIR", HELP);
  }
  const out = resolve(values.out);
  if (!values.force && (await isNonEmptyDir(out))) {
    throw new CliError(`${out} is not empty; choose an empty directory or pass --force`);
  }

  // Before the answer file: loading it may write generated secrets into it.
  const source = values.source === undefined ? null : await resolveSource(values.source);
  const release = await resolveRelease(values.release, source);
  const { spec, generated } = await loadSpec(file);
  let tree;
  try {
    tree = renderNode(spec, values.node, release);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const files = outputFiles(spec, tree);
  for (const f of files) {
    const target = join(out, f.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, f.content, { mode: f.mode });
    // The umask may have narrowed the mode on creation, and an existing file keeps its old mode.
    await chmod(target, f.mode);
  }

  const { enable, disable } = tree.services;
  process.stdout.write(
    [
      ...(generated.length > 0
        ? [`generated ${generated.join(" and ")} into ${file} (kept for both nodes)`]
        : []),
      `rendered ${tree.node} for Debian ${RELEASE_TRAITS[release].version} ${release}: ${tree.files.length} files under ${out}`,
      `  enable:  ${enable.join(" ") || "-"}`,
      `  disable: ${disable.join(" ") || "-"}`,
      `  chroot commands: ${tree.chrootCommands.length} (${join(out, ".pairboot", "chroot-commands.sh")})`,
      "",
    ].join("\n"),
  );
  return 0;
}
