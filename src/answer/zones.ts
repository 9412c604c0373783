// Time zones and locales. The schema checks their spelling; whether tzdata and glibc know them depends on
// the system that is installed, so that is a separate check against a root's /usr/share/zoneinfo and
// /usr/share/i18n/SUPPORTED. The install runs it against the source root before writing anything (an unknown
// zone used to fail the install only after the disk was wiped); `pairboot validate` runs it against the
// machine it runs on and warns.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { PathKey } from "./messages.js";
import { quoteText } from "./messages.js";

/**
 * tzdata's names: one to three components joined by '/', each a letter and then letters, digits, '_', '+'
 * or '-', at most 14 characters (the tz database's own rule): Etc/UTC, America/Argentina/Buenos_Aires,
 * Etc/GMT+5, EST5EDT.
 */
const ZONE_COMPONENT = /^[A-Za-z][A-Za-z0-9_+-]{0,13}$/;

export function zoneSyntaxOk(zone: string): boolean {
  const parts = zone.split("/");
  return parts.length <= 3 && parts.every((p) => ZONE_COMPONENT.test(p));
}

/**
 * glibc's locale names: language[_TERRITORY][.codeset][@modifier], like en_US.UTF-8, de_DE, sr_RS@latin,
 * eo.UTF-8; or C, C.UTF-8, POSIX.
 */
const LOCALE = /^(C|POSIX|[a-z]{2,3}(_[A-Z]{2})?)(\.[A-Za-z0-9-]{1,20})?(@[a-z]{1,20})?$/;

export function localeSyntaxOk(lang: string): boolean {
  return LOCALE.test(lang);
}

/** Locales built into glibc: no line in SUPPORTED, nothing to generate. */
export const BUILTIN_LOCALES = new Set(["C", "POSIX", "C.UTF-8", "C.utf8"]);

export type KnownZonesAndLocales = {
  zones: ReadonlySet<string> | ((zone: string) => boolean);
  locales: ReadonlySet<string> | ((lang: string) => boolean);
};

export type ZoneOrLocaleProblem = { path: PathKey[]; message: string };

function has(known: ReadonlySet<string> | ((name: string) => boolean), name: string): boolean {
  return typeof known === "function" ? known(name) : known.has(name);
}

/**
 * The spec's time zone and locale that the given system does not know; empty when both are known.
 * Pure: `known` says what the system has (see knownOnRoot).
 */
export function unknownZoneOrLocale(
  spec: { locale: { timezone: string; lang: string } },
  known: KnownZonesAndLocales,
): ZoneOrLocaleProblem[] {
  const { timezone, lang } = spec.locale;
  const problems: ZoneOrLocaleProblem[] = [];
  if (!has(known.zones, timezone)) {
    problems.push({
      path: ["locale", "timezone"],
      message: `expected a time zone tzdata knows (a file under /usr/share/zoneinfo), got ${quoteText(timezone)}`,
    });
  }
  if (!BUILTIN_LOCALES.has(lang) && !has(known.locales, lang)) {
    problems.push({
      path: ["locale", "lang"],
      message: `expected a locale listed in /usr/share/i18n/SUPPORTED, or C.UTF-8, got ${quoteText(lang)}`,
    });
  }
  return problems;
}

/**
 * What the system under `root` knows, or undefined when it has no tzdata to ask (so nothing can be said).
 * Zone names reach here only after the schema checked their spelling, so the join cannot leave zoneinfo.
 */
export function knownOnRoot(root: string): KnownZonesAndLocales | undefined {
  const zoneinfo = join(root, "usr/share/zoneinfo");
  if (!existsSync(zoneinfo)) return undefined;
  const zones = (zone: string) => {
    try {
      return zoneSyntaxOk(zone) && statSync(join(zoneinfo, zone)).isFile();
    } catch {
      return false;
    }
  };
  let supported = "";
  try {
    supported = readFileSync(join(root, "usr/share/i18n/SUPPORTED"), "utf8");
  } catch {
    // No list (libc-bin without locales): only the built-in locales are known.
  }
  const locales = new Set(
    supported
      .split("\n")
      .map((line) => line.split(" ")[0] ?? "")
      .filter((name) => name !== "" && !name.startsWith("#")),
  );
  return { zones, locales };
}

/**
 * What `pairboot validate` can say about the machine it runs on: its zones, and its locales only when it
 * has glibc's list (a machine without the locales package knows nothing about the installed release's).
 */
export function knownOnThisMachine(root = "/"): KnownZonesAndLocales | undefined {
  const known = knownOnRoot(root);
  if (!known || existsSync(join(root, "usr/share/i18n/SUPPORTED"))) return known;
  return { ...known, locales: () => true };
}
