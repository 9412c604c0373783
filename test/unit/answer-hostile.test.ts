// Hostile values: every check returns at once (no pattern backtracks), no secret is ever quoted back, and
// the time zone and locale are checked against what a system really has.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatAnswerError, loadAnswerText } from "../../src/answer/load.js";
import { knownOnRoot, knownOnThisMachine, unknownZoneOrLocale } from "../../src/answer/zones.js";
import { corpusBase } from "./answer-corpus.js";

const base = corpusBase();

function check(text: string): { ms: number; lines: string[] } {
  const started = performance.now();
  const result = loadAnswerText(text, "a.yaml");
  const ms = performance.now() - started;
  return { ms, lines: result.ok ? [] : result.errors.map(formatAnswerError) };
}

describe("hostile values are refused at once", () => {
  it("a 60-character path with a space is refused within a second, naming the bad segment", () => {
    // The old pattern ^\/([A-Za-z0-9._-]+\/?)*$ took 41 s at 30 characters and doubled per character.
    const path = `/${"a".repeat(60)} x`;
    const { ms, lines } = check(base.replace("data_mount: /data", `data_mount: "${path}"`));
    expect(lines).toEqual([
      `a.yaml:47:15: storage.data_mount: expected an absolute path like /data/export whose segments hold only letters, digits, '.', '_' and '-' (segment 1 does not), got "/${"a".repeat(47)}..."`,
    ]);
    expect(ms).toBeLessThan(1000);
  });

  // Shapes that make a backtracking pattern explode: long runs of what a repeated group accepts, then a
  // character that fails the whole match.
  const runs = ["a".repeat(5000), "a.".repeat(2500), "a/".repeat(2500), "a-".repeat(2500), "0".repeat(5000)];
  const fields: [string, string][] = [
    ["  name: nfs1", "  name: VALUE"],
    ["domain: example.org", "domain: VALUE"],
    ["- path: /data/export", "- path: VALUE"],
    ["data_mount: /data", "data_mount: VALUE"],
    ["clients: 192.168.42.0/24", "clients: VALUE"],
    ["options: [rw, sync, no_subtree_check]", "options: [VALUE]"],
    ["servers: [192.168.42.254, ntp.example.org]", "servers: [VALUE]"],
    ["lang: en_US.UTF-8", "lang: VALUE"],
    ["timezone: Europe/Berlin", "timezone: VALUE"],
    ["keyboard: de(nodeadkeys)", "keyboard: VALUE"],
    ["resync_rate: 100M", "resync_rate: VALUE"],
    ["os_size: 5GiB", "os_size: VALUE"],
    ["keepalive: 1s", "keepalive: VALUE"],
    ["serial: DISK-B", "serial: VALUE"],
    ["path: /dev/sda", "path: VALUE"],
    ["gateway: 192.168.42.254", "gateway: VALUE"],
    ["lan: 192.168.42.1/24", "lan: VALUE"],
  ];
  it.each(fields)("%s: every long hostile value is refused within a second", (from, to) => {
    for (const run of runs) {
      const value = JSON.stringify(`${run}!`);
      const { ms, lines } = check(base.replace(from, to.replace("VALUE", value)));
      expect(lines.length).toBeGreaterThan(0);
      expect(ms).toBeLessThan(1000);
    }
  });
});

describe("secrets in messages", () => {
  const cases: [string, string, string][] = [
    [
      "a mistyped password hash",
      "root_password_hash: $y$j9T$F5Jx5fExrKuJdv/ylGmF0.$Vv9oV8Kx0Y8xJ0LH2bIk2y8p3dJ0G0V2pYlYH6rGzC2",
      "root_password_hash: y$j9T$F5Jx5fExrKuJdv",
    ],
    [
      "a numeric DRBD secret",
      "shared_secret: abcdefghijklmnop0123456789",
      "shared_secret: 98765432109876543210987",
    ],
    [
      "a DRBD secret with a space",
      "shared_secret: abcdefghijklmnop0123456789",
      'shared_secret: "abcdefghij klmnop0123"',
    ],
    ["a numeric authkey", "authkey: ABCDEFGHIJKLMNOP0123456789", "authkey: 12345678901234567890"],
  ];
  it.each(cases)("%s is reported by length or kind, never by value", (_, from, to) => {
    const { lines } = check(base.replace(from, to));
    const value = to.replace(/^[a-z_]+: "?|"$/g, "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\(value not shown\)$/);
    expect(lines[0]).not.toContain(value.slice(0, 8));
    expect(lines[0]).not.toContain(String(Number(value)).slice(0, 5));
  });
});

describe("unknownZoneOrLocale", () => {
  const spec = (timezone: string, lang: string) => ({ locale: { timezone, lang } });
  const known = { zones: new Set(["Etc/UTC", "Europe/Berlin"]), locales: new Set(["en_US.UTF-8", "de_DE"]) };

  it("finds nothing wrong with a zone and a locale the system lists, or a locale built into glibc", () => {
    expect(unknownZoneOrLocale(spec("Europe/Berlin", "en_US.UTF-8"), known)).toEqual([]);
    expect(unknownZoneOrLocale(spec("Etc/UTC", "C.UTF-8"), known)).toEqual([]);
  });

  it("names an unknown zone and an unknown locale with their paths", () => {
    expect(unknownZoneOrLocale(spec("Mars/Olympus", "xx_YY.UTF-8"), known)).toEqual([
      {
        path: ["locale", "timezone"],
        message: 'expected a time zone tzdata knows (a file under /usr/share/zoneinfo), got "Mars/Olympus"',
      },
      {
        path: ["locale", "lang"],
        message: 'expected a locale listed in /usr/share/i18n/SUPPORTED, or C.UTF-8, got "xx_YY.UTF-8"',
      },
    ]);
  });

  it("asks a function when zones are given as one", () => {
    const asked: string[] = [];
    const zones = (z: string) => (asked.push(z), false);
    expect(unknownZoneOrLocale(spec("Etc/UTC", "de_DE"), { ...known, zones })).toHaveLength(1);
    expect(asked).toEqual(["Etc/UTC"]);
  });
});

describe("knownOnRoot", () => {
  const root = mkdtempSync(join(tmpdir(), "pairboot-zones-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "usr/share/zoneinfo/Europe"), { recursive: true });
  mkdirSync(join(root, "usr/share/i18n"), { recursive: true });
  writeFileSync(join(root, "usr/share/zoneinfo/Europe/Berlin"), "TZif");
  writeFileSync(join(root, "usr/share/i18n/SUPPORTED"), "de_DE.UTF-8 UTF-8\nde_DE ISO-8859-1\n");

  it("knows the zone files and SUPPORTED lines under the root, and nothing else", () => {
    const known = knownOnRoot(root);
    if (!known) throw new Error("expected the root to have tzdata");
    expect(unknownZoneOrLocale({ locale: { timezone: "Europe/Berlin", lang: "de_DE" } }, known)).toEqual([]);
    const bad = unknownZoneOrLocale({ locale: { timezone: "Europe", lang: "en_US.UTF-8" } }, known);
    expect(bad.map((p) => p.path.join("."))).toEqual(["locale.timezone", "locale.lang"]);
  });

  it("for validate, judges no locale on a machine without glibc's list, but still its zones", () => {
    const bare = mkdtempSync(join(tmpdir(), "pairboot-zones-"));
    try {
      mkdirSync(join(bare, "usr/share/zoneinfo/Etc"), { recursive: true });
      writeFileSync(join(bare, "usr/share/zoneinfo/Etc/UTC"), "TZif");
      const strict = knownOnRoot(bare);
      const lenient = knownOnThisMachine(bare);
      if (!strict || !lenient) throw new Error("expected the root to have tzdata");
      const spec = { locale: { timezone: "Mars/Olympus", lang: "de_DE.UTF-8" } };
      expect(unknownZoneOrLocale(spec, strict).map((p) => p.path.join("."))).toEqual([
        "locale.timezone",
        "locale.lang",
      ]);
      expect(unknownZoneOrLocale(spec, lenient).map((p) => p.path.join("."))).toEqual(["locale.timezone"]);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("says nothing (undefined) about a root without tzdata", () => {
    expect(knownOnRoot(join(root, "usr/share/i18n"))).toBeUndefined();
  });
});
