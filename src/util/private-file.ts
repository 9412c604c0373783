// Reading a small file that holds a secret (a pairing code, an image passphrase). The file is a secret only
// while nobody but its owner can read it, and following a symbolic link would read whatever it names.
import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** At most this many bytes: a code or a passphrase, never a file someone pointed at by mistake. */
export const PRIVATE_FILE_MAX = 4096;

/**
 * The text of `path`, refused (with a message naming `what` and the fix) when it is a symbolic link, not a
 * regular file or a pipe (`--code-file <(...)` is a pipe of mode 0600), readable by group or others, or
 * larger than PRIVATE_FILE_MAX. `holds` completes "it should hold ..." in the size message.
 */
export async function readPrivateFile(path: string, what: string, holds: string): Promise<string> {
  const fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new Error(`${what} ${path} does not exist`);
      if (err.code === "ELOOP") throw new Error(`${what} ${path} is a symbolic link; give the file itself`);
      throw new Error(`cannot read ${what} ${path}: ${err.message}`);
    },
  );
  try {
    const st = await fh.stat();
    if (!st.isFile() && !st.isFIFO()) throw new Error(`${what} ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
      throw new Error(
        `${what} ${path} has mode ${mode}: others can read it; make it 0600 (chmod 600 ${path})`,
      );
    }
    const buf = Buffer.alloc(PRIVATE_FILE_MAX + 1);
    const { bytesRead } = await fh.read(buf, 0, buf.length, st.isFile() ? 0 : null);
    if (bytesRead > PRIVATE_FILE_MAX) {
      throw new Error(`${what} ${path} is larger than ${PRIVATE_FILE_MAX} bytes; it should hold ${holds}`);
    }
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await fh.close();
  }
}
