// The wizard's state and the messages in and out of its reducer. Only types and the initial state live
// here, so screens, flows and the app can share them without importing each other.
import type { ClusterSpec } from "../../answer/schema.js";
import type { DiskFacts, HardwareFacts } from "../../probe/facts.js";
import {
  CLUSTER_FIELDS,
  NETWORK_FIELDS,
  createDraft,
  type Draft,
  type FieldId,
  type Target,
} from "./draft.js";
import type { ProgressState } from "./progress.js";
import { NO_REPLACE, type ReplaceChoice } from "./replace.js";

export type ScreenId =
  | "start"
  | "load"
  | "receive"
  | "replace"
  | "disk"
  | "network"
  | "cluster"
  | "review"
  | "pager"
  | "confirm"
  | "progress"
  | "done";

export interface Key {
  name: string;
  ch?: string;
  ctrl?: boolean;
  shift?: boolean;
}

/** What this run does: install node A, one side of a clone, or a dead node's replacement. Each is a flow in src/tui/flows. */
export type Mode = "install" | "receive" | "send" | "replace";

export type StartChoice = Mode | "load";

export type PeerField = "address" | "code";
export type FocusItem =
  | { kind: "nic"; name: string }
  | { kind: "field"; id: FieldId }
  | { kind: "peer"; id: PeerField }
  | { kind: "next" };

export type ReviewItem = { kind: "file"; index: number } | { kind: "answer" } | { kind: "install" };

export interface Message {
  kind: "error" | "info";
  text: string;
}

/** Where the wizard saved the answer file, as the done screen tells it. */
export interface SavedAnswer {
  path: string;
  /** True when it went to the PAIRBOOT partition of the stick (it survives a reboot). */
  onStick: boolean;
  /** The PAIRBOOT partition written to (or found and not usable), e.g. /dev/sdb5; null when none. */
  device: string | null;
  /** Why it is not on the stick, e.g. "no PAIRBOOT partition was found"; null when it is. */
  notOnStick: string | null;
}

export interface DoneInfo {
  ok: boolean;
  /** null when nothing was saved (a clone: the answer came from node A). */
  answerPath: string | null;
  /** Where and why there, for the install's done screen. */
  saved: SavedAnswer | null;
  message: string | null;
}

export interface WizardState {
  screen: ScreenId;
  /** The flow the screens belong to; chosen on the start screen. */
  mode: Mode;
  facts: HardwareFacts;
  draft: Draft;
  /** The answer file the draft came from, if any. */
  answerSource: string | null;
  /** Cursor or focus index per screen. */
  cursor: Partial<Record<ScreenId, number>>;
  /** Fields whose errors are shown: edited, pre-filled from a file, or on a screen the user tried to leave. */
  shown: ReadonlySet<Target>;
  message: Message | null;
  overlay: "help" | "quit" | null;
  loadPath: string;
  confirmText: string;
  pager: { title: string; lines: string[]; top: number } | null;
  progress: ProgressState | null;
  done: DoneInfo | null;
  demo: boolean;
  /** Start-screen choices the wired engine can do. */
  available: ReadonlySet<StartChoice>;
  /** The disk and spec handed to the engine (set on confirm). */
  installing: { spec: ClusterSpec | null; disk: DiskFacts } | null;
  /** Receive: node A's address (host or host:port) and the pairing code it shows. */
  peer: Record<PeerField, string>;
  /** Receive: this machine's (node B's) disk. Kept apart from the draft: node A's disk is in the answer. */
  receiveDisk: string | null;
  /** Send: the code and port node B needs, once node A listens. */
  sendInfo: { code: string; port: number } | null;
  /** Replace: the node this machine becomes, its NICs and disk. */
  replace: ReplaceChoice;
}

export type Effect =
  | { kind: "quit" }
  | { kind: "load"; path: string }
  | {
      kind: "install";
      spec: ClusterSpec;
      answer: Record<string, unknown>;
      disk: DiskFacts;
      nodeName: string;
    }
  | {
      kind: "receive";
      host: string;
      port: number;
      code: string;
      disk: DiskFacts;
      spec: ClusterSpec | null;
      nodeName: string | undefined;
    }
  | { kind: "send" };

export interface Deps {
  hashPassword: (plain: string) => string;
  now: () => number;
}

export interface Step {
  state: WizardState;
  effects: Effect[];
}

export interface InitOptions {
  facts: HardwareFacts;
  answer?: { path: string; object: unknown };
  demo?: boolean;
  available?: StartChoice[];
  secret?: () => string;
}

export function initWizard(opts: InitOptions): WizardState {
  const draft = createDraft(opts.facts, opts.answer?.object, opts.secret);
  return {
    screen: "start",
    facts: opts.facts,
    draft,
    answerSource: opts.answer?.path ?? null,
    cursor: {},
    shown: opts.answer ? allTargets() : new Set(),
    message: opts.answer
      ? {
          kind: "info",
          text: `Pre-filled from ${opts.answer.path}: review each screen and change what you need.`,
        }
      : null,
    overlay: null,
    loadPath: opts.answer?.path ?? "",
    confirmText: "",
    pager: null,
    progress: null,
    done: null,
    demo: opts.demo ?? false,
    available: new Set(opts.available ?? ["install", "load"]),
    installing: null,
    mode: "install",
    peer: { address: "", code: "" },
    receiveDisk: null,
    sendInfo: null,
    replace: NO_REPLACE,
  };
}

/** Every field of the draft: an answer from a file shows all its errors at once. */
export function allTargets(): Set<Target> {
  return new Set<Target>(["disk", "nics", "nodeBNics", ...NETWORK_FIELDS, ...CLUSTER_FIELDS]);
}
