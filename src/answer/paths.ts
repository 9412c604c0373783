// Absolute paths in the answer file (storage.data_mount, nfs.exports[].path). They reach a bash script, a
// heartbeat haresources line and /etc/exports, so only one spelling of each directory is accepted: plain
// segments joined by single slashes. A split on '/' checks that in linear time (a regex with a nested
// quantifier took 40 s on a 30-character path), and it lets a message name the segment that is wrong.

/** The longest path accepted: far below PATH_MAX, and every line it lands in stays readable. */
export const PATH_MAX_CHARS = 255;
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** What is wrong with an absolute path, in words that end "..., got X" can follow; undefined when it is fine. */
export function pathProblem(path: string): string | undefined {
  if (path.length > PATH_MAX_CHARS) return `an absolute path of at most ${PATH_MAX_CHARS} characters`;
  if (!path.startsWith("/")) return "an absolute path like /data/export";
  if (path === "/") return undefined;
  const segments = path.slice(1).split("/");
  for (const [i, segment] of segments.entries()) {
    const n = i + 1;
    if (segment === "") {
      return i === segments.length - 1
        ? "an absolute path without a trailing '/'"
        : `an absolute path without an empty segment ('//' after segment ${i})`;
    }
    if (segment === "." || segment === "..") {
      return `an absolute path without '.' or '..' segments (segment ${n} is '${segment}')`;
    }
    if (!SEGMENT.test(segment)) {
      return `an absolute path like /data/export whose segments hold only letters, digits, '.', '_' and '-' (segment ${n} does not)`;
    }
  }
  return undefined;
}

/**
 * Where the replicated NFS state lives on the data filesystem (seeded from /var/lib/nfs at first boot,
 * bind-mounted over it on the active node). Exporting it would hand clients the server's lock records.
 */
export function nfsStateDirOf(dataMount: string): string {
  return `${dataMount.replace(/\/+$/, "")}/.nfs`;
}

/** Whether `path` is `dir` or lies below it; both are canonical (pathProblem passed). */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

// Mounting the replicated filesystem over one of these hides (and on the passive node, loses) part of the
// running system. The trees are refused with everything below them: packages, logs, kernel interfaces and
// /var/lib/nfs, which the NFS state is bind-mounted over. The directories are refused only themselves:
// /home/nfs, /var/nfs or /srv are directories of their own.
const SYSTEM_TREES = [
  "/bin",
  "/boot",
  "/dev",
  "/etc",
  "/lib",
  "/lib32",
  "/lib64",
  "/libx32",
  "/proc",
  "/root",
  "/run",
  "/sbin",
  "/sys",
  "/tmp",
  "/usr",
  "/var/backups",
  "/var/cache",
  "/var/lib",
  "/var/log",
  "/var/mail",
  "/var/spool",
  "/var/tmp",
];
const SYSTEM_DIRS = ["/", "/home", "/opt", "/var"];

/** The system directory a data mount would cover, or undefined when `mount` is a directory of its own. */
export function systemDirUnder(mount: string): string | undefined {
  if (SYSTEM_DIRS.includes(mount)) return mount;
  return SYSTEM_TREES.find((tree) => isWithin(mount, tree));
}
