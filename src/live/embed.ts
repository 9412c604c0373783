// `pairboot iso embed`: a copy of the ISO with an answer file and boot defaults in it. xorriso rewrites the
// image with the new files and replays the original's boot setup (El Torito for BIOS and UEFI, the hybrid
// MBR/GPT for sticks, the same volume date, which GRUB uses to find its own filesystem). The original's
// HFS+ tree (for Macs) is left out: replaying it makes overlapping GPT entries.
import { answerArgProblems } from "./answer-trust.js";
import { isUrl, parseCmdline } from "./cmdline.js";

export const MENU_ENTRIES = ["console", "serial", "toram", "disk"] as const;
export type MenuEntry = (typeof MENU_ENTRIES)[number];

export interface BootDefaults {
  /** Extra kernel arguments for every menu entry. */
  kernelArgs: string[];
  /** The entry GRUB boots when nobody chooses. */
  defaultEntry?: MenuEntry;
  /** Seconds GRUB waits; 0 boots at once. */
  timeout?: number;
}

/** Refuses arguments GRUB or the kernel would mangle: quoting, and our own words with bad values. */
export function checkKernelArgs(args: string[]): string[] {
  const problems: string[] = [];
  for (const a of args) {
    if (!/^[A-Za-z0-9_.,:/=+@%-]+$/.test(a)) {
      problems.push(`kernel argument "${a}": use only letters, digits and _ . , : / = + @ % -`);
      continue;
    }
    if (a.startsWith("pairboot.answer=")) {
      const v = a.slice("pairboot.answer=".length);
      if (v === "" || (!isUrl(v) && !v.startsWith("/"))) {
        problems.push(
          `${a}: give an absolute path on the medium (e.g. /answers/nfs1.yaml) or an http(s) URL`,
        );
      }
    }
  }
  // Pins of the answer URL, and an unattended boot that the stick would refuse to install from.
  if (problems.length === 0) problems.push(...answerArgProblems(parseCmdline(args.join(" "))));
  return problems;
}

/** /pairboot/grub.cfg in the image: sourced by the image's own grub.cfg before its menu. */
export function grubSnippet(d: BootDefaults): string {
  const lines = ["# written by pairboot iso embed"];
  if (d.kernelArgs.length > 0) lines.push(`set pairboot_args="${d.kernelArgs.join(" ")}"`);
  // Unattended, the stick may start again after the install (BIOS firmware often tries USB first) and the
  // install would refuse the finished disk: the image's grub.cfg then boots the installed node instead.
  if (parseCmdline(d.kernelArgs.join(" ")).auto) lines.push("set pairboot_installed_first=1");
  if (d.defaultEntry) lines.push(`set default=${d.defaultEntry}`);
  if (d.timeout !== undefined) lines.push(`set timeout=${d.timeout}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The output ISO's mode: an embedded answer carries the cluster's shared secrets (and the root password
 * hash), and ISO 9660 keeps no modes, so the image file's own mode is the only lock on them here.
 */
export function embedOutputMode(withAnswer: boolean): number {
  return withAnswer ? 0o600 : 0o644;
}

/** The xorriso command line; files maps a path inside the image to a local file. */
export function xorrisoArgs(input: string, output: string, files: Record<string, string>): string[] {
  const args = ["-indev", input, "-outdev", output, "-boot_image", "any", "replay", "-hfsplus", "off"];
  for (const [inside, local] of Object.entries(files)) args.push("-map", local, inside);
  args.push("-commit");
  return args;
}
