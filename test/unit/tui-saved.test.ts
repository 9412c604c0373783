// Where the wizard saves the replayable answer file, and that the done screen says exactly where: on the
// stick's PAIRBOOT partition when one is mounted (an older answer there kept as .bak), else in a fresh
// private temp directory, with the reason the stick was not used. Real files in real temp directories;
// the machine (which partition is labelled and mounted where) comes from the recorded node-a.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadAnswerFile } from "../../src/answer/load.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { answerSaver } from "../../src/tui/answer-io.js";
import { KEY, fixture, openVt, seedAnswer, type Vt } from "./tui-vt.js";

let vt: Vt | undefined;
const dirs: string[] = [];
afterEach(() => {
  vt?.destroy();
  vt = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "pb-saved-test-"));
  dirs.push(d);
  return d;
}

/** node-a with a PAIRBOOT partition on its stick (sdb3), mounted at `mountpoint` (or not mounted). */
function withStick(mountpoint: string | null): HardwareFacts {
  const facts = fixture("node-a");
  const stick = facts.disks.find((d) => d.name === "sdb");
  stick?.partitions.push({
    path: "/dev/sdb3",
    sizeBytes: 512 * 1024 ** 2,
    fstype: "vfat",
    label: "PAIRBOOT",
    partLabel: null,
    partType: "0xc",
    mountpoints: mountpoint ? [mountpoint] : [],
  });
  return facts;
}

let confirmScreen = "";

/** Start -> the answer's disk -> network -> cluster -> review -> confirm sda -> the done screen. */
async function installFromSeed(facts: HardwareFacts): Promise<string> {
  vt = await openVt({
    facts,
    demo: false,
    answer: { path: "examples/seed.yaml", object: await seedAnswer() },
    saveAnswer: answerSaver(facts, { demo: false }),
  });
  await vt.press(KEY.enter, KEY.enter);
  await vt.tabTo("next");
  await vt.press(KEY.enter);
  await vt.fill("sshKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample admin@rack");
  await vt.tabTo("next");
  await vt.press(KEY.enter, KEY.end, KEY.enter);
  confirmScreen = (await vt.text()).replace(/[\s│]+/g, " ");
  await vt.type("sda");
  await vt.press(KEY.enter);
  return vt.until((t) => t.includes("Node A is installed."));
}

/** The line after the sentence `heading` (which may wrap) on the screen, trimmed: the path, on a line of its own. */
function lineAfter(screen: string, heading: string): string {
  const text = screen
    .split("\n")
    .map((l) => l.replace(/[│]/g, "").trim())
    .join("\n");
  const words = heading.split(" ").map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const m = new RegExp(`${words.join("\\s+")}\n(\\S+)\n`).exec(text);
  expect(m, `"${heading}" and a path on the screen:\n${screen}`).not.toBeNull();
  return m?.[1] ?? "";
}

describe("where the answer file is saved", () => {
  it("saves onto the mounted PAIRBOOT partition, keeps the older answer, and says so", async () => {
    const stick = tempDir();
    writeFileSync(join(stick, "answer.yaml"), "# an earlier run's answer\n");
    const screen = await installFromSeed(withStick(stick));
    const path = lineAfter(
      screen,
      "The answer file was saved on the pairboot stick (PAIRBOOT partition /dev/sdb3):",
    );
    expect(path).toBe(join(stick, "answer.yaml"));
    expect(screen).not.toContain("copy it somewhere safe");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await loadAnswerFile(path)).ok).toBe(true);
    expect(readFileSync(`${path}.bak`, "utf8")).toBe("# an earlier run's answer\n");
    expect(vt?.engine.calls?.[0]?.opts.answerPath).toBe(path);
    // Said before anything was written, too.
    expect(confirmScreen).toContain(
      `saved first, onto the stick's PAIRBOOT partition (/dev/sdb3, mounted at ${stick}); then the install starts.`,
    );
  });

  it("says no PAIRBOOT partition was found and saves to a private temp directory instead", async () => {
    const screen = await installFromSeed(fixture("node-a"));
    const path = lineAfter(
      screen,
      "No partition labelled PAIRBOOT was found on any disk, so the answer file was saved here instead:",
    );
    dirs.push(dirname(path));
    expect(path).toMatch(new RegExp(`^${tmpdir()}/pairboot-wizard-[^/]+/answer\\.yaml$`));
    expect(screen.replace(/\s*│\s*/g, " ")).toMatch(
      /It is not on the stick: copy it\s+somewhere safe before you reboot/,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o077).toBe(0);
    expect((await loadAnswerFile(path)).ok).toBe(true);
    expect(vt?.engine.calls?.[0]?.opts.answerPath).toBe(path);
    expect(confirmScreen).toContain(
      "saved first, into a temp directory: no partition labelled PAIRBOOT was found; then the install starts.",
    );
  });

  it.each([
    ["not mounted", () => withStick(null), /^the PAIRBOOT partition \/dev\/sdb3 is not mounted$/],
    [
      "not writable",
      () => {
        // A mountpoint that is a file: writing under it fails like a broken stick would.
        const file = join(tempDir(), "not-a-dir");
        writeFileSync(file, "");
        return withStick(file);
      },
      /^the PAIRBOOT partition \/dev\/sdb3 \(at \/.*\/not-a-dir\) could not be written \(ENOTDIR\)$/,
    ],
  ])("falls back to a temp directory when the stick is %s, saying why", async (_case, facts, why) => {
    const saved = await answerSaver(facts(), { demo: false })({ version: 1 });
    dirs.push(dirname(saved.path));
    expect(saved.onStick).toBe(false);
    expect(saved.device).toBe("/dev/sdb3");
    expect(saved.notOnStick).toMatch(why);
    expect(existsSync(saved.path)).toBe(true);
    expect(statSync(saved.path).mode & 0o777).toBe(0o600);
  });
});
