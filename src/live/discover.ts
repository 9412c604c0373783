// Where the live system finds an answer file, in this order (the first found wins):
//   1. pairboot.answer= on the kernel command line: an http(s) URL, or a path looked up on the boot
//      medium, then on the PAIRBOOT partition, then in the live system itself;
//   2. pairboot.yaml on the stick's partition labelled PAIRBOOT;
//   3. /pairboot/answer.yaml inside the ISO image (put there by `pairboot iso embed`).
// An answer the kernel command line names but that cannot be read is an error, never a reason to fall
// back to another answer: the person who typed it meant that one.
// A URL is fetched with the kernel command line's pins checked on the wire (fetch-answer.ts); whether an
// answer from a URL may install without a person is answer-trust.ts's decision.
// (answer.yaml on the PAIRBOOT partition is the wizard's saved draft: it pre-fills the wizard, it does
// not start an unattended install.)
import { isUrl, type LiveArgs } from "./cmdline.js";

export const MEDIUM_DIR = "/run/live/medium";
export const EMBEDDED_ANSWER = "pairboot/answer.yaml";
export const STICK_ANSWER = "pairboot.yaml";

export type AnswerOrigin = "kernel command line" | "PAIRBOOT partition" | "ISO image";

export interface Candidate {
  origin: AnswerOrigin;
  /** A file path, or a URL for kind "url". */
  location: string;
  kind: "file" | "url";
}

export interface Places {
  /** The mounted boot medium, or null (toram, or not live). */
  medium: string | null;
  /** The mounted PAIRBOOT partition, or null. */
  stick: string | null;
}

function under(dir: string, path: string): string {
  return `${dir.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/** Every place to look, in order. The kernel argument's alternatives come first and are all its own. */
export function answerCandidates(args: Pick<LiveArgs, "answer">, places: Places): Candidate[] {
  const out: Candidate[] = [];
  if (args.answer !== null) {
    const origin: AnswerOrigin = "kernel command line";
    if (isUrl(args.answer)) {
      out.push({ origin, location: args.answer, kind: "url" });
    } else {
      if (places.medium) out.push({ origin, location: under(places.medium, args.answer), kind: "file" });
      if (places.stick) out.push({ origin, location: under(places.stick, args.answer), kind: "file" });
      if (args.answer.startsWith("/")) out.push({ origin, location: args.answer, kind: "file" });
    }
  }
  if (places.stick) {
    out.push({ origin: "PAIRBOOT partition", location: under(places.stick, STICK_ANSWER), kind: "file" });
  }
  if (places.medium) {
    out.push({ origin: "ISO image", location: under(places.medium, EMBEDDED_ANSWER), kind: "file" });
  }
  return out;
}

export type Discovery =
  | { found: true; candidate: Candidate; text: string }
  | { found: false; error: string | null; looked: string[] };

export interface DiscoverIo {
  readFile: (path: string) => Promise<string | null>;
  fetchText: (url: string) => Promise<string>;
}

/** Reads the first candidate that exists. */
export async function discoverAnswer(candidates: Candidate[], io: DiscoverIo): Promise<Discovery> {
  const looked: string[] = [];
  const fromCmdline = candidates.filter((c) => c.origin === "kernel command line");
  for (const c of candidates) {
    if (c.kind === "url") {
      try {
        return { found: true, candidate: c, text: await io.fetchText(c.location) };
      } catch (err) {
        return {
          found: false,
          error: `pairboot.answer=${c.location}: ${(err as Error).message}`,
          looked: [...looked, c.location],
        };
      }
    }
    looked.push(c.location);
    const text = await io.readFile(c.location);
    if (text !== null) return { found: true, candidate: c, text };
    const last = fromCmdline[fromCmdline.length - 1];
    if (c === last) {
      return {
        found: false,
        error: `pairboot.answer= names a file that is not there; looked at ${fromCmdline.map((x) => x.location).join(", ")}`,
        looked,
      };
    }
  }
  return { found: false, error: null, looked };
}
