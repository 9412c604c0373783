// The two clone flows of the start screen, against an engine that records what it was asked: node B
// receives (address, pairing code, B's disk, confirmation) and node A sends (shows the code to type).
import { afterEach, describe, expect, it } from "vitest";
import { simulatedEngine, type Engine, type ReceiveOptions } from "../../src/tui/engine.js";
import { KEY, fixture, openVt, type Vt, seedAnswer } from "./tui-vt.js";

let vt: Vt;
afterEach(() => vt?.destroy());

/** The seed answer as node A's wizard saves it: with the shared secrets. */
async function savedOnNodeA(): Promise<Record<string, Record<string, unknown>>> {
  const seed = (await seedAnswer()) as Record<string, Record<string, unknown>>;
  return {
    ...seed,
    drbd: { ...seed.drbd, shared_secret: "drbd-secret-from-node-a" },
    heartbeat: { ...seed.heartbeat, authkey: "hb-authkey-from-node-a" },
  };
}

function cloneRecorder(): Engine & { received: ReceiveOptions[] } {
  const base = simulatedEngine({ stepMs: 4, ticks: 2 });
  const received: ReceiveOptions[] = [];
  return {
    ...base,
    received,
    cloneReceive(o, onProgress) {
      received.push(o);
      return base.cloneReceive!(o, onProgress);
    },
  };
}

describe("receiving a clone as node B", () => {
  it("without an answer file, takes node B's identity from node A's copy", async () => {
    const engine = cloneRecorder();
    vt = await openVt({ facts: fixture("node-b"), engine });
    await vt.press(KEY.down, KEY.enter);
    expect(await vt.text()).toContain("This machine becomes node B (its name and addresses come from the");
    await vt.type("node-a.example.org:7791");
    await vt.press(KEY.tab);
    await vt.type("ABCD2345HJKM");
    await vt.press(KEY.tab, KEY.enter, KEY.enter);
    await vt.type("sda");
    await vt.press(KEY.enter);
    await vt.until((t) => t.includes("finished"));
    expect(engine.received[0]).toMatchObject({
      host: "node-a.example.org",
      port: 7791,
      spec: null,
      nodeName: undefined,
    });
  });

  it("refuses an answer file without node A's secrets, which B would not pair with", async () => {
    vt = await openVt({
      facts: fixture("node-b"),
      engine: cloneRecorder(),
      answer: { path: "examples/seed.yaml", object: await seedAnswer() },
    });
    await vt.press(KEY.down, KEY.enter);
    const screen = await vt.text();
    expect(screen).toContain("examples/seed.yaml has no drbd.shared_secret or heartbeat.authkey");
    expect(screen).toContain("pairboot wizard - start");
  });

  it("takes node A's address, the pairing code and B's disk, and refuses until each is right", async () => {
    const engine = cloneRecorder();
    vt = await openVt({
      facts: fixture("node-b"),
      engine,
      answer: { path: "answer.yaml", object: await savedOnNodeA() },
    });
    await vt.press(KEY.down, KEY.enter);
    let screen = await vt.text();
    expect(screen).toContain("receive a clone: node A");
    expect(screen).toContain('This machine becomes node B ("node-b" in the answer file)');

    await vt.type("10.0.0.1:99999");
    screen = await vt.text();
    expect(screen).toContain("! expected node A's address, like 10.0.0.1 or");
    await vt.press(KEY.ctrlU);
    await vt.type("10.0.0.1");
    await vt.press(KEY.tab);
    await vt.type("ABC");
    await vt.press(KEY.tab, KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("Fix the marked entries first");
    expect(screen).toMatch(/! Pairing code\s+\[ABC/);

    await vt.press(KEY.shiftTab, KEY.ctrlU);
    await vt.type("abcd-2345-6789");
    await vt.press(KEY.tab, KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("receive a clone: disk");
    expect(screen).toContain("Choose this machine's disk for node B.");
    await vt.press(KEY.enter);
    screen = await vt.text();
    expect(screen).toContain("ALL DATA ON /dev/sda WILL BE ERASED");
    await vt.type("sda");
    await vt.press(KEY.enter);
    screen = await vt.until((t) => t.includes("finished"));
    expect(screen).toContain("Demo finished: nothing was written to any disk.");
    expect(screen).toContain("reboot node B");
    expect(engine.received).toHaveLength(1);
    expect(engine.received[0]).toMatchObject({
      host: "10.0.0.1",
      port: 7790,
      code: "abcd-2345-6789",
      diskPath: "/dev/sda",
      nodeName: "node-b",
    });
    expect(engine.received[0]?.spec?.drbd.shared_secret).toBe("drbd-secret-from-node-a");
  });
});

describe("sending a clone from node A", () => {
  it("shows the pairing code and the copy's progress", async () => {
    vt = await openVt({ engine: simulatedEngine({ stepMs: 200, ticks: 2 }) });
    await vt.press(KEY.down, KEY.down, KEY.enter);
    let screen = await vt.until((t) => t.includes("Pairing code:"));
    expect(screen).toContain("sending a clone");
    expect(screen).toContain("Pairing code:  DEMX-2345-ABCD");
    expect(screen).toContain('choose "Receive a clone as node B"');
    await vt.press("q");
    expect(await vt.text()).toContain("The clone is running: quitting now would leave");
    screen = await vt.until((t) => t.includes("finished"), 10_000);
    expect(screen).toContain("Demo finished");
  });
});
