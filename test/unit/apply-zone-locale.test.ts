// The answer's time zone and locale are checked against the system to install before anything is written:
// an unknown one used to fail only at the configure step, after partitioning, mkfs and the copy.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../src/answer/schema.js";
import { InstallRefused, prepareInstall } from "../../src/apply/engine.js";
import { unknownOnSource } from "../../src/apply/source.js";
import { loadFixture, shippedExample } from "../support/fixtures.js";

const haveSquashfs =
  (await execa("mksquashfs", ["-version"], { reject: false }).catch(() => null))?.exitCode === 0;
let dir: string;
let root: string;

function spec(timezone: string, lang: string): ClusterSpec {
  return shippedExample("seed", (doc) => {
    doc.locale = { ...doc.locale, timezone, lang };
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "pairboot-zones-"));
  root = join(dir, "root");
  await mkdir(join(root, "usr/share/zoneinfo/Europe"), { recursive: true });
  await mkdir(join(root, "usr/share/zoneinfo/America"), { recursive: true });
  await mkdir(join(root, "usr/share/zoneinfo/US"), { recursive: true });
  await mkdir(join(root, "usr/share/i18n"), { recursive: true });
  await writeFile(join(root, "usr/share/zoneinfo/Europe/Berlin"), "TZif2");
  await writeFile(join(root, "usr/share/zoneinfo/America/New_York"), "TZif2");
  await symlink("../America/New_York", join(root, "usr/share/zoneinfo/US/Eastern"));
  await writeFile(join(root, "usr/share/i18n/SUPPORTED"), "de_DE.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the zone and locale of the system to install", () => {
  it("an unknown zone and locale are refused in the install's preparation, naming both and the source", async () => {
    const facts = loadFixture("node-a");
    const err = await prepareInstall({
      spec: spec("Mars/Olympus", "xx_YY.UTF-8"),
      answerPath: join(dir, "answer.yaml"),
      nodeName: "node-a",
      facts,
      source: { kind: "dir", path: root },
      confirmWipe: false,
      dryRun: true,
      resume: true,
      target: join(dir, "target"),
      logDir: join(dir, "log"),
      tool: null,
      probe: () => Promise.reject(new Error("the refusal comes before any probe")),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InstallRefused);
    expect((err as Error).message).toBe(
      `the system to install (${root}) does not have what the answer file names; nothing was written:\n` +
        `  locale.timezone: expected a time zone tzdata knows (a file under /usr/share/zoneinfo), got "Mars/Olympus"\n` +
        `  locale.lang: expected a locale listed in /usr/share/i18n/SUPPORTED, or C.UTF-8, got "xx_YY.UTF-8"`,
    );
  });

  it("a zone that is a link to another and a listed locale pass, from a directory", async () => {
    expect(await unknownOnSource(spec("US/Eastern", "de_DE.UTF-8"), { kind: "dir", path: root })).toEqual([]);
    expect(await unknownOnSource(spec("Etc/UTC", "C.UTF-8"), { kind: "dir", path: root })).toEqual([
      'locale.timezone: expected a time zone tzdata knows (a file under /usr/share/zoneinfo), got "Etc/UTC"',
    ]);
  });

  it.skipIf(!haveSquashfs)("asks a squashfs image the same way, links included", async () => {
    const image = join(dir, "root.squashfs");
    await execa("mksquashfs", [root, image, "-noappend", "-quiet"]);
    const source = { kind: "squashfs" as const, path: image };
    expect(await unknownOnSource(spec("US/Eastern", "en_US.UTF-8"), source)).toEqual([]);
    expect(await unknownOnSource(spec("Europe/Paris", "en_US.UTF-8"), source)).toEqual([
      'locale.timezone: expected a time zone tzdata knows (a file under /usr/share/zoneinfo), got "Europe/Paris"',
    ]);
  });
});
