// The answer's form screens (network, cluster): fields typed as text, checked as you type by the shared
// validator, and a Next button that lets the user go on only when the screen's entries are valid.
import { checkDraft, nicNames, type FieldId, type Target } from "../model/draft.js";
import { fit, fitTail } from "../model/format.js";
import { SCREEN_TARGETS, screenErrors, shownErrors } from "../model/derived.js";
import { cursorOf, editText, moveCursor, navigateForm, withCursor } from "../model/nav.js";
import type { Deps, FocusItem, Key, ScreenId, WizardState } from "../model/state.js";
import { esc, type Theme } from "../theme.js";
import type { Ctx, Screen, Size } from "./screen.js";
import { LABEL_W, VALUE_W, errorLines, nextButton, prose, viewport } from "./text.js";

export const FIELD_INFO: Record<FieldId, { label: string; hint: string; secret?: boolean }> = {
  nodeALan: { label: "LAN address (bond)", hint: "192.168.42.1/24" },
  nodeARepl: { label: "Replication address", hint: "10.0.0.1/30" },
  nodeBLan: { label: "LAN address (bond)", hint: "192.168.42.2/24" },
  nodeBRepl: { label: "Replication address", hint: "10.0.0.2/30" },
  nodeBMac0: { label: "MAC of lan0", hint: "52:54:00:12:34:56" },
  nodeBMac1: { label: "MAC of lan1", hint: "52:54:00:12:34:57" },
  nodeBMacRepl: { label: "MAC of repl0", hint: "52:54:00:12:34:58" },
  clusterName: { label: "Cluster name", hint: "nfs1" },
  domain: { label: "DNS domain", hint: "optional" },
  nodeAName: { label: "Node A host name", hint: "node-a" },
  nodeBName: { label: "Node B host name", hint: "node-b" },
  serviceIp: { label: "Service IP (floating)", hint: "192.168.42.42/24" },
  gateway: { label: "Gateway", hint: "optional" },
  dns: { label: "DNS servers", hint: "comma separated" },
  exportPath: { label: "Export path", hint: "/data/export" },
  exportClients: { label: "Export clients", hint: "192.168.42.0/24" },
  exportOptions: { label: "Export options", hint: "rw, sync, ..." },
  timeServers: { label: "Time servers", hint: "comma separated" },
  sshKey: { label: "SSH public key", hint: "ssh-ed25519 ..." },
  password: { label: "Root password", hint: "", secret: true },
  password2: { label: "Root password again", hint: "", secret: true },
};

/** True when the focus is on a text field, so letters are typed rather than taken as commands. */
export function onTextItem(items: FocusItem[], state: WizardState): boolean {
  const kind = items[cursorOf(state)]?.kind;
  return kind === "field" || kind === "peer";
}

export interface FormDef {
  id: ScreenId;
  title: string;
  items(state: WizardState): FocusItem[];
  /** The lines above the fields; `focus` is the line of the focused item among them, if it is there. */
  intro(state: WizardState, theme: Theme, size: Size): { lines: string[]; focus: number | null };
  /** What else a key does on a non-field item (the network screen's NIC rows); null: nothing. */
  onItem?(state: WizardState, item: FocusItem, key: Key): WizardState | null;
  /** Leaving the screen with every entry valid: the state the next screen gets. */
  leave(state: WizardState, ctx: Ctx): WizardState;
  help?(state: WizardState): string | null;
}

export function formScreen(def: FormDef): Screen {
  return {
    id: def.id,
    title: () => def.title,
    focusItems: def.items,
    editing: (state) => onTextItem(def.items(state), state),
    help(state, k) {
      const moves = def.help?.(state) ?? "Enter next";
      return `Tab/S-Tab/arrows move  ${moves}  Esc back  ${k.help}  ${k.quit}`;
    },
    reduce: (state, key, ctx) => ({ state: reduceForm(def, state, key, ctx), effects: [] }),
    body: (state, theme, size) => formBody(def, state, theme, size),
  };
}

function reduceForm(def: FormDef, state: WizardState, key: Key, ctx: Ctx): WizardState {
  const items = def.items(state);
  const item = items[cursorOf(state)];
  const moved = navigateForm(state, key, items.length);
  if (moved) return moved;
  if (!item) return state;
  if (item.kind === "next") return key.name === "enter" ? submit(def, state, ctx) : state;
  if (item.kind !== "field") return def.onItem?.(state, item, key) ?? state;
  if (key.name === "enter") return moveCursor(state, 1, items.length);
  const edited = editText(state.draft.fields[item.id], key);
  if (edited === null) return state;
  const draft = { ...state.draft, fields: { ...state.draft.fields, [item.id]: edited } };
  const touched: Target[] = [item.id];
  // Node B's MACs are judged together ("missing NIC lan1"): once one is typed, show that too.
  if (item.id.startsWith("nodeBMac")) touched.push("nodeBNics");
  return { ...state, draft, shown: new Set([...state.shown, ...touched]) };
}

function submit(def: FormDef, state: WizardState, ctx: Ctx): WizardState {
  const errors = screenErrors(state, def.id);
  const shown = new Set([...state.shown, ...(SCREEN_TARGETS[def.id] ?? [])]);
  if (errors.size > 0) {
    const n = errors.size;
    // Focus the first entry to fix, so the user lands where the work is.
    const first = def
      .items(state)
      .findIndex(
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
  return { ...def.leave({ ...state, shown }, ctx), screen: ctx.next, message: null };
}

/** Leaving the cluster screen: the typed password becomes its hash; the plain text is dropped. */
export function hashPassword(state: WizardState, deps: Deps): WizardState {
  const draft = state.draft;
  if (draft.fields.password === "") return state;
  return {
    ...state,
    draft: {
      ...draft,
      passwordHash: deps.hashPassword(draft.fields.password),
      fields: { ...draft.fields, password: "", password2: "" },
    },
  };
}

function fieldLine(state: WizardState, theme: Theme, id: FieldId, focused: boolean, width: number): string {
  const info = { ...FIELD_INFO[id] };
  // Node B's MAC fields are named after the NIC names the answer uses (lan0, lan1, repl0 by default).
  const [slave0, slave1, replName] = nicNames(state.draft);
  const macOf = { nodeBMac0: slave0, nodeBMac1: slave1, nodeBMacRepl: replName } as Partial<
    Record<FieldId, string>
  >;
  if (macOf[id]) info.label = `MAC of ${macOf[id]}`;
  const raw = state.draft.fields[id];
  const value = info.secret ? "*".repeat(raw.length) : raw;
  const box = `[${fitTail(value, VALUE_W)}]`;
  // The example only while it helps: on the field being typed into, or next to an empty one.
  let hint = focused || raw === "" ? info.hint : "";
  if (id === "password" && state.draft.passwordHash && raw === "") hint = "empty: keep current";
  if (id === "password" && !state.draft.passwordHash && raw === "") hint = "empty: none";
  const mark =
    state.shown.has(id) && (checkDraft(state.draft, state.facts).byTarget.get(id)?.length ?? 0) > 0;
  const label = fit(`${mark ? "!" : " "} ${info.label}`, LABEL_W + 2);
  const room = Math.max(0, width - label.length - box.length - 3);
  return ` ${esc(label)} ${focused ? theme.selected(box) : esc(box)} ${theme.quiet(fit(hint, room).trimEnd())}`;
}

function formBody(def: FormDef, state: WizardState, theme: Theme, size: Size): string[] {
  const items = def.items(state);
  const cur = cursorOf(state);
  const intro = def.intro(state, theme, size);
  const out: string[] = [...intro.lines];
  let focusLine = intro.focus ?? 0;
  items.forEach((it, i) => {
    if (it.kind !== "field") return;
    if (it.id === "nodeBLan") {
      out.push(theme.heading(` The other machine: node B (${state.draft.fields.nodeBName || "?"})`));
      out.push(...errorLines(theme, shownErrors(state, "nodeBNics"), size, 1));
    }
    if (it.id === "serviceIp" || it.id === "exportPath" || it.id === "sshKey") out.push("");
    if (i === cur) focusLine = out.length;
    out.push(fieldLine(state, theme, it.id, i === cur, size.cols));
    out.push(...errorLines(theme, shownErrors(state, it.id), size, LABEL_W + 4));
    const warn = checkDraft(state.draft, state.facts).warnings.get(it.id);
    if (warn) out.push(...warn.flatMap((w) => prose(`note: ${w}`, size, LABEL_W + 4)));
  });
  out.push("");
  const nextIndex = items.length - 1;
  if (cur === nextIndex) focusLine = out.length;
  out.push(nextButton(theme, cur === nextIndex));
  return viewport(out, focusLine, size.rows);
}
