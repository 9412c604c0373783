// The one writer of files under a root directory: node A's install target and node B's restored root.
// That root may come from an image file someone crafted, so a path inside it is resolved the way
// openat2(RESOLVE_IN_ROOT) resolves it: every component is looked up inside the root, a symlink met on
// the way (absolute or relative) is followed as if the root were /, and ".." never climbs above the root.
// Following rather than refusing: installed roots hold legitimate links on the way to files pairboot
// writes (usrmerge's /bin -> usr/bin and /lib -> usr/lib, /var/run -> /run), and the kernel resolves
// them exactly so on the node itself, where the root is /. A symlink at the last component is never
// followed when writing or removing: it is replaced or removed itself (A's /etc/resolv.conf may be one).
//
// Node has no openat(): each directory on the way is held open (O_DIRECTORY | O_NOFOLLOW) and the next
// name is looked up through /proc/self/fd/N/NAME, which the kernel resolves from that open directory. A
// directory swapped for a symlink after it was checked therefore cannot redirect a write; the open with
// O_NOFOLLOW refuses it instead.
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import { lstat, mkdir, open, readdir, readFile, readlink, rename, rm, unlink } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

/** The kernel's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A path that cannot be resolved inside the root; the message names the root and the path. */
export class RootPathError extends Error {}

export interface RootFile {
  /** Absolute path as seen from inside the root, e.g. /etc/hostname. */
  path: string;
  content: string | Buffer;
  mode: number;
}

/** The components of a plain absolute path; ".", ".." and empty components are refused. */
function components(root: string, path: string): string[] {
  const parts = path.split("/");
  if (
    parts[0] !== "" ||
    parts.length < 2 ||
    parts.slice(1).some((p) => p === "" || p === "." || p === "..")
  ) {
    throw new RootPathError(`${root}: refusing ${JSON.stringify(path)}: not a plain absolute path`);
  }
  return parts.slice(1);
}

const via = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/** Directories opened on the way from the root down; the last one is where the next name is looked up. */
class Walk {
  private constructor(
    readonly root: string,
    private readonly stack: FileHandle[],
  ) {}

  static async open(root: string): Promise<Walk> {
    return new Walk(root, [await open(root, constants.O_RDONLY | constants.O_DIRECTORY)]);
  }

  get dir(): FileHandle {
    return this.stack[this.stack.length - 1] as FileHandle;
  }

  async close(): Promise<void> {
    await Promise.all(this.stack.splice(0).map((h) => h.close().catch(() => undefined)));
  }

  private async popTo(depth: number): Promise<void> {
    while (this.stack.length > depth) await (this.stack.pop() as FileHandle).close();
  }

  /**
   * Walks `parts`, following symlinks inside the root, and returns the last component's name, to be used
   * in `this.dir` ("." when the walk ended on a directory). Every component but the last must be a
   * directory; missing ones are made (mode 0755) when `create`, else the walk returns null. A symlink at
   * the last component is followed only when `followLast`.
   */
  async walk(parts: string[], shown: string, create: boolean, followLast: boolean): Promise<string | null> {
    const queue = [...parts];
    let links = 0;
    while (queue.length > 0) {
      const name = queue.shift() as string;
      const last = queue.length === 0;
      if (name === "" || name === "." || name === "..") {
        if (name === "..") await this.popTo(Math.max(1, this.stack.length - 1));
        if (last) return ".";
        continue;
      }
      if (last && !followLast) return name;
      const at = via(this.dir, name);
      let st: Stats;
      try {
        st = await lstat(at);
      } catch (err) {
        if (errCode(err) !== "ENOENT") throw err;
        if (last) return name;
        if (!create) return null;
        await mkdir(at, { mode: 0o755 });
        st = await lstat(at);
      }
      if (st.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) {
          throw new RootPathError(`${this.root}: ${shown}: too many levels of symbolic links (a loop?)`);
        }
        const target = await readlink(at);
        if (target.startsWith("/")) await this.popTo(1);
        queue.unshift(...target.split("/"));
        continue;
      }
      if (last) return name;
      if (!st.isDirectory()) {
        throw new RootPathError(`${this.root}: ${shown}: ${name} on the way is not a directory`);
      }
      // O_NOFOLLOW: if the directory just checked was swapped for a symlink since, this fails (ELOOP).
      this.stack.push(await open(at, DIR_FLAGS));
    }
    return ".";
  }
}

/** Runs `fn` on the directory that holds `path`'s last component and its name, resolved inside the root. */
async function located<T>(
  root: string,
  path: string,
  how: { create: boolean; followLast: boolean },
  fn: (dir: FileHandle, name: string) => Promise<T>,
  missing: T,
): Promise<T> {
  const parts = components(root, path);
  const walk = await Walk.open(root);
  try {
    const name = await walk.walk(parts, path, how.create, how.followLast);
    return name === null ? missing : await fn(walk.dir, name);
  } finally {
    await walk.close();
  }
}

/**
 * Writes a whole file under the root: to a fresh temporary name in the same directory (O_CREAT | O_EXCL
 * | O_NOFOLLOW, mode 0600 until it is complete), then renamed over the old entry, so a crash leaves the
 * old file or the new one and a symlink at the path is replaced, never followed. An existing file's owner
 * is kept (the install gives global_common.conf to root:haclient, and node B's copy has it so); the mode is
 * exactly `mode`, whatever the umask. Missing directories are made, mode 0755.
 */
export async function writeUnderRoot(root: string, f: RootFile): Promise<void> {
  await located(
    root,
    f.path,
    { create: true, followLast: false },
    async (dir, name) => {
      const old = await lstat(via(dir, name)).catch(() => null);
      const tmp = `.${name}.pairboot-${randomBytes(6).toString("hex")}`;
      const fh = await open(
        via(dir, tmp),
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        try {
          await fh.writeFile(f.content);
          if (old?.isFile()) await fh.chown(old.uid, old.gid);
          await fh.chmod(f.mode);
          await fh.sync();
        } finally {
          await fh.close();
        }
        if (old?.isDirectory()) await rm(via(dir, name), { recursive: true, force: true });
        await rename(via(dir, tmp), via(dir, name));
      } catch (err) {
        await unlink(via(dir, tmp)).catch(() => undefined);
        throw err;
      }
    },
    undefined,
  );
}

/** Makes a directory and its parents under the root (mode 0755), following links inside the root. */
export async function mkdirUnderRoot(root: string, path: string): Promise<void> {
  const walk = await Walk.open(root);
  try {
    // A trailing "" makes every real component a directory on the way, so each is made if missing.
    await walk.walk([...components(root, path), ""], path, true, true);
  } finally {
    await walk.close();
  }
}

/**
 * Removes a path under the root; a trailing * in the last component matches any suffix in that directory.
 * The last component is removed itself (a symlink is unlinked, a directory removed with what it holds,
 * never following links inside it). Returns the paths removed; a missing one is no error.
 */
export async function removeUnderRoot(root: string, pattern: string): Promise<string[]> {
  const dirPart = pattern.slice(0, pattern.lastIndexOf("/"));
  return located(
    root,
    pattern,
    { create: false, followLast: false },
    async (dir, last) => {
      let names: string[];
      if (last.endsWith("*")) {
        const prefix = last.slice(0, -1);
        names = (await readdir(via(dir, "."))).filter((n) => n.startsWith(prefix)).sort();
      } else {
        const there = await lstat(via(dir, last)).then(
          () => true,
          () => false,
        );
        names = there ? [last] : [];
      }
      for (const n of names) await rm(via(dir, n), { recursive: true, force: true });
      return names.map((n) => `${dirPart}/${n}`);
    },
    [] as string[],
  );
}

/**
 * Reads a file under the root, following every symlink (the last one too) inside the root; null when
 * there is no file at the path. For reading a root pairboot did not make, e.g. the install source's
 * zone and locale lists.
 */
export async function readUnderRoot(root: string, path: string): Promise<Buffer | null> {
  return located(
    root,
    path,
    { create: false, followLast: true },
    async (dir, name) => {
      const fh = await open(via(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => null);
      if (!fh) return null;
      try {
        return (await fh.stat()).isFile() ? await readFile(fh) : null;
      } finally {
        await fh.close();
      }
    },
    null,
  );
}
