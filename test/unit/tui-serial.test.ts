// On a serial line (TERM=vt100 or vt220: no colours) every screen must be readable and the selected row
// must stand out by inverse video alone; on the Linux console the selection is coloured but never black
// on black. Checked on the cells of a headless terminal, not on the code that styles them.
import { afterEach, describe, expect, it } from "vitest";
import { KEY, fixture, openVt, type Vt, seedAnswer } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

/** No cell on the screen uses a colour: fore- and background are the terminal's defaults everywhere. */
async function expectNoColour(): Promise<void> {
  const coloured = (await vt.cells()).filter(({ cell }) => !cell.isFgDefault() || !cell.isBgDefault());
  expect(coloured.map(({ x, y }) => `${x},${y}`)).toEqual([]);
}

/** Every visible character of the row `needle` is on, is inverse. */
async function expectInverseRow(needle: string): Promise<void> {
  const y = await vt.rowOf(needle);
  expect(y, `row "${needle}" on screen`).toBeGreaterThanOrEqual(0);
  const line = (await vt.lines())[y] ?? "";
  const x = line.indexOf(needle);
  for (let i = 0; i < needle.length; i++) {
    const cell = await vt.cell(x + i, y);
    expect(cell.isInverse(), `inverse at column ${x + i} of "${needle}"`).not.toBe(0);
  }
}

async function expectPlainRow(needle: string): Promise<void> {
  const y = await vt.rowOf(needle);
  const line = (await vt.lines())[y] ?? "";
  const cell = await vt.cell(line.indexOf(needle), y);
  expect(cell.isInverse()).toBe(0);
}

describe.each(["vt100", "vt220"])("on a serial terminal (TERM=%s, 80x24)", (terminal) => {
  it("has no colours and marks the selection with inverse video on every screen of an install", async () => {
    vt = await openVt({
      terminal,
      rows: 24,
      answer: { path: "seed", object: await seedAnswer() },
    });
    expect(vt.mono).toBe(true);

    // Start: the first choice is selected, the others are not.
    let screen = await vt.text();
    expect(screen.split("\n")).toHaveLength(24);
    expect(screen).toContain("Up/Down move  Enter choose  F1/? help  q quit");
    await expectInverseRow("1. Install node A on this machine");
    await expectPlainRow("4. Load an answer file");
    await expectNoColour();
    await vt.press(KEY.down);
    await expectInverseRow("2. Receive a clone as node B");
    await expectPlainRow("1. Install node A on this machine");
    await vt.press(KEY.up, KEY.enter);

    // Disk: the cursor row, also when it is on a refused disk.
    await expectInverseRow("sda      20.0 GiB");
    await expectNoColour();
    await vt.press(KEY.down);
    await expectInverseRow("sdb      2.0 GiB");
    await expectPlainRow("sda      20.0 GiB");
    // The boot medium is refused here too, the reason in bold rather than red.
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("sdb cannot be chosen: it is the boot medium");
    expect(screen).toContain("step 1 of 5: disk");
    await expectNoColour();
    await vt.press(KEY.up, KEY.enter);

    // Network: a NIC row, then a text field.
    await expectInverseRow("lan0   ens3");
    await expectNoColour();
    await vt.tabTo("nodeALan");
    await expectInverseRow("[192.168.42.1/24");
    await expectPlainRow("lan0   ens3");
    await vt.tabTo("next");
    await vt.press(KEY.enter);

    // Cluster, review, confirm.
    await expectInverseRow("[nfs1");
    await expectNoColour();
    await vt.tabTo("next");
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("step 4 of 5: review");
    await expectNoColour();
    await vt.press(KEY.end);
    await expectInverseRow("[ Install node A on sda ]");
    await vt.press(KEY.enter);
    await expectNoColour();
    await vt.type("sda");
    await vt.press(KEY.enter);
    screen = await vt.until((t) => t.includes("finished"));
    await expectNoColour();
  });

  it("shows errors in bold, not in colour", async () => {
    vt = await openVt({ terminal, rows: 24, facts: fixture("too-small") });
    await vt.press(KEY.enter, KEY.enter);
    const y = await vt.rowOf("sda cannot be chosen");
    expect(y).toBe(22);
    expect((await vt.cell(0, y)).isBold()).not.toBe(0);
    await expectNoColour();
  });

  it("draws the help and quit dialogs readably", async () => {
    vt = await openVt({ terminal, rows: 24 });
    await vt.press(KEY.f1);
    let screen = await vt.text();
    expect(screen).toContain("Esc              back one screen");
    await expectNoColour();
    await vt.press("x");
    await vt.press("q");
    screen = await vt.text();
    expect(screen).toContain("Quit the wizard? Nothing has been written to any disk.");
    await expectInverseRow(" y ");
    await expectNoColour();
  });
});

describe("on the Linux console (TERM=linux, 80x25)", () => {
  it("colours the selection, never black on black", async () => {
    vt = await openVt({ terminal: "linux", rows: 25 });
    expect(vt.mono).toBe(false);
    const y = await vt.rowOf("1. Install node A on this machine");
    const x = ((await vt.lines())[y] ?? "").indexOf("1. Install");
    const cell = await vt.cell(x, y);
    expect(cell.isBgDefault()).toBe(false);
    expect(cell.getBgColor()).not.toBe(cell.getFgColor());
  });
});
