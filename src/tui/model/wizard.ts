// The whole wizard as a pure state machine: (state, key) -> (new state, effects). Effects are the only
// way out (load a file, start the install, quit); src/tui/app.ts performs them and feeds results back
// through the functions at the end of this file. Nothing here touches a terminal, a file or the clock.
import type { ClusterSpec } from "../../answer/schema.js";
import type { DiskFacts, HardwareFacts, NicFacts } from "../../probe/facts.js";
import { normalizePairingCode } from "../../clone/code.js";
import { CLONE_PORT, parsePeer } from "../../clone/peer.js";
import { validateAnswer } from "../adapters.js";
import { identifyNode } from "../../plan/identify.js";
import { BLOCKER_SHORT } from "../../plan/disk.js";
import { minimumDiskBytes } from "../../render/storage.js";
import type { InstallResult, ProgressEvent } from "../engine.js";
import { diskRows, type DiskRow } from "./disks.js";
import {
  CLUSTER_FIELDS,
  NETWORK_FIELDS,
  checkDraft,
  createDraft,
  isAbsentNic,
  nicChoices,
  nicNames,
  type Draft,
  type FieldId,
  type Target,
} from "./draft.js";
import { pagerContent, reviewData } from "./review.js";
import { applyEvent, startProgress, tick, type ProgressState } from "./progress.js";

export type ScreenId =
  | "start"
  | "load"
  | "receive"
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

export type StartChoice = "install" | "receive" | "send" | "load";
export const START_CHOICES: { id: StartChoice; label: string; detail: string }[] = [
  {
    id: "install",
    label: "Install node A on this machine",
    detail: "Partition this machine's disk and install the first node of the pair.",
  },
  {
    id: "receive",
    label: "Receive a clone as node B",
    detail: "Boot node B from the stick and take node A's system over the network.",
  },
  {
    id: "send",
    label: "Send a clone (run on node A)",
    detail: "Offer this installed node A to node B over the replication link.",
  },
  {
    id: "load",
    label: "Load an answer file",
    detail: "Pre-fill every screen from a pairboot answer file; you review and may change each value.",
  },
];

export type PeerField = "address" | "code";
export type FocusItem =
  | { kind: "nic"; name: string }
  | { kind: "field"; id: FieldId }
  | { kind: "peer"; id: PeerField }
  | { kind: "next" };

/** What this run does: install node A, or one side of a clone. */
export type Mode = "install" | "receive" | "send";

export { NETWORK_FIELDS, CLUSTER_FIELDS };

/** Which errors keep the user on which screen. */
export const SCREEN_TARGETS: Partial<Record<ScreenId, Target[]>> = {
  disk: ["disk"],
  network: ["nics", "nodeBNics", ...NETWORK_FIELDS],
  cluster: [...CLUSTER_FIELDS],
};

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
  mode: Mode;
  /** Receive: node A's address (host or host:port) and the pairing code it shows. */
  peer: Record<PeerField, string>;
  /** Receive: this machine's (node B's) disk. Kept apart from the draft: node A's disk is in the answer. */
  receiveDisk: string | null;
  /** Send: the code and port node B needs, once node A listens. */
  sendInfo: { code: string; port: number } | null;
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
  };
}

function allTargets(): Set<Target> {
  return new Set<Target>(["disk", "nics", "nodeBNics", ...NETWORK_FIELDS, ...CLUSTER_FIELDS]);
}

// ---------------------------------------------------------------------------------------------------------
// Derived data the views and the reducer share.

export function physicalNics(facts: HardwareFacts): NicFacts[] {
  return facts.nics.filter((n) => !n.virtual);
}

/** The smallest acceptable disk for the current draft (falls back to the default layout while invalid). */
export function minimumBytes(state: WizardState): number {
  const checked = checkDraft(state.draft, state.facts);
  if (checked.validation.ok) return minimumDiskBytes(checked.validation.spec);
  // Before the answer is complete: the default 5 GiB OS partition.
  return minimumDiskBytes({ storage: { os_size: 5 * 1024 ** 3 } } as ClusterSpec);
}

export function diskList(state: WizardState): DiskRow[] {
  return diskRows(state.facts, minimumBytes(state));
}

export function focusItems(state: WizardState, screen: ScreenId = state.screen): FocusItem[] {
  if (screen === "network") {
    return [
      ...nicChoices(state.draft, state.facts).map((n) => ({ kind: "nic" as const, name: n.name })),
      ...NETWORK_FIELDS.map((id) => ({ kind: "field" as const, id })),
      { kind: "next" },
    ];
  }
  if (screen === "receive") {
    return [{ kind: "peer", id: "address" }, { kind: "peer", id: "code" }, { kind: "next" }];
  }
  if (screen === "cluster") {
    return [...CLUSTER_FIELDS.map((id) => ({ kind: "field" as const, id })), { kind: "next" }];
  }
  return [];
}

export function reviewItems(state: WizardState, fileCount: number): ReviewItem[] {
  return [
    ...Array.from({ length: fileCount }, (_, index) => ({ kind: "file" as const, index })),
    { kind: "answer" },
    { kind: "install" },
  ];
}

export function cursorOf(state: WizardState, screen: ScreenId = state.screen): number {
  return state.cursor[screen] ?? 0;
}

/** The NIC role shown in the network table, named as the installed node will call the NIC. */
export function nicRole(draft: Draft, nic: string): string | null {
  const [slave0, slave1, replName] = nicNames(draft);
  if (draft.bond[0] === nic) return slave0;
  if (draft.bond[1] === nic) return slave1;
  if (draft.repl === nic) return replName;
  return null;
}

/** Errors on a screen's fields that keep the user from leaving it. */
export function screenErrors(state: WizardState, screen: ScreenId): Map<Target, string[]> {
  const checked = checkDraft(state.draft, state.facts);
  const out = new Map<Target, string[]>();
  for (const t of SCREEN_TARGETS[screen] ?? []) {
    const m = checked.byTarget.get(t);
    if (m && m.length > 0) out.set(t, m);
  }
  return out;
}

export function isEditing(state: WizardState): boolean {
  if (state.overlay) return false;
  if (state.screen === "load" || state.screen === "confirm") return true;
  if (state.screen === "network" || state.screen === "cluster" || state.screen === "receive") {
    const kind = focusItems(state)[cursorOf(state)]?.kind;
    return kind === "field" || kind === "peer";
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// The reducer.

export interface Step {
  state: WizardState;
  effects: Effect[];
}

function previous(state: WizardState): ScreenId | undefined {
  const receiving = state.mode === "receive";
  const map: Partial<Record<ScreenId, ScreenId>> = {
    load: "start",
    receive: "start",
    disk: receiving ? "receive" : "start",
    network: "disk",
    cluster: "network",
    review: "cluster",
    pager: "review",
    confirm: receiving ? "disk" : "review",
  };
  return map[state.screen];
}

function go(state: WizardState, screen: ScreenId, message: Message | null = null): WizardState {
  return { ...state, screen, message };
}

function withCursor(state: WizardState, value: number, screen: ScreenId = state.screen): WizardState {
  return { ...state, cursor: { ...state.cursor, [screen]: value } };
}

function moveCursor(state: WizardState, delta: number, count: number): WizardState {
  if (count === 0) return state;
  const next = Math.min(count - 1, Math.max(0, cursorOf(state) + delta));
  return withCursor(state, next);
}

function isPrintable(key: Key): key is Key & { ch: string } {
  return typeof key.ch === "string" && key.ch.length === 1 && key.ch >= " " && key.ch !== "\x7f" && !key.ctrl;
}

/** Apply a text-editing key; null when the key is not an edit. */
function editText(value: string, key: Key): string | null {
  if (key.name === "backspace") return value.slice(0, -1);
  if (key.ctrl && key.name === "u") return "";
  if (isPrintable(key)) return value + key.ch;
  return null;
}

export function reduce(state: WizardState, key: Key, deps: Deps): Step {
  const none = (s: WizardState): Step => ({ state: s, effects: [] });

  if (state.overlay === "help") return none({ ...state, overlay: null });
  if (state.overlay === "quit") {
    if (key.ch === "y" || key.ch === "Y")
      return { state: { ...state, overlay: null }, effects: [{ kind: "quit" }] };
    if (key.ch === "n" || key.ch === "N" || key.name === "escape" || key.name === "enter") {
      return none({ ...state, overlay: null });
    }
    return none(state);
  }

  const editing = isEditing(state);
  if (key.name === "f1" || (!editing && key.ch === "?")) return none({ ...state, overlay: "help" });
  const wantsQuit = (key.ctrl && key.name === "c") || (!editing && key.name === "q" && !key.ctrl);
  if (wantsQuit && state.screen !== "pager") {
    if (state.screen === "done") return { state, effects: [{ kind: "quit" }] };
    if (state.screen === "progress") {
      // The engines take no cancel signal yet: stopping mid-way would leave a half-written disk.
      return none({
        ...state,
        message: {
          kind: "error",
          text:
            state.mode === "install"
              ? "The install is running: quitting now would leave the disk half written."
              : "The clone is running: quitting now would leave node B's disk half written.",
        },
      });
    }
    return none({ ...state, overlay: "quit" });
  }

  if (key.name === "escape") {
    if (state.screen === "start") return none({ ...state, overlay: "quit" });
    const prev = previous(state);
    if (prev) return none(go(state, prev, null));
    return none(state);
  }

  const cleared = { ...state, message: null };
  switch (state.screen) {
    case "start":
      return onStart(cleared, key);
    case "load":
      return onLoad(cleared, key);
    case "disk":
      return none(onDisk(cleared, key));
    case "network":
    case "cluster":
      return none(onForm(cleared, key, deps));
    case "receive":
      return none(onReceiveForm(cleared, key));
    case "review":
      return none(onReview(cleared, key));
    case "pager":
      return none(onPager(cleared, key));
    case "confirm":
      return onConfirm(cleared, key);
    case "progress":
      return none(state);
    case "done":
      return key.name === "enter" ? { state, effects: [{ kind: "quit" }] } : none(state);
  }
}

function listKeys(state: WizardState, key: Key, count: number): WizardState | null {
  switch (key.name) {
    case "up":
    case "k":
      return moveCursor(state, -1, count);
    case "down":
    case "j":
      return moveCursor(state, 1, count);
    case "home":
      return withCursor(state, 0);
    case "end":
      return withCursor(state, Math.max(0, count - 1));
    case "pageup":
      return moveCursor(state, -10, count);
    case "pagedown":
      return moveCursor(state, 10, count);
    default:
      return null;
  }
}

function onStart(state: WizardState, key: Key): Step {
  const moved = listKeys(state, key, START_CHOICES.length);
  if (moved) return { state: moved, effects: [] };
  if (key.name !== "enter") return { state, effects: [] };
  const choice = START_CHOICES[cursorOf(state)];
  if (!choice) return { state, effects: [] };
  if (!state.available.has(choice.id)) {
    return {
      state: {
        ...state,
        message: { kind: "error", text: `"${choice.label}" is not available in this build yet.` },
      },
      effects: [],
    };
  }
  if (choice.id === "load") return { state: go(state, "load"), effects: [] };
  if (choice.id === "send") {
    return {
      state: { ...state, mode: "send", screen: "progress", progress: null, message: null },
      effects: [{ kind: "send" }],
    };
  }
  if (choice.id === "receive") {
    const r = receiveSpec(state);
    if (!r.ok) return { state: { ...state, message: { kind: "error", text: r.message } }, effects: [] };
    return { state: go({ ...state, mode: "receive" }, "receive"), effects: [] };
  }
  return { state: go(onChosenDisk({ ...state, mode: "install" }), "disk"), effects: [] };
}

/** The disk screen opens with the cursor on the disk already chosen (from an answer file), if any. */
function onChosenDisk(state: WizardState): WizardState {
  if (state.cursor.disk !== undefined) return state;
  const i = state.facts.disks.findIndex((d) => d.name === state.draft.disk);
  return i > 0 ? withCursor(state, i, "disk") : state;
}

function onLoad(state: WizardState, key: Key): Step {
  if (key.name === "enter") {
    const path = state.loadPath.trim();
    if (!path) {
      return {
        state: { ...state, message: { kind: "error", text: "type the answer file's path" } },
        effects: [],
      };
    }
    return {
      state: { ...state, message: { kind: "info", text: `Loading ${path} ...` } },
      effects: [{ kind: "load", path }],
    };
  }
  const edited = editText(state.loadPath, key);
  return { state: edited === null ? state : { ...state, loadPath: edited }, effects: [] };
}

function onDisk(state: WizardState, key: Key): WizardState {
  const rows = diskList(state);
  const moved = listKeys(state, key, rows.length);
  if (moved) return moved;
  if (key.name !== "enter" && key.name !== "space") return state;
  const row = rows[cursorOf(state)];
  if (!row) return state;
  if (row.refusal) {
    const first = row.blockers[0];
    const why = row.disk.isBootMedium || !first ? BLOCKER_SHORT["boot-medium"] : BLOCKER_SHORT[first.kind];
    return {
      ...state,
      message: { kind: "error", text: `${row.disk.name} cannot be chosen: ${why} (see below).` },
    };
  }
  if (state.mode === "receive") {
    return go({ ...state, receiveDisk: row.disk.name, confirmText: "" }, "confirm", {
      kind: "info",
      text: `${row.disk.name} chosen${row.warning ? `: ${row.warning}` : ""}.`,
    });
  }
  const draft = { ...state.draft, disk: row.disk.name };
  const next = { ...state, draft, shown: new Set([...state.shown, "disk" as Target]) };
  return go(next, "network", {
    kind: "info",
    text: `${row.disk.name} chosen${row.warning ? `: ${row.warning}` : ""}.`,
  });
}

/** Moving between a form's items, the same on every form; undefined when the key is not a move. */
function navigateForm(state: WizardState, key: Key, count: number): WizardState | undefined {
  switch (key.name) {
    case "up":
      return moveCursor(state, -1, count);
    case "down":
      return moveCursor(state, 1, count);
    case "tab":
      // Tab cycles round the form like in any dialog; the arrows stop at the ends.
      return withCursor(state, (cursorOf(state) + (key.shift ? count - 1 : 1)) % count);
  }
  return undefined;
}

function onForm(state: WizardState, key: Key, deps: Deps): WizardState {
  const items = focusItems(state);
  const item = items[cursorOf(state)];
  const moved = navigateForm(state, key, items.length);
  if (moved) return moved;
  if (!item) return state;
  if (item.kind === "next") {
    return key.name === "enter" ? submit(state, deps) : state;
  }
  if (item.kind === "nic") {
    if (key.name === "space" || key.name === "enter") return cycleRole(state, item.name);
    return state;
  }
  if (item.kind !== "field") return state;
  if (key.name === "enter") return moveCursor(state, 1, items.length);
  const value = state.draft.fields[item.id];
  const edited = editText(value, key);
  if (edited === null) return state;
  const draft = { ...state.draft, fields: { ...state.draft.fields, [item.id]: edited } };
  const touched: Target[] = [item.id];
  // Node B's MACs are judged together ("missing NIC lan1"): once one is typed, show that too.
  if (item.id.startsWith("nodeBMac")) touched.push("nodeBNics");
  return { ...state, draft, shown: new Set([...state.shown, ...touched]) };
}

/** Problems with what was typed on the receive screen, by field. */
export function peerErrors(state: WizardState): Partial<Record<PeerField, string>> {
  const out: Partial<Record<PeerField, string>> = {};
  const address = state.peer.address.trim();
  if (!parsePeer(address)) {
    out.address = `expected node A's address, like 10.0.0.1 or 10.0.0.1:${CLONE_PORT}, got ${JSON.stringify(address)}`;
  }
  const code = normalizePairingCode(state.peer.code);
  if ("error" in code) out.code = code.error;
  return out;
}

function onReceiveForm(state: WizardState, key: Key): WizardState {
  const items = focusItems(state);
  const item = items[cursorOf(state)];
  const moved = navigateForm(state, key, items.length);
  if (moved) return moved;
  if (!item) return state;
  if (item.kind === "next") {
    if (key.name !== "enter") return state;
    const errors = peerErrors(state);
    if (Object.keys(errors).length > 0) {
      return {
        ...state,
        shown: new Set<Target>([...state.shown, "peer:address", "peer:code"]),
        message: { kind: "error", text: "Fix the marked entries first (marked with !)." },
      };
    }
    return go(state, "disk");
  }
  if (item.kind !== "peer") return state;
  if (key.name === "enter") return moveCursor(state, 1, items.length);
  const edited = editText(state.peer[item.id], key);
  if (edited === null) return state;
  const touched: Target = item.id === "address" ? "peer:address" : "peer:code";
  return { ...state, peer: { ...state.peer, [item.id]: edited }, shown: new Set([...state.shown, touched]) };
}

/**
 * The spec node B receives with: the answer file exactly as loaded (the form's fields describe node A's
 * hardware and do not apply on node B), and it must carry node A's secrets, or B would not pair with A.
 */
export function receiveSpec(
  state: WizardState,
): { ok: true; spec: ClusterSpec | null } | { ok: false; message: string } {
  // Without a file, node B's identity comes from the answer node A's install left on its own disk.
  if (state.answerSource === null) return { ok: true, spec: null };
  if (state.draft.generatedSecrets.length > 0) {
    return {
      ok: false,
      message: `${state.answerSource} has no ${state.draft.generatedSecrets.join(" or ")}: load the answer file node A saved.`,
    };
  }
  const v = validateAnswer(state.draft.base);
  if (!v.ok) {
    const first = v.issues[0];
    return {
      ok: false,
      message: `${state.answerSource} is not valid (${first ? `${first.path.join(".")}: ${first.message}` : "?"}).`,
    };
  }
  return { ok: true, spec: v.spec };
}

/** The node this machine becomes when it receives: the one its MACs match, else the second node. */
export function receivingNode(state: WizardState, spec: ClusterSpec): string {
  const id = identifyNode(spec, state.facts);
  if (id.ok) return id.node.name;
  return spec.nodes[1]?.name ?? "";
}

/**
 * Space on a NIC: none -> bond -> replication -> none, skipping roles that are already full (a NIC the
 * answer names but this machine lacks gives its role up to a NIC of this machine).
 */
function cycleRole(state: WizardState, nic: string): WizardState {
  const d = state.draft;
  let bond = d.bond.filter((n) => n !== nic);
  let repl = d.repl === nic ? null : d.repl;
  const wasBond = d.bond.includes(nic);
  const wasRepl = d.repl === nic;
  if (!wasBond && !wasRepl) {
    if (bond.length < 2) bond = [...bond, nic];
    else if (repl === null) repl = nic;
    else {
      // Every role is taken: a NIC of this machine takes over the first one an absent NIC holds.
      const i = bond.findIndex(isAbsentNic);
      if (i >= 0) bond = bond.map((n, j) => (j === i ? nic : n));
      else if (isAbsentNic(repl)) repl = nic;
    }
  } else if (wasBond && repl === null) {
    repl = nic;
  }
  const draft = { ...d, bond, repl };
  return { ...state, draft, shown: new Set([...state.shown, "nics" as Target]) };
}

function submit(state: WizardState, deps: Deps): WizardState {
  const errors = screenErrors(state, state.screen);
  const shown = new Set([...state.shown, ...(SCREEN_TARGETS[state.screen] ?? [])]);
  if (errors.size > 0) {
    const n = errors.size;
    // Focus the first entry to fix, so the user lands where the work is.
    const items = focusItems(state);
    const first = items.findIndex(
      (it) =>
        (it.kind === "field" && errors.has(it.id)) ||
        (it.kind === "nic" && errors.has("nics")) ||
        (it.kind === "field" && it.id === "nodeBMac0" && errors.has("nodeBNics")),
    );
    return {
      ...withCursor(state, first >= 0 ? first : cursorOf(state)),
      shown,
      message: {
        kind: "error",
        text: `Fix the ${n} marked ${n === 1 ? "entry" : "entries"} first (marked with !).`,
      },
    };
  }
  if (state.screen === "network") return go({ ...state, shown }, "cluster");
  // Leaving the cluster screen: the typed password becomes its hash; the plain text is dropped.
  let draft = state.draft;
  if (draft.fields.password !== "") {
    draft = {
      ...draft,
      passwordHash: deps.hashPassword(draft.fields.password),
      fields: { ...draft.fields, password: "", password2: "" },
    };
  }
  return go(withCursor({ ...state, draft, shown }, 0, "review"), "review");
}

function onReview(state: WizardState, key: Key): WizardState {
  const data = reviewData(state);
  const items = reviewItems(state, data.files.length);
  const moved = listKeys(state, key, items.length);
  if (moved) return moved;
  if (key.name !== "enter") return state;
  const item = items[cursorOf(state)];
  if (!item) return state;
  if (item.kind === "install") {
    if (!data.spec || data.problems.length > 0) {
      return {
        ...state,
        message: {
          kind: "error",
          text: "The answer is not valid yet: fix the issues listed on this screen.",
        },
      };
    }
    return go({ ...state, confirmText: "" }, "confirm");
  }
  return { ...state, pager: openPager(state, item), screen: "pager" };
}

function openPager(state: WizardState, item: ReviewItem): WizardState["pager"] {
  return { ...pagerContent(state, item), top: 0 };
}

/** Lines per pager page: what fits in the body of an 80x24 screen under the title and over the footer. */
export const PAGER_PAGE = 17;

function onPager(state: WizardState, key: Key): WizardState {
  const p = state.pager;
  if (!p) return go(state, "review");
  if (key.name === "enter" || key.name === "q") return go({ ...state, pager: null }, "review");
  const max = Math.max(0, p.lines.length - PAGER_PAGE);
  const delta: Record<string, number> = {
    up: -1,
    down: 1,
    k: -1,
    j: 1,
    pageup: -PAGER_PAGE,
    pagedown: PAGER_PAGE,
    space: PAGER_PAGE,
    home: -Infinity,
    end: Infinity,
  };
  const d = delta[key.name];
  if (d === undefined) return state;
  const top = Math.min(max, Math.max(0, p.top + d));
  return { ...state, pager: { ...p, top } };
}

function refuseConfirm(state: WizardState, typed: string, name: string): WizardState {
  return {
    ...state,
    confirmText: "",
    message: {
      kind: "error",
      text: `"${typed}" is not "${name}": nothing was erased. Type ${name} to go on, or Esc to go back.`,
    },
  };
}

function onConfirm(state: WizardState, key: Key): Step {
  const checked = checkDraft(state.draft, state.facts);
  const diskName = state.mode === "receive" ? state.receiveDisk : state.draft.disk;
  const disk = state.facts.disks.find((d) => d.name === diskName);
  if (key.name === "enter" && state.mode === "receive") {
    const r = receiveSpec(state);
    if (!disk || !r.ok)
      return { state: go(state, "start", r.ok ? null : { kind: "error", text: r.message }), effects: [] };
    const typed = state.confirmText.trim();
    if (typed !== disk.name && typed !== disk.path)
      return { state: refuseConfirm(state, typed, disk.name), effects: [] };
    const peer = parsePeer(state.peer.address) ?? { host: "", port: CLONE_PORT };
    const nodeName = r.spec ? receivingNode(state, r.spec) : undefined;
    return {
      state: { ...state, installing: { spec: r.spec, disk }, screen: "progress", progress: null },
      effects: [{ kind: "receive", ...peer, code: state.peer.code, disk, spec: r.spec, nodeName }],
    };
  }
  if (key.name === "enter") {
    if (!disk || !checked.validation.ok) {
      return {
        state: go(state, "review", { kind: "error", text: "The answer is not valid yet." }),
        effects: [],
      };
    }
    const typed = state.confirmText.trim();
    if (typed !== disk.name && typed !== disk.path) {
      return {
        state: {
          ...state,
          confirmText: "",
          message: {
            kind: "error",
            text: `"${typed}" is not "${disk.name}": nothing was erased. Type ${disk.name} to go on, or Esc to go back.`,
          },
        },
        effects: [],
      };
    }
    const spec = checked.validation.spec;
    const nodeName = spec.nodes[0]?.name ?? "";
    return {
      state: { ...state, installing: { spec, disk }, screen: "progress", progress: null },
      effects: [{ kind: "install", spec, answer: checked.answer, disk, nodeName }],
    };
  }
  const edited = editText(state.confirmText, key);
  return { state: edited === null ? state : { ...state, confirmText: edited }, effects: [] };
}

// ---------------------------------------------------------------------------------------------------------
// Results of effects, fed back by the app.

export function answerLoaded(
  state: WizardState,
  path: string,
  object: unknown,
  secret?: () => string,
): WizardState {
  const draft = createDraft(state.facts, object, secret);
  return onChosenDisk({
    ...state,
    draft,
    answerSource: path,
    shown: allTargets(),
    screen: "disk",
    cursor: {},
    message: { kind: "info", text: `Pre-filled from ${path}: review each screen and change what you need.` },
  });
}

export function sendListening(state: WizardState, code: string, port: number): WizardState {
  return { ...state, sendInfo: { code, port } };
}

export function loadFailed(state: WizardState, message: string): WizardState {
  return { ...state, message: { kind: "error", text: message } };
}

export function installStarted(state: WizardState, now: number): WizardState {
  return { ...state, progress: startProgress(now) };
}

export function progressEvent(state: WizardState, e: ProgressEvent, now: number): WizardState {
  return { ...state, progress: applyEvent(state.progress ?? startProgress(now), e, now) };
}

export function progressTick(state: WizardState, now: number): WizardState {
  return state.progress ? { ...state, progress: tick(state.progress, now) } : state;
}

export function installFinished(
  state: WizardState,
  result: InstallResult,
  saved: SavedAnswer | null,
): WizardState {
  return {
    ...state,
    screen: "done",
    progress: state.progress ? { ...state.progress, finished: true } : null,
    done: {
      ok: result.ok,
      answerPath: saved?.path ?? null,
      saved,
      message: result.message ?? null,
    },
  };
}
