// Everything about the terminal the wizard runs on, kept away from the screens: the blessed screen,
// whether it can show colours, the serial-line window size and the ESC coalescing on slow input.
import { Transform, type Readable, type Writable } from "node:stream";
import blessed from "blessed";

export interface TerminalStreams {
  input: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown; isRaw?: boolean };
  output: Writable & { isTTY?: boolean; columns?: number; rows?: number };
}

/** A serial console reports 0x0 until someone runs stty; blessed would then draw a 1x1 screen. */
export const SERIAL_COLS = 80;
export const SERIAL_ROWS = 24;

export function fixWindowSize(output: TerminalStreams["output"]): boolean {
  if ((output.columns ?? 0) > 0 && (output.rows ?? 0) > 0) return false;
  output.columns = SERIAL_COLS;
  output.rows = SERIAL_ROWS;
  return true;
}

// A tail that may be the start of an escape sequence still on its way: ESC, ESC [ params, ESC O, and
// the Linux console's function keys (ESC [ [ A is F1).
// eslint-disable-next-line no-control-regex -- matching the escape character is the point
const INCOMPLETE = /\x1b(\[\[?[0-9;?]*|O)?$/;

/**
 * blessed parses each input chunk on its own: an arrow key split across two reads on a slow serial line
 * (ESC, then "[B") becomes Escape, "[" and "B" - and Escape means "back". Hold an incomplete tail until the
 * rest arrives or `waitMs` passes (then it really was a lone Escape).
 */
export function coalesceEscapes(tty: TerminalStreams["input"], waitMs = 40): TerminalStreams["input"] {
  let held = "";
  let timer: NodeJS.Timeout | undefined;
  const out = new Transform({
    transform(chunk: Buffer | string, _enc, done) {
      if (timer) clearTimeout(timer);
      let text = held + chunk.toString();
      held = "";
      const m = INCOMPLETE.exec(text);
      if (m) {
        held = m[0];
        text = text.slice(0, text.length - held.length);
        timer = setTimeout(() => {
          const h = held;
          held = "";
          if (h) out.push(h);
        }, waitMs);
      }
      done(null, text.length > 0 ? text : undefined);
    },
    flush(done) {
      if (timer) clearTimeout(timer);
      done(null, held || undefined);
    },
  });
  const wrapped = Object.assign(out, {
    isTTY: true,
    setRawMode(raw: boolean) {
      tty.setRawMode?.(raw);
      return wrapped;
    },
    get isRaw() {
      return tty.isRaw ?? false;
    },
  });
  tty.pipe(out);
  return wrapped;
}

export interface OpenedTerminal {
  screen: blessed.Widgets.Screen;
  mono: boolean;
  /** Undo what was done to the streams (unpipe the coalescer). blessed's destroy() restores the tty. */
  close(): void;
}

export function openTerminal(
  streams: TerminalStreams,
  opts: { terminal?: string; coalesce?: boolean } = {},
): OpenedTerminal {
  fixWindowSize(streams.output);
  const input = opts.coalesce === false ? streams.input : coalesceEscapes(streams.input);
  const screen = blessed.screen({
    input: input as unknown as blessed.Widgets.IScreenOptions["input"],
    output: streams.output as unknown as blessed.Widgets.IScreenOptions["output"],
    terminal: opts.terminal ?? process.env.TERM ?? "vt100",
    smartCSR: true,
    warnings: false,
    // The Linux console and VT100 fonts have box drawing; blessed draws it via ACS or UTF-8 as the
    // terminal needs. Content stays ASCII.
    fullUnicode: false,
    autoPadding: true,
    dockBorders: false,
  });
  return {
    screen,
    mono: isMono(screen),
    close() {
      if (input !== streams.input) streams.input.unpipe(input as unknown as Writable);
    },
  };
}

/** @types/blessed lacks tput.colors; VT100/VT220 report -1 or fewer than 8. */
export function isMono(screen: blessed.Widgets.Screen): boolean {
  const colors = (screen.tput as unknown as { colors?: number }).colors ?? -1;
  return !(colors >= 8);
}
