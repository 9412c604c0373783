// An answer file pre-fills every screen; the user walks through, changes one value, and the engine gets
// the file's values with that one change.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadAnswerFile } from "../../src/answer/load.js";
import { readAnswerObject } from "../../src/tui/answer-io.js";
import { KEY, TERMINALS, colouredCells, fixture, isSelected, openVt, type Vt, seedAnswer } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

const SEED = "examples/seed.yaml";

describe("a pre-filled answer file", () => {
  it.each(TERMINALS)(
    "shows the file's values on every screen, takes one change and installs the rest unchanged (TERM=$terminal)",
    async (t) => {
      vt = await openVt({ ...t, answer: { path: SEED, object: await seedAnswer() } });
      let screen = await vt.text();
      expect(screen).toContain("Answer file: examples/seed.yaml (every screen is pre-filled)");

      await vt.press(KEY.enter);
      screen = await vt.text();
      // The seed's selector (model QEMU HARDDISK*, at least 8 GiB) picks sda, not the 2 GiB stick.
      expect(screen).toMatch(/\*\s+sda\s+20\.0 GiB/);
      expect(await isSelected(vt, "sda      20.0 GiB")).toBe(true);
      await vt.press(KEY.enter);

      screen = await vt.text();
      expect(screen).toContain("step 2 of 5: network");
      expect(await isSelected(vt, "lan0   ens3")).toBe(true);
      expect(await colouredCells(vt)).toEqual([]);
      expect(screen).toMatch(/lan0\s+ens3\s+52:54:00:00:0a:01/);
      expect(screen).toMatch(/lan1\s+ens4\s+52:54:00:00:0a:02/);
      expect(screen).toMatch(/repl0\s+ens5\s+52:54:00:00:0a:03/);
      expect(screen).toMatch(/LAN address \(bond\)\s+\[192\.168\.42\.1\/24/);
      expect(screen).toMatch(/MAC of repl0\s+\[52:54:00:00:0b:03/);
      await vt.tabTo("next");
      await vt.press(KEY.enter);

      screen = await vt.text();
      expect(screen).toMatch(/Cluster name\s+\[nfs1\s/);
      expect(screen).toMatch(/Service IP \(floating\)\s+\[192\.168\.42\.42\/24/);
      expect(screen).toMatch(/Export clients\s+\[192\.168\.42\.0\/24/);
      // Allowed by the answer file, so only a note, not an error.
      expect(screen).toContain("note: without an SSH key or a root password nobody");

      await vt.press(KEY.backspace);
      await vt.type("2");
      screen = await vt.text();
      expect(screen).toMatch(/Cluster name\s+\[nfs2\s/);
      expect(await isSelected(vt, "[nfs2 ")).toBe(true);
      expect(await isSelected(vt, "[example.org")).toBe(false);
      await vt.tabTo("next");
      await vt.press(KEY.enter);

      screen = await vt.text();
      expect(screen).toContain("step 4 of 5: review");
      expect(screen).toContain("Cluster nfs2.example.org, service IP 192.168.42.42/24");
      await vt.press(KEY.end);
      expect(await isSelected(vt, "[ Install node A on sda ]")).toBe(true);
      expect(await colouredCells(vt)).toEqual([]);
      await vt.press(KEY.enter);
      await vt.type("sda");
      await vt.press(KEY.enter);
      await vt.until((t) => t.includes("finished"));

      const seed = await loadAnswerFile(SEED);
      if (!seed.ok) throw new Error("the seed does not load");
      const spec = vt.engine.calls?.[0]?.spec;
      expect(spec?.cluster.name).toBe("nfs2");
      expect(spec?.nodes).toEqual(seed.spec.nodes);
      expect(spec?.network).toEqual(seed.spec.network);
      expect(spec?.nfs.exports).toEqual(seed.spec.nfs.exports);
      expect(spec?.time).toEqual(seed.spec.time);
      expect(spec?.heartbeat).toMatchObject({ ...seed.spec.heartbeat, authkey: expect.any(String) });
      // The seed has no secrets: the wizard made them once, and they are in the saved file.
      expect(spec?.drbd.shared_secret).toMatch(/^test-secret-/);
      expect(spec?.heartbeat.authkey).toMatch(/^test-secret-/);
    },
  );

  it("opens the disk screen on the disk the answer picks", async () => {
    const answer = await seedAnswer();
    const nodes = answer.nodes as Record<string, unknown>[];
    nodes[0] = { ...nodes[0], disk: { serial: "QM00002" } };
    vt = await openVt({ facts: fixture("two-equal-disks"), answer: { path: "answer.yaml", object: answer } });
    await vt.press(KEY.enter);
    const y = await vt.rowOf("sdb      20.0 GiB");
    expect(((await vt.lines())[y] ?? "").startsWith("│*")).toBe(true);
    expect((await vt.cell(5, y)).isInverse() || (await vt.cell(5, y)).getBgColor() > 0).toBeTruthy();
    await vt.press(KEY.enter);
    expect(await vt.text()).toContain("sdb chosen.");
  });

  it("on a machine without the answer's NICs (a lab host), keeps them as absent rows and says so", async () => {
    const facts = fixture("host-loops");
    // This host's recording, with its empty loop1 grown to a size a node fits on.
    const loop1 = facts.disks.find((d) => d.name === "loop1");
    if (loop1) loop1.sizeBytes = 10 * 1024 ** 3;
    vt = await openVt({ facts, answer: { path: SEED, object: await seedAnswer() } });
    await vt.press(KEY.enter);
    // The seed's disk rule matches none of the loop devices: the user picks one.
    await vt.press(KEY.down, KEY.enter);
    let screen = await vt.text();
    expect(screen).toContain("step 2 of 5: network");
    expect(screen).toMatch(/-\s+eth0\s+02:fc:00:00:00:01\s+up/);
    expect(screen).toMatch(/lan0\s+\(absent\)\s+52:54:00:00:0a:01\s+-\s+-\s+not on this machine/);
    expect(screen).toMatch(/repl0\s+\(absent\)\s+52:54:00:00:0a:03/);
    expect(screen).toContain("note: lan0 (52:54:00:00:0a:01), lan1 (52:54:00:00:0a:02), repl0");
    // Space on this machine's NIC takes over a role; the absent NIC it replaces stays listed, role-less.
    await vt.press(KEY.space);
    screen = await vt.text();
    expect(screen).toMatch(/lan0\s+eth0\s+02:fc:00:00:00:01/);
    expect(screen).toMatch(/-\s+\(absent\)\s+52:54:00:00:0a:01/);
    expect(screen).toContain("note: lan1 (52:54:00:00:0a:02), repl0 (52:54:00:00:0a:03) are not on");
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    expect(await vt.text()).toContain("step 3 of 5: cluster");
    const nodes = vt.handle.state().draft;
    expect(nodes.bond).toEqual(["eth0", "absent:52:54:00:00:0a:02"]);
  });

  it("loads an answer file from the start screen and pre-fills from it", async () => {
    const asked: string[] = [];
    vt = await openVt({
      loadAnswer: async (path) => {
        asked.push(path);
        return readAnswerObject(path);
      },
    });
    await vt.press(KEY.down, KEY.down, KEY.down, KEY.enter);
    let screen = await vt.text();
    expect(screen).toContain("Type the path of a pairboot answer file");
    await vt.type(SEED);
    await vt.press(KEY.enter);
    screen = await vt.until((t) => t.includes("step 1 of 5: disk"));
    expect(asked).toEqual([SEED]);
    expect(screen).toContain("Pre-filled from examples/seed.yaml");
    expect(screen).toMatch(/\*\s+sda\s+20\.0 GiB/);
  });

  it("says why a file cannot be loaded and stays on the load screen", async () => {
    vt = await openVt({
      loadAnswer: (path) => readAnswerObject(path),
    });
    await vt.press(KEY.down, KEY.down, KEY.down, KEY.enter);
    await vt.type("/nonexistent/answer.yaml");
    await vt.press(KEY.enter);
    const screen = await vt.until((t) => t.includes("Could not load"));
    expect(screen).toContain("Could not load /nonexistent/answer.yaml: ENOENT");
    expect(screen).toContain("load an answer file");
  });

  it("shows where a file that is not YAML breaks, with file, line and column", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pairboot-tui-bad-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "version: 1\ncluster: {name: nfs1\nnodes: [\n");
    vt = await openVt({ loadAnswer: (path) => readAnswerObject(path) });
    await vt.press(KEY.down, KEY.down, KEY.down, KEY.enter);
    await vt.type(bad);
    await vt.press(KEY.enter);
    const screen = await vt.until((t) => t.includes("Could not load"));
    expect(screen).toContain(`! Could not load ${bad}:`);
    expect(screen).toContain(`${bad}:2:10: this '{' is never closed`);
    expect(vt.handle.state().screen).toBe("load");
    rmSync(dir, { recursive: true, force: true });
  });
});
