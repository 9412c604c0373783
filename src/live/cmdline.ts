// The live system's kernel command line, as far as pairboot cares: where the answer is, which node this
// is, whether to skip the confirmation countdown, and which console is the system console.
// Pure: the caller reads /proc/cmdline.

export interface LiveArgs {
  /** pairboot.answer=: a path on the boot medium (or the PAIRBOOT partition), or an http(s) URL. */
  answer: string | null;
  /** pairboot.answer.sha256=HEX: the digest the fetched answer must have (as typed; answer-trust.ts checks it). */
  answerSha256: string | null;
  /** pairboot.answer.fingerprint=sha256:HEX: the https server's certificate pin (as typed). */
  answerFingerprint: string | null;
  /** pairboot.node=: which node of the answer file this machine is (identifyNode reads it too). */
  node: string | null;
  /** pairboot.auto=1: install an answer without the countdown. */
  auto: boolean;
  /** pairboot.clone=0 turns off the two-node flow: every node installs on its own (default on). */
  clone: boolean;
  /** pairboot.clonewait=MINUTES: how long node A waits for node B after its install (default 30). */
  cloneWaitMinutes: number | null;
  /** The console= devices in order (tty0 is the foreground VT, which is tty1 at boot). */
  consoles: string[];
  /** Where pairboot runs the engine: the kernel's own rule makes the last console= /dev/console. */
  primaryConsole: string;
}

const TRUE_WORDS = new Set(["", "1", "true", "yes", "on"]);

/** Kernel words before a bare "--" (what follows belongs to init, not to the kernel). */
export function kernelWords(cmdline: string): string[] {
  const words: string[] = [];
  for (const w of cmdline.trim().split(/\s+/)) {
    if (w === "--") break;
    if (w !== "") words.push(w);
  }
  return words;
}

/** console=ttyS0,115200n8 -> ttyS0; console=tty0 -> tty1 (the VT that is in the foreground at boot). */
export function consoleDevice(value: string): string {
  const name = value.split(",")[0] ?? "";
  return name === "tty0" ? "tty1" : name;
}

export function parseCmdline(cmdline: string): LiveArgs {
  let answer: string | null = null;
  let answerSha256: string | null = null;
  let answerFingerprint: string | null = null;
  let node: string | null = null;
  let auto = false;
  let clone = true;
  let cloneWaitMinutes: number | null = null;
  const consoles: string[] = [];
  // Like the kernel, the last occurrence of a parameter wins.
  for (const w of kernelWords(cmdline)) {
    const eq = w.indexOf("=");
    const key = eq < 0 ? w : w.slice(0, eq);
    const value = eq < 0 ? "" : w.slice(eq + 1);
    switch (key) {
      case "pairboot.answer":
        answer = value === "" ? null : value;
        break;
      case "pairboot.answer.sha256":
        answerSha256 = value === "" ? null : value;
        break;
      case "pairboot.answer.fingerprint":
        answerFingerprint = value === "" ? null : value;
        break;
      case "pairboot.node":
        node = value === "" ? null : value;
        break;
      case "pairboot.auto":
        auto = TRUE_WORDS.has(value.toLowerCase());
        break;
      case "pairboot.clone":
        clone = TRUE_WORDS.has(value.toLowerCase());
        break;
      case "pairboot.clonewait": {
        const n = Number(value);
        cloneWaitMinutes = value !== "" && Number.isInteger(n) && n >= 0 ? n : null;
        break;
      }
      case "console":
        if (value !== "") consoles.push(consoleDevice(value));
        break;
    }
  }
  return {
    answer,
    answerSha256,
    answerFingerprint,
    node,
    auto,
    clone,
    cloneWaitMinutes,
    consoles,
    primaryConsole: consoles[consoles.length - 1] ?? "tty1",
  };
}

/** http(s) URLs are fetched; anything else is a path. */
export function isUrl(value: string): boolean {
  return /^https?:\/\//i.test(value);
}
