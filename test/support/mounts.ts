// What an install left mounted, read the way the engine reads it (src/apply/guards.ts): a test's proof
// that a finished, failed or stopped install unmounted everything under its target.
import { mountsUnder, readMounts } from "../../src/apply/guards.js";

/** Mounts at or below `dir`, as "SOURCE on TARGET"; empty when nothing is left there. */
export async function mountsBelow(dir: string): Promise<string[]> {
  return mountsUnder(await readMounts(), dir).map((m) => `${m.source} on ${m.target}`);
}
