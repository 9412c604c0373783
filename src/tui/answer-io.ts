// Reading and saving answer files for the wizard. Loading is lenient on purpose: an answer that parses
// as YAML but breaks the schema still pre-fills the screens, where each problem shows next to its field
// and can be fixed. Only a file that is not YAML at all is refused.
import { mkdtemp, readFile, rename, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { formatAnswerError, loadAnswerText } from "../answer/load.js";
import { writePrivateFile } from "../answer/secrets.js";
import type { HardwareFacts } from "../probe/facts.js";
import { STICK_LABEL, findStick } from "../probe/stick.js";
import { answerToYaml } from "./adapters.js";
import type { SavedAnswer } from "./app.js";

export async function readAnswerObject(path: string): Promise<unknown> {
  const text = await readFile(path, "utf8");
  const loaded = loadAnswerText(text, path);
  if (loaded.ok) return loaded.doc.toJS();
  const syntax = loaded.errors.filter((e) => e.path === "");
  if (syntax.length > 0) throw new Error(syntax.map(formatAnswerError).join("; "));
  const obj: unknown = parseDocument(text, { version: "1.2" }).toJS();
  if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
    throw new Error("not an answer file: the top level must be a mapping");
  }
  return obj;
}

export const ANSWER_NAME = "answer.yaml";

/** The mounted PAIRBOOT partition of the stick (its filesystem label), where answers survive a reboot. */
export function stickDirectory(facts: HardwareFacts): string | null {
  return findStick(facts)?.mountpoint ?? null;
}

/** An answer file already on the stick, offered for pre-filling when no --answer is given. */
export async function findAnswerOnStick(facts: HardwareFacts): Promise<string | null> {
  const dir = stickDirectory(facts);
  if (!dir) return null;
  const path = join(dir, ANSWER_NAME);
  try {
    return (await stat(path)).isFile() ? path : null;
  } catch {
    return null;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Where and how the wizard saves: onto the stick when it is there (an older answer there is kept as
 * answer.yaml.bak), else into a fresh private temp directory; the result says which, and why not the
 * stick, for the done screen. Demo mode and an explicit `dir` (tests) never use the stick.
 */
export function answerSaver(facts: HardwareFacts, opts: { demo: boolean; dir?: string }) {
  return async (answer: Record<string, unknown>): Promise<SavedAnswer> => {
    const text = answerToYaml(answer);
    const stick = findStick(facts);
    const device = stick?.partition.path ?? null;
    let notOnStick: string;
    if (opts.demo) notOnStick = "demo mode never writes to the stick";
    else if (opts.dir) notOnStick = `the answer was asked for in ${opts.dir}`;
    else if (!stick) notOnStick = `no partition labelled ${STICK_LABEL} was found on any disk`;
    else if (!stick.mountpoint) notOnStick = `the ${STICK_LABEL} partition ${device} is not mounted`;
    else {
      const path = join(stick.mountpoint, ANSWER_NAME);
      try {
        if (await exists(path)) await rename(path, `${path}.bak`);
        await writePrivateFile(path, text);
        return { path, onStick: true, device, notOnStick: null };
      } catch (err) {
        const e = err as Error & { code?: string; cause?: { code?: string } };
        const why = e.cause?.code ?? e.code ?? e.message;
        notOnStick = `the ${STICK_LABEL} partition ${device} (at ${stick.mountpoint}) could not be written (${why})`;
      }
    }
    const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), "pairboot-wizard-")));
    const path = join(dir, ANSWER_NAME);
    await writePrivateFile(path, text);
    return { path, onStick: false, device, notOnStick };
  };
}
