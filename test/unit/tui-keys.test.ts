// The keyboard contract every screen shares: Esc goes back, F1 and ? open help, q asks before quitting,
// and the input plumbing that makes those keys reliable on a slow serial line.
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { coalesceEscapes, fixWindowSize } from "../../src/tui/terminal.js";
import { KEY, openVt, type Vt } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

describe("keys on every screen", () => {
  it("shows a help line at the bottom of each screen", async () => {
    vt = await openVt({ rows: 24 });
    const bottom = async () => (await vt.lines())[23];
    expect(await bottom()).toContain("Enter choose  F1/? help  q quit");
    await vt.press(KEY.enter);
    expect(await bottom()).toContain("Enter choose disk  Esc back  F1/? help  q quit");
    await vt.press(KEY.enter);
    expect(await bottom()).toContain("Space role  Esc back");
    await vt.tabTo("nodeALan");
    // In a text field q and ? are letters, so the line says how to quit instead.
    expect(await bottom()).toContain("Enter next  Esc back  F1 help  ^C quit");
  });

  it("goes back one screen with Esc and keeps what was entered", async () => {
    vt = await openVt();
    await vt.press(KEY.enter, KEY.enter);
    await vt.fill("nodeALan", "192.168.42.9/24");
    await vt.press(KEY.esc);
    expect(await vt.text()).toContain("step 1 of 5: disk");
    await vt.press(KEY.esc);
    expect(await vt.text()).toContain("pairboot wizard - start");
    await vt.press(KEY.enter, KEY.enter);
    expect(await vt.text()).toMatch(/LAN address \(bond\)\s+\[192\.168\.42\.9\/24/);
  });

  it("opens help with F1 and with ?, and any key closes it", async () => {
    vt = await openVt();
    await vt.press(KEY.f1);
    expect(await vt.text()).toContain("Esc              back one screen");
    await vt.press(KEY.enter);
    expect(await vt.text()).not.toContain("back one screen");
    expect(await vt.text()).toContain("pairboot wizard - start");
    await vt.press("?");
    expect(await vt.text()).toContain("Esc              back one screen");
  });

  it("knows the Linux console's own F1 sequence", async () => {
    vt = await openVt({ terminal: "linux" });
    await vt.press("\x1b[[A");
    expect(await vt.text()).toContain("Esc              back one screen");
  });

  it("types q and ? into a text field instead of quitting", async () => {
    vt = await openVt();
    await vt.press(KEY.enter, KEY.enter);
    await vt.fill("nodeBMac0", "q?");
    const screen = await vt.text();
    expect(screen).toMatch(/MAC of lan0\s+\[q\?/);
    expect(screen).not.toContain("Quit the wizard?");
  });

  it("asks before quitting: n stays, y quits", async () => {
    vt = await openVt();
    await vt.press(KEY.enter, "q");
    expect(await vt.text()).toContain("Quit the wizard? Nothing has been written to any disk.");
    await vt.press("n");
    expect(await vt.text()).not.toContain("Quit the wizard?");
    expect(await vt.text()).toContain("step 1 of 5: disk");
    await vt.press("q", "y");
    await expect(vt.handle.outcome).resolves.toEqual({ kind: "quit" });
  });

  it("asks before quitting on Ctrl-C, even inside a text field", async () => {
    vt = await openVt();
    await vt.press(KEY.enter, KEY.enter);
    await vt.tabTo("nodeALan");
    await vt.press("\x03");
    expect(await vt.text()).toContain("Quit the wizard?");
  });

  it("refuses screens the wired engine cannot do yet, saying so", async () => {
    vt = await openVt();
    await vt.press(KEY.down);
    expect(await vt.text()).toContain("2. Receive a clone as node B  (not available yet)");
    await vt.press(KEY.enter);
    const screen = await vt.text();
    expect(screen).toContain('"Receive a clone as node B" is not available in this build yet.');
    expect(screen).toContain("pairboot wizard - start");
  });
});

describe("serial input", () => {
  function collect(stream: NodeJS.ReadableStream): string[] {
    const chunks: string[] = [];
    stream.on("data", (c: Buffer | string) => chunks.push(c.toString()));
    return chunks;
  }
  const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

  it("joins an arrow key split across two reads", async () => {
    const tty = new PassThrough();
    const chunks = collect(coalesceEscapes(tty, 40));
    tty.write("\x1b");
    await tick(5);
    tty.write("[B");
    await tick(5);
    expect(chunks.join("")).toBe("\x1b[B");
    expect(chunks).toEqual(["\x1b[B"]);
  });

  it("passes a lone Escape on once the wait is over", async () => {
    const tty = new PassThrough();
    const chunks = collect(coalesceEscapes(tty, 20));
    tty.write("\x1b");
    await tick(5);
    expect(chunks).toEqual([]);
    await tick(40);
    expect(chunks).toEqual(["\x1b"]);
  });

  it("holds a CSI sequence cut after its parameters", async () => {
    const tty = new PassThrough();
    const chunks = collect(coalesceEscapes(tty, 40));
    tty.write("ab\x1b[6");
    await tick(5);
    tty.write("~c");
    await tick(5);
    expect(chunks).toEqual(["ab", "\x1b[6~c"]);
  });

  it("holds the Linux console's F1 (ESC [ [ A) cut after its second bracket", async () => {
    const tty = new PassThrough();
    const chunks = collect(coalesceEscapes(tty, 40));
    tty.write("\x1b[[");
    await tick(5);
    tty.write("A");
    await tick(5);
    expect(chunks).toEqual(["\x1b[[A"]);
  });

  it("gives a serial console that reports 0x0 an 80x24 window", () => {
    const out = Object.assign(new PassThrough(), { columns: 0, rows: 0 });
    expect(fixWindowSize(out)).toBe(true);
    expect([out.columns, out.rows]).toEqual([80, 24]);
    const console = Object.assign(new PassThrough(), { columns: 100, rows: 37 });
    expect(fixWindowSize(console)).toBe(false);
    expect([console.columns, console.rows]).toEqual([100, 37]);
  });
});
