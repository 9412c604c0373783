// Whether this machine booted with UEFI Secure Boot: the firmware's SecureBoot variable and the kernel's
// lockdown (Debian's kernel locks itself down when the firmware enforced Secure Boot). Read by
// `pairboot status` and written into the install log.
import { readFile, stat } from "node:fs/promises";

/** The EFI global variable's file in efivarfs. */
export const SECURE_BOOT_VAR = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
export const LOCKDOWN_FILE = "/sys/kernel/security/lockdown";

export interface BootSecurity {
  firmware: "uefi" | "bios";
  /** null: UEFI without the variable (firmware without Secure Boot support), or efivarfs unreadable. */
  secureBoot: boolean | null;
  /** The kernel's lockdown mode ("none", "integrity", "confidentiality"); null without the file. */
  lockdown: string | null;
}

/** efivarfs gives the variable's 4 attribute bytes, then its one-byte value: 1 = Secure Boot enforced. */
export function parseSecureBootVar(bytes: Uint8Array | null): boolean | null {
  if (!bytes || bytes.length !== 5) return null;
  return bytes[4] === 1;
}

/** "none [integrity] confidentiality" -> "integrity": the bracketed word is the mode in force. */
export function parseLockdown(text: string | null): string | null {
  return text === null ? null : (/\[(\w+)\]/.exec(text)?.[1] ?? null);
}

/** One line for a sysadmin: "UEFI, Secure Boot on (kernel lockdown: integrity)". */
export function describeBootSecurity(b: BootSecurity): string {
  if (b.firmware === "bios") return "BIOS (no Secure Boot)";
  const lockdown = b.lockdown === null ? "" : ` (kernel lockdown: ${b.lockdown})`;
  if (b.secureBoot === null) return `UEFI, Secure Boot state unknown${lockdown}`;
  return `UEFI, Secure Boot ${b.secureBoot ? "on" : "off"}${lockdown}`;
}

export async function readBootSecurity(): Promise<BootSecurity> {
  const uefi = await stat("/sys/firmware/efi").then(
    () => true,
    () => false,
  );
  const bytes = uefi ? await readFile(SECURE_BOOT_VAR).catch(() => null) : null;
  const lockdown = await readFile(LOCKDOWN_FILE, "utf8").catch(() => null);
  return {
    firmware: uefi ? "uefi" : "bios",
    secureBoot: uefi ? parseSecureBootVar(bytes) : false,
    lockdown: parseLockdown(lockdown),
  };
}
