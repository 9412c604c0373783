// Whether an answer fetched from a URL can be trusted to install from. Anyone on the LAN can answer a plain
// http request (ARP or DHCP spoofing) with an answer of their own: storage.wipe: true and their SSH key.
// The kernel command line is the one thing that came from the person who set up the boot, so it carries
// the proof: the answer's own sha256 (pairboot.answer.sha256=HEX), or the https server's certificate
// fingerprint (pairboot.answer.fingerprint=sha256:HEX, as Proxmox's auto-installer pins it). An https URL
// without a pin is checked against the usual certificate authorities. A plain http answer without a digest
// is never installed without a person: it only pre-fills the wizard.
// Pure: fetch-answer.ts does the checking on the wire, start.ts acts on the decision.
import { isUrl, type LiveArgs } from "./cmdline.js";

/** The pins as lowercase hex without separators; null when not given. */
export interface AnswerPins {
  sha256: string | null;
  fingerprint: string | null;
}

export type PinsResult = { ok: true; pins: AnswerPins } | { ok: false; problems: string[] };

const HEX64 = /^[0-9a-f]{64}$/;

/** "sha256:AB:CD:..." or "ABCD..." -> "abcd..."; null when it is not 32 bytes of hex. */
export function normalizeFingerprint(value: string): string | null {
  const hex = value
    .replace(/^sha256:/i, "")
    .replace(/:/g, "")
    .toLowerCase();
  return HEX64.test(hex) ? hex : null;
}

/** "abcd..." -> "AB:CD:...", the way openssl and node print a fingerprint. */
export function colonHex(hex: string): string {
  return (hex.toUpperCase().match(/../g) ?? []).join(":");
}

type PinArgs = Pick<LiveArgs, "answer" | "answerSha256" | "answerFingerprint">;

/** The kernel command line's pins, checked for form and for fitting the answer's URL. */
export function answerPins(args: PinArgs): PinsResult {
  const problems: string[] = [];
  let sha256: string | null = null;
  let fingerprint: string | null = null;
  const url = args.answer !== null && isUrl(args.answer) ? args.answer : null;
  if (args.answerSha256 !== null) {
    sha256 = args.answerSha256.toLowerCase();
    if (!HEX64.test(sha256)) {
      problems.push(
        `pairboot.answer.sha256=${args.answerSha256}: give the 64 hex digits that 'sha256sum answer.yaml' prints`,
      );
    }
  }
  if (args.answerFingerprint !== null) {
    fingerprint = normalizeFingerprint(args.answerFingerprint);
    if (fingerprint === null) {
      problems.push(
        `pairboot.answer.fingerprint=${args.answerFingerprint}: give sha256: and the server certificate's ` +
          `SHA-256 fingerprint, as 'openssl x509 -noout -fingerprint -sha256 -in cert.pem' prints it ` +
          `(sha256:AB:CD:...:EF, 32 bytes)`,
      );
    } else if (url !== null && !/^https:/i.test(url)) {
      problems.push(
        `pairboot.answer.fingerprint pins an https server's certificate, but pairboot.answer=${url} is plain ` +
          `http: use an https:// URL, or pin the file itself with pairboot.answer.sha256=`,
      );
    }
  }
  if ((args.answerSha256 !== null || args.answerFingerprint !== null) && url === null) {
    problems.push(
      `pairboot.answer.sha256= and pairboot.answer.fingerprint= go with an answer fetched from a URL ` +
        `(pairboot.answer=http://... or https://...), not with ${args.answer === null ? "no pairboot.answer=" : `pairboot.answer=${args.answer}`}`,
    );
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, pins: { sha256, fingerprint } };
}

/** How an answer fetched from `url` is authenticated: the strongest proof that applies. */
export type UrlTrust = "digest" | "certificate" | "https" | "none";

export function urlTrust(url: string, pins: AnswerPins): UrlTrust {
  if (pins.sha256 !== null) return "digest";
  if (/^https:/i.test(url)) return pins.fingerprint !== null ? "certificate" : "https";
  return "none";
}

/** In words, for the console and the install summary. */
export function describeTrust(t: UrlTrust): string {
  switch (t) {
    case "digest":
      return "its sha256 matches pairboot.answer.sha256";
    case "certificate":
      return "the https server's certificate matches pairboot.answer.fingerprint";
    case "https":
      return "https, the server's certificate checked against the certificate authorities";
    case "none":
      return "plain http without a digest: not authenticated";
  }
}

/** What the console says when an unauthenticated answer would otherwise be installed unattended. */
export function unpinnedRefusal(url: string): string {
  return [
    `the answer came over plain http (${url}) without a digest: anyone on the network could have replaced`,
    "it, so pairboot does not install from it unattended. To install from it, add its digest to the kernel",
    "command line (sha256sum answer.yaml prints it):",
    "  pairboot.answer.sha256=<the 64 hex digits>",
    "or serve it over https and pin the server's certificate",
    "(openssl x509 -noout -fingerprint -sha256 -in cert.pem prints it):",
    "  pairboot.answer.fingerprint=sha256:<AB:CD:...>",
    "The wizard opens with this answer filled in: check every value before you install.",
  ].join("\n");
}

/**
 * Kernel arguments that cannot work as a whole, for `pairboot iso embed`: malformed pins, and an
 * unattended boot (pairboot.auto=1) from a plain http answer without a digest, which would stop at the
 * wizard instead of installing.
 */
export function answerArgProblems(args: PinArgs & Pick<LiveArgs, "auto">): string[] {
  const r = answerPins(args);
  if (!r.ok) return r.problems;
  if (args.auto && args.answer !== null && isUrl(args.answer) && urlTrust(args.answer, r.pins) === "none") {
    return [
      `pairboot.answer=${args.answer} with pairboot.auto=1: a plain http answer without a digest is never ` +
        `installed unattended; add pairboot.answer.sha256=<sha256sum of the file>, or use https`,
    ];
  }
  return [];
}
