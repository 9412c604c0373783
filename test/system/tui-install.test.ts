// The wizard drives a real install: the real binary in a pseudo-terminal (tmux), as root, on a machine
// whose only installable disk is a loop device on a sparse file made here, with a stick of its own (a
// second loop device with a mounted PAIRBOOT partition). Keys go in as a user types them: install node A,
// the loop disk, the pre-filled values, review, the disk's name; the progress runs inside the screen to
// the done screen. Then the disk, the installed root and the saved answer are checked with the real tools.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  GiB,
  MiB,
  assembleGptDisk,
  attachLoop,
  createSparseImage,
  makeExt4FromDir,
  withMount,
  type Loop,
} from "../support/images.js";
import { mountsBelow } from "../support/mounts.js";
import { rootfsDir } from "../support/rootfs.js";
import { hasTmux, openTmux, type Tmux } from "../support/tmux.js";

const REPO = process.cwd();
const ROOTFS = rootfsDir;
const SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPairbootWizardTestKeyOnly00 wizard-test";

let dir = "";
let disk: Loop | undefined;
let stick: Loop | undefined;
let stickDir = "";
let target = "";
let tm: Tmux | undefined;
const log = (text: string) => console.log(`[tui-install] ${text}`);

beforeAll(async () => {
  if (!existsSync(join(ROOTFS, "etc/debian_version"))) {
    await execa("bash", [join(REPO, "scripts/build-rootfs.sh")], { stdio: "inherit" });
  }
  dir = await mkdtemp(join(tmpdir(), "pb-tui-install-"));
  target = join(dir, "target");
  await createSparseImage(join(dir, "disk.img"), 10 * GiB);
  disk = await attachLoop(join(dir, "disk.img"));
  // The stick: one GPT partition holding an ext4 filesystem labelled PAIRBOOT, mounted as the live
  // system mounts it.
  await mkdir(join(dir, "empty"));
  await makeExt4FromDir({
    dir: join(dir, "empty"),
    image: join(dir, "pairboot.ext4"),
    sizeBytes: 32 * MiB,
    label: "PAIRBOOT",
  });
  await assembleGptDisk(join(dir, "stick.img"), 64 * MiB, [
    { name: "PAIRBOOT", content: join(dir, "pairboot.ext4") },
  ]);
  stick = await attachLoop(join(dir, "stick.img"));
  stickDir = join(dir, "stick");
  await mkdir(stickDir);
  await execa("mount", [stick.partitions[0] ?? "", stickDir]);
}, 900_000);

afterAll(async () => {
  // A failed assertion can leave the install running: killing the wizard then would orphan the engine's
  // commands inside the target. Let it reach its done screen first.
  let screen = "";
  try {
    screen = tm?.capture("w") ?? "";
  } catch {
    // no such pane: never started
  }
  if (screen.includes("pairboot wizard - installing")) {
    await tm?.waitFor("w", "pairboot wizard - finished", 300_000).catch(() => undefined);
  }
  tm?.close();
  if (target && existsSync(target)) await execa("umount", ["-R", target], { reject: false });
  if (stickDir) await execa("umount", [stickDir], { reject: false });
  await stick?.detach();
  await disk?.detach();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Every process whose root directory is inside `dir` (commands the engine runs chrooted in the target). */
async function processesRootedIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const root = await readlink(`/proc/${pid}/root`).catch(() => "");
    if (root === dir || root.startsWith(`${dir}/`)) out.push(pid);
  }
  return out;
}

/**
 * Start the wizard in pane `pane` and drive it as a user would, up to the running install: install node
 * A, the loop disk, the pre-filled values, review, the disk's name.
 */
async function driveToInstall(pane: string, answerArg: string): Promise<void> {
  const dev = disk?.dev ?? "";
  const name = dev.replace("/dev/", "");
  const t = tm as Tmux;
  t.start(pane, {
    term: "linux",
    rows: 25,
    cmd: `cd ${REPO} && node bin/pairboot.js wizard ${answerArg} --include-loop --source ${ROOTFS} --target ${target}`,
  });
  const keys = (...k: string[]) => t.keys(pane, ...k);
  let screen = await t.waitFor(pane, "pairboot wizard - start", 60_000);
  expect(screen).not.toContain("DEMO");
  await keys("Enter");
  screen = await t.waitFor(pane, "step 1 of 5: disk");
  // Move to the loop disk, unless the answer's disk rule already picked it.
  for (let i = 0; i < 30 && !t.capture(pane).includes(`${dev}: `); i++) await keys("Down");
  screen = t.capture(pane);
  expect(screen).toContain(`${dev}: no model, 10.0 GiB`);
  // The stick's loop device is listed and refused: its partition is mounted.
  expect(screen).toMatch(new RegExp(`${stick?.dev.replace("/dev/", "")}\\s+64\\.0 MiB`));
  await keys("Enter");
  screen = await t.waitFor(pane, "step 2 of 5: network");
  expect(screen).toContain(`${name} chosen`);
  expect(screen).toMatch(/lan0\s+\(absent\)\s+52:54:00:00:0a:01/);
  await keys("BTab", "Enter");
  screen = await t.waitFor(pane, "step 3 of 5: cluster");
  await keys("BTab", "Enter");
  screen = await t.waitFor(pane, "step 4 of 5: review");
  expect(screen).toContain(`Node A "node-a" on ${dev}`);
  await keys("End", "Enter");
  screen = await t.waitFor(pane, `ALL DATA ON ${dev} WILL BE ERASED`);
  await keys(...name.split(""), "Enter");
}

describe.skipIf(!hasTmux())("the wizard installs node A onto a real disk", () => {
  it("stops the engine's step and unmounts when the wizard is killed during the install", async () => {
    // The user's answer file: the seed with a login key, its secrets still to be made by the wizard.
    const seed = parse(await readFile(join(REPO, "examples/seed.yaml"), "utf8")) as Record<string, unknown>;
    seed.access = { ssh_authorized_keys: [SSH_KEY] };
    const answer = join(dir, "cluster.yaml");
    await writeFile(answer, stringify(seed), { mode: 0o600 });

    tm = openTmux("tui-install");
    await driveToInstall("k", `--answer ${answer}`);
    await tm.waitFor("k", "[..] Copy the root filesystem", 90_000);
    const pane = tm.panePid("k");
    const wizard = (await execa("pgrep", ["-P", String(pane), "-x", "node"])).stdout.trim();
    expect(wizard).toMatch(/^\d+$/);
    process.kill(Number(wizard), "SIGTERM");
    const after = await tm.waitFor("k", "DONE", 120_000);
    expect(after).toContain("pairboot wizard: stopped by SIGTERM");
    expect(after).toMatch(/stopped in step 'copy-root'/);
    expect(after).toContain("EXIT=130");
    expect(after).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(await mountsBelow(target)).toEqual([]);
    expect(await processesRootedIn(target)).toEqual([]);
    // The answer was saved on the stick before the engine started.
    expect(after).toContain(`answer file saved: ${join(stickDir, "answer.yaml")}`);
  }, 240_000);

  it("resumes from the answer on the stick and runs to the done screen, leaving an installed node-a", async () => {
    const dev = disk?.dev ?? "";
    const t0 = Date.now();
    // No --answer: the wizard finds the one it saved on the stick and pre-fills from it.
    await driveToInstall("w", "");
    const t = tm as Tmux;
    // The progress screen: the engine's steps with a bar, elapsed time and ETA, inside the wizard.
    let screen = await t.waitFor("w", /elapsed, ETA \d+:\d\d/, 60_000);
    expect(screen).toContain(`Installing node A onto ${dev}`);
    // The same answer, so the engine resumes the killed install: partitioning is skipped, not redone.
    expect(screen).toMatch(/\[--\] Partition/);
    log(`install started ${((Date.now() - t0) / 1000).toFixed(0)} s after the wizard`);
    screen = await t.waitFor("w", /Node A is installed\.|The install failed\./, 240_000);
    log(`done screen ${((Date.now() - t0) / 1000).toFixed(0)} s after the wizard`);
    expect(screen, screen).toContain("Node A is installed.");
    const saved = join(stickDir, "answer.yaml");
    // The body's text as one line: without the border (drawn with line-drawing characters, which tmux
    // shows as the letters x and q) and with the wrapped lines joined.
    const text = screen
      .split("\n")
      .map((l) => l.replace(/^x /, "").replace(/ x$/, "").trim())
      .join(" ")
      .replace(/\s+/g, " ");
    expect(text).toContain(
      `The answer file was saved on the pairboot stick (PAIRBOOT partition ${stick?.partitions[0]}): ${saved} Mode 0600`,
    );
    expect(text).toContain('Boot node B from the stick and choose "Receive a clone as node B"');

    await t.keys("w", "q");
    const after = await t.waitFor("w", "DONE");
    expect(after).toContain("EXIT=0");
    expect(after).toContain(`answer file saved: ${saved}`);

    // The disk: pairboot's GPT.
    const table = JSON.parse((await execa("sfdisk", ["--json", dev])).stdout).partitiontable;
    expect(table.label).toBe("gpt");
    expect((table.partitions as { name: string }[]).map((p) => p.name)).toEqual([
      "pairboot-bios",
      "pairboot-esp",
      "pairboot-os",
      "pairboot-data",
    ]);
    // The saved answer: private, valid, and what the installed node carries.
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    const validate = await execa(process.execPath, ["bin/pairboot.js", "validate", saved], {
      reject: false,
      all: true,
    });
    expect(validate.exitCode, validate.all).toBe(0);
    const savedText = await readFile(saved, "utf8");
    const spec = parse(savedText) as { drbd: { shared_secret?: string }; nodes: { disk: unknown }[] };
    expect(spec.drbd.shared_secret).toMatch(/\S{16,}/);
    expect(spec.nodes[0]?.disk).toEqual({ path: dev });
    await withMount(`${dev}p3`, async (root) => {
      expect((await readFile(join(root, "etc/hostname"), "utf8")).trim()).toBe("node-a");
      expect(await readFile(join(root, "etc/pairboot/answer.yaml"), "utf8")).toBe(savedText);
      expect(await readFile(join(root, "root/.ssh/authorized_keys"), "utf8")).toContain(SSH_KEY);
    });
  }, 420_000);
});
