// The last moment to stop an unattended install. With an answer found and no pairboot.auto=1, the console
// shows what will happen and counts down; the install starts when the count reaches zero or when the user
// confirms, and Esc (or n, q, Ctrl-C) stops it and opens the wizard pre-filled with the answer instead.
// pairboot.auto=1 skips the count (a lab, a rack of identical machines). Other keys do nothing, so a
// cat on the keyboard neither starts nor stops anything early.
// Pure: the caller feeds ticks and key bytes and acts on the decision.

export const COUNTDOWN_SECONDS = 10;

export type GateDecision = "proceed" | "abort";

export interface GateState {
  remaining: number;
  decision: GateDecision | null;
  /** Why the decision was made, for the console and the log. */
  reason: string | null;
}

export type GateEvent = { kind: "tick" } | { kind: "key"; data: string };

export function gateStart(auto: boolean, seconds = COUNTDOWN_SECONDS): GateState {
  return auto
    ? { remaining: 0, decision: "proceed", reason: "pairboot.auto=1 is on the kernel command line" }
    : { remaining: seconds, decision: null, reason: null };
}

/** What one read of key bytes means. A lone ESC is Esc; ESC followed by more is an arrow or F-key. */
export function keyMeaning(data: string): GateDecision | null {
  if (data === "\x1b" || data === "\x03") return "abort";
  if (data.startsWith("\x1b")) return null;
  const k = data.toLowerCase();
  if (k === "n" || k === "q") return "abort";
  if (k === "\r" || k === "\n" || k === "\r\n" || k === " " || k === "y") return "proceed";
  return null;
}

export function gateStep(state: GateState, event: GateEvent): GateState {
  if (state.decision !== null) return state;
  if (event.kind === "tick") {
    const remaining = state.remaining - 1;
    return remaining <= 0
      ? { remaining: 0, decision: "proceed", reason: "the countdown ran out" }
      : { ...state, remaining };
  }
  const meaning = keyMeaning(event.data);
  if (meaning === "proceed") return { ...state, decision: "proceed", reason: "confirmed at the console" };
  if (meaning === "abort") return { ...state, decision: "abort", reason: "stopped at the console" };
  return state;
}

/** The one status line under the summary, rewritten every second (ASCII only). */
export function countdownLine(state: GateState, what: GateWords = INSTALL_WORDS): string {
  const s = state.remaining === 1 ? "" : "s";
  return `${what.doing} in ${state.remaining} second${s}. Enter: ${what.now}   Esc: stop and open the wizard`;
}

/** What the countdown is for: "Installing ... Enter: install now", "Receiving ... Enter: start now". */
export interface GateWords {
  doing: string;
  now: string;
}
export const INSTALL_WORDS: GateWords = { doing: "Installing", now: "install now" };
