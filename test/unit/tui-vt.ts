// An in-process terminal for wizard tests: blessed writes into @xterm/headless through a fake TTY stream,
// keys go in as the bytes a terminal would send, and tests read the screen back as text and cells.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import xh from "@xterm/headless";
import type { ClusterSpec } from "../../src/answer/schema.js";
import type { HardwareFacts } from "../../src/probe/facts.js";
import { startWizard, type SavedAnswer, type WizardHandle } from "../../src/tui/app.js";
import { answerSaver } from "../../src/tui/answer-io.js";
import type { Engine, InstallOptions, ProgressEvent } from "../../src/tui/engine.js";
import { openTerminal } from "../../src/tui/terminal.js";
import type { FieldId } from "../../src/tui/model/draft.js";
import { cursorOf, focusItems } from "../../src/tui/model/wizard.js";

export const KEY = {
  enter: "\r",
  tab: "\t",
  shiftTab: "\x1b[Z",
  up: "\x1b[A",
  down: "\x1b[B",
  esc: "\x1b",
  f1: "\x1bOP",
  space: " ",
  backspace: "\x7f",
  end: "\x1b[F",
  pageDown: "\x1b[6~",
  ctrlU: "\x15",
} as const;

export function fixture(name: string): HardwareFacts {
  return JSON.parse(readFileSync(join("test/fixtures/hardware", `${name}.json`), "utf8")) as HardwareFacts;
}

/**
 * examples/seed.yaml as an object, without the shared secrets: the file is the reference answer and may
 * gain secrets when another tool is run on it, but these tests want the wizard to make them.
 */
export async function seedAnswer(): Promise<Record<string, unknown>> {
  const { readAnswerObject } = await import("../../src/tui/answer-io.js");
  const seed = structuredClone(await readAnswerObject("examples/seed.yaml")) as Record<
    string,
    Record<string, unknown>
  >;
  delete seed.drbd?.shared_secret;
  delete seed.heartbeat?.authkey;
  return seed;
}

export interface EngineCall {
  spec: ClusterSpec;
  opts: InstallOptions;
}

/** The engine boundary, recorded: it reports a short task list and succeeds, touching nothing. */
export function recordingEngine(): Engine & { calls: EngineCall[] } {
  const calls: EngineCall[] = [];
  return {
    simulated: true,
    calls,
    async install(spec, opts, onProgress: (e: ProgressEvent) => void) {
      calls.push({ spec, opts });
      onProgress({
        type: "plan",
        tasks: [
          { id: "partition", title: "Partition the disk" },
          { id: "copy-root", title: "Copy the OS" },
        ],
      });
      onProgress({ type: "start", id: "partition" });
      onProgress({ type: "done", id: "partition" });
      onProgress({ type: "start", id: "copy-root" });
      onProgress({ type: "progress", id: "copy-root", ratio: 0.5, detail: "1.0 GiB of 2.0 GiB" });
      onProgress({ type: "done", id: "copy-root" });
      return { ok: true };
    },
  };
}

export interface VtOptions {
  terminal?: string;
  cols?: number;
  rows?: number;
  facts?: HardwareFacts;
  answer?: { path: string; object: unknown };
  engine?: Engine;
  loadAnswer?: (path: string) => Promise<unknown>;
  /** How the answer is saved; default: into the Vt's own temp directory (saveDir), never the stick. */
  saveAnswer?: (answer: Record<string, unknown>) => Promise<SavedAnswer>;
  /** Screens as for a real engine (no DEMO marks), while the engine stays the recording one. */
  demo?: boolean;
}

export interface Vt {
  handle: WizardHandle;
  engine: Engine & { calls?: EngineCall[] };
  saveDir: string;
  mono: boolean;
  press(...keys: string[]): Promise<void>;
  type(text: string): Promise<void>;
  text(): Promise<string>;
  lines(): Promise<string[]>;
  /** The row index of the first line containing `needle`, or -1. */
  rowOf(needle: string): Promise<number>;
  cell(x: number, y: number): Promise<xh.IBufferCell>;
  /** Every cell of the screen, for attribute sweeps. */
  cells(): Promise<{ x: number; y: number; cell: xh.IBufferCell }[]>;
  until(predicate: (text: string) => boolean, ms?: number): Promise<string>;
  /** Tab to a field (or the Next button) of the current form screen. */
  tabTo(target: FieldId | "next"): Promise<void>;
  /** Tab to a field, clear it and type a value. */
  fill(id: FieldId, value: string): Promise<void>;
  destroy(): void;
}

export async function openVt(opts: VtOptions = {}): Promise<Vt> {
  const cols = opts.cols ?? 80;
  const rows = opts.rows ?? 25;
  const term = new xh.Terminal({ cols, rows, allowProposedApi: true });
  let pending = Promise.resolve();
  const output = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        pending = pending.then(() => new Promise<void>((r) => term.write(chunk, r)));
        cb();
      },
    }),
    { isTTY: true, columns: cols, rows },
  );
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: true,
    setRawMode() {
      return input;
    },
  });
  const opened = openTerminal({ input, output }, { terminal: opts.terminal ?? "linux", coalesce: false });
  const engine = opts.engine ?? recordingEngine();
  const saveDir = mkdtempSync(join(tmpdir(), "pairboot-tui-test-"));
  const facts = opts.facts ?? fixture("node-a");
  let n = 0;
  const handle = startWizard({
    screen: opened.screen,
    mono: opened.mono,
    facts,
    engine,
    answer: opts.answer,
    demo: opts.demo,
    loadAnswer: opts.loadAnswer ?? (async () => ({})),
    saveAnswer: opts.saveAnswer ?? answerSaver(facts, { demo: true, dir: saveDir }),
    // A fixed hash and secrets keep the saved answers comparable between runs.
    hashPassword: (p) => `$6$testsalt$${Buffer.from(p).toString("hex")}`,
    secret: () => `test-secret-${String(++n).padStart(8, "0")}`,
    now: () => 1_000_000,
  });
  const settle = async () => {
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      await pending;
    }
  };
  const lines = async () => {
    await settle();
    const b = term.buffer.active;
    return Array.from({ length: rows }, (_, y) => b.getLine(y)?.translateToString(true) ?? "");
  };
  const text = async () => (await lines()).join("\n");
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      input.write(k);
      await settle();
    }
  };
  const type = async (t: string) => {
    for (const ch of t) {
      input.write(ch);
      await settle();
    }
  };
  const tabTo = async (target: FieldId | "next") => {
    for (let i = 0; i < 40; i++) {
      const s = handle.state();
      const item = focusItems(s)[cursorOf(s)];
      if (item && (item.kind === "next" ? target === "next" : item.kind === "field" && item.id === target))
        return;
      await press(KEY.tab);
    }
    throw new Error(`never reached ${target}`);
  };
  return {
    handle,
    engine,
    tabTo,
    async fill(id, value) {
      await tabTo(id);
      await press(KEY.ctrlU);
      await type(value);
    },
    saveDir,
    mono: opened.mono,
    press,
    type,
    text,
    lines,
    async rowOf(needle) {
      return (await lines()).findIndex((l) => l.includes(needle));
    },
    async cell(x, y) {
      await settle();
      const c = term.buffer.active.getLine(y)?.getCell(x);
      if (!c) throw new Error(`no cell at ${x},${y}`);
      return c;
    },
    async cells() {
      await settle();
      const out: { x: number; y: number; cell: xh.IBufferCell }[] = [];
      for (let y = 0; y < rows; y++) {
        const line = term.buffer.active.getLine(y);
        for (let x = 0; x < cols; x++) {
          const c = line?.getCell(x);
          if (c) out.push({ x, y, cell: c });
        }
      }
      return out;
    },
    async until(predicate, ms = 5000) {
      const end = Date.now() + ms;
      for (;;) {
        const t = await text();
        if (predicate(t)) return t;
        if (Date.now() > end) throw new Error(`screen never matched; last screen:\n${t}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    destroy() {
      opened.screen.destroy();
      opened.close();
      term.dispose();
      rmSync(saveDir, { recursive: true, force: true });
    },
  };
}

/** The wizard's flows run on both: the Linux console (colours) and a serial line (VT100, no colours). */
export const TERMINALS = [
  { terminal: "linux", rows: 25 },
  { terminal: "vt100", rows: 24 },
] as const;

/** The cells of the first row showing `needle`, one per character. */
async function cellsOf(vt: Vt, needle: string): Promise<xh.IBufferCell[]> {
  const y = await vt.rowOf(needle);
  if (y < 0) throw new Error(`"${needle}" is not on the screen:\n${await vt.text()}`);
  const x = ((await vt.lines())[y] ?? "").indexOf(needle);
  const out: xh.IBufferCell[] = [];
  for (let i = 0; i < needle.length; i++) out.push(await vt.cell(x + i, y));
  return out;
}

/**
 * The selected row or field stands out: in inverse video on a terminal without colours, else on a
 * coloured background that differs from its text.
 */
export async function isSelected(vt: Vt, needle: string): Promise<boolean> {
  const cells = await cellsOf(vt, needle);
  return cells.every((c) =>
    vt.mono ? c.isInverse() !== 0 : !c.isBgDefault() && c.getBgColor() !== c.getFgColor(),
  );
}

/** An error stands out by bold (and, where there are colours, red). */
export async function isError(vt: Vt, needle: string): Promise<boolean> {
  const cells = await cellsOf(vt, needle);
  return cells.every((c) => c.isBold() !== 0 && (vt.mono || !c.isFgDefault()));
}

/** On a terminal without colours not one cell uses a colour (blessed would draw black on black). */
export async function colouredCells(vt: Vt): Promise<string[]> {
  if (!vt.mono) return [];
  return (await vt.cells())
    .filter(({ cell }) => !cell.isFgDefault() || !cell.isBgDefault())
    .map(({ x, y }) => `${x},${y}`);
}
