// Where the root filesystem to install comes from.
//
// On the live stick, live-boot mounts the squashfs image read-only at
// /run/live/rootfs/filesystem.squashfs/ and stacks a writable overlay on it as /. The install copies the
// read-only squashfs mount, never the overlay root: the overlay carries the live session's own changes
// (live-config's user, logs, pairboot's state) that an installed node must not inherit. If that mount is
// missing (a "toram" boot copies the image to RAM and mounts it elsewhere) the image file on the medium is
// unpacked instead.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../util/exec.js";
import { formatPath } from "../answer/messages.js";
import type { ClusterSpec } from "../answer/schema.js";
import { knownOnRoot, unknownZoneOrLocale } from "../answer/zones.js";
import { TOOL_BUNDLE, TOOL_NODE } from "../plan/tool.js";
import { releaseFromOsRelease, type Release } from "../render/release.js";
import { readUnderRoot } from "./files.js";
import type { InstallSource } from "../plan/types.js";

export const LIVE_ROOT_CANDIDATES: InstallSource[] = [
  { kind: "dir", path: "/run/live/rootfs/filesystem.squashfs" },
  { kind: "squashfs", path: "/run/live/medium/live/filesystem.squashfs" },
];

/** A --source argument: a directory is copied with rsync, a file is unpacked as a squashfs image. */
export async function sourceFromPath(arg: string): Promise<InstallSource> {
  // Absolute: the plan's commands must mean the same wherever they run from.
  const path = resolve(arg);
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new Error(`--source ${path}: no such file or directory`);
  }
  if (st.isDirectory()) return { kind: "dir", path };
  if (st.isFile()) return { kind: "squashfs", path };
  throw new Error(`--source ${path}: neither a directory nor a squashfs image file`);
}

/** The live system's own root, or null when pairboot is not running from the live stick. */
export async function liveSource(): Promise<InstallSource | null> {
  for (const c of LIVE_ROOT_CANDIDATES) {
    const st = await stat(c.path).catch(() => null);
    if (st && (c.kind === "dir" ? st.isDirectory() : st.isFile())) return c;
  }
  return null;
}

/**
 * pairboot's own runtime (Node and the bundle) when this process runs from one, as on the live system
 * (/opt/pairboot/lib/pairboot.mjs); null when it runs from the TypeScript sources (development).
 * The bundle's import.meta.url is the bundle file itself.
 */
export async function runningTool(): Promise<string | null> {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith(`/${TOOL_BUNDLE}`)) return null;
  const dir = self.slice(0, -TOOL_BUNDLE.length - 1);
  return (await checkTool(dir)) === null ? dir : null;
}

/** Why a directory cannot serve as pairboot's runtime on the node, or null when it can. */
export async function checkTool(dir: string): Promise<string | null> {
  for (const part of [TOOL_NODE, TOOL_BUNDLE]) {
    const st = await stat(join(dir, part)).catch(() => null);
    if (!st?.isFile())
      return `${dir} has no ${part} (a pairboot runtime holds ${TOOL_NODE} and ${TOOL_BUNDLE})`;
  }
  return null;
}

/**
 * The answer's time zone and locale that the root filesystem to install does not have, one line each
 * (`locale.timezone: expected ...`); empty when both are there or the source has no tzdata to ask. Asked
 * before anything is written: the configure step would fail on them only after the disk was wiped. A
 * squashfs image is asked through the zone database and locale list unpacked into a temporary directory
 * (all of zoneinfo: many zone names are links to others).
 */
export async function unknownOnSource(spec: ClusterSpec, source: InstallSource): Promise<string[]> {
  const ask = (root: string) => {
    const known = knownOnRoot(root);
    if (!known) return [];
    return unknownZoneOrLocale(spec, known).map((p) => `${formatPath(p.path)}: ${p.message}`);
  };
  if (source.kind === "dir") return ask(source.path);
  const tmp = await mkdtemp(join(tmpdir(), "pairboot-zones-"));
  try {
    const root = join(tmp, "root");
    const r = await run([
      "unsquashfs",
      "-q",
      "-n",
      "-d",
      root,
      source.path,
      "usr/share/zoneinfo",
      "usr/share/i18n/SUPPORTED",
    ]);
    if (r.exitCode !== 0) {
      throw new Error(`cannot read the time zones and locales of ${source.path}: ${r.stderr.trim()}`);
    }
    return ask(root);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** os-release(5): /etc/os-release, normally a link to /usr/lib/os-release, which is asked second. */
const OS_RELEASE_FILES = ["/etc/os-release", "/usr/lib/os-release"];
const OS_RELEASE_MAX = 64 * 1024;

/**
 * The Debian release of a root filesystem to install (or of a restored root), from VERSION_CODENAME in
 * its os-release: every file pairboot writes into it is rendered for that release. A directory is read
 * through the root reader (links resolved inside the root, as a crafted clone image could hold any), a
 * squashfs image with unsquashfs. A release pairboot does not render for is refused, naming the file.
 */
export async function releaseOfSource(source: InstallSource): Promise<Release> {
  for (const path of OS_RELEASE_FILES) {
    const where = `${source.path}${source.kind === "squashfs" ? ":" : ""}${path}`;
    let text: string | null;
    if (source.kind === "dir") {
      const buf = await readUnderRoot(source.path, path);
      text = buf === null ? null : buf.subarray(0, OS_RELEASE_MAX).toString("utf8");
    } else {
      // -cat prints regular files only, so the link /etc/os-release fails and /usr/lib's is read.
      const r = await run(["unsquashfs", "-cat", source.path, path.slice(1)], {
        keepFinalNewline: true,
        maxBuffer: OS_RELEASE_MAX,
      });
      text = r.exitCode === 0 ? r.stdout : null;
    }
    if (text !== null) return releaseFromOsRelease(text, where);
  }
  throw new Error(
    `${source.path}: no ${OS_RELEASE_FILES.join(" or ")}, so the Debian release to render for is unknown`,
  );
}
