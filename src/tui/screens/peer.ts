// The receive flow's first screen: node A's address and the pairing code it shows.
import { CLONE_PORT } from "../../clone/peer.js";
import type { Target } from "../model/draft.js";
import { fit, fitTail } from "../model/format.js";
import { cursorOf, editText, moveCursor, navigateForm } from "../model/nav.js";
import { peerErrors, receiveSpec, receivingNode } from "../model/receive.js";
import type { FocusItem, PeerField, WizardState } from "../model/state.js";
import { esc } from "../theme.js";
import { onTextItem } from "./form.js";
import type { Screen } from "./screen.js";
import { LABEL_W, VALUE_W, errorLines, nextButton, prose } from "./text.js";

const ITEMS: FocusItem[] = [{ kind: "peer", id: "address" }, { kind: "peer", id: "code" }, { kind: "next" }];

const LABELS: Record<PeerField, [string, string]> = {
  address: ["Node A's address", `10.0.0.1[:${CLONE_PORT}]`],
  code: ["Pairing code", "XXXX-XXXX-XXXX"],
};

const target = (id: PeerField): Target => (id === "address" ? "peer:address" : "peer:code");

export const peer: Screen = {
  id: "receive",
  title: () => "receive a clone: node A",
  focusItems: () => ITEMS,
  editing: (state) => onTextItem(ITEMS, state),
  help: (_s, k) => `Tab/S-Tab/arrows move  Enter next  Esc back  ${k.help}  ${k.quit}`,

  reduce(state, key, ctx) {
    const none = (s: WizardState) => ({ state: s, effects: [] });
    const item = ITEMS[cursorOf(state)];
    const moved = navigateForm(state, key, ITEMS.length);
    if (moved) return none(moved);
    if (!item) return none(state);
    if (item.kind === "next") {
      if (key.name !== "enter") return none(state);
      if (Object.keys(peerErrors(state)).length > 0) {
        return none({
          ...state,
          shown: new Set<Target>([...state.shown, "peer:address", "peer:code"]),
          message: { kind: "error", text: "Fix the marked entries first (marked with !)." },
        });
      }
      return none({ ...state, screen: ctx.next, message: null });
    }
    if (item.kind !== "peer") return none(state);
    if (key.name === "enter") return none(moveCursor(state, 1, ITEMS.length));
    const edited = editText(state.peer[item.id], key);
    if (edited === null) return none(state);
    return none({
      ...state,
      peer: { ...state.peer, [item.id]: edited },
      shown: new Set([...state.shown, target(item.id)]),
    });
  },

  body(state, theme, size) {
    const cur = cursorOf(state);
    const errors = peerErrors(state);
    const r = receiveSpec(state);
    const who =
      r.ok && r.spec
        ? `("${receivingNode(state, r.spec)}" in the answer file)`
        : "(its name and addresses come from the answer file on node A's disk)";
    const out: string[] = [
      ...prose(
        `This machine becomes node B ${who}. On node A, boot the stick and choose "Send a clone": it shows a pairing code. Type node A's address and that code here.`,
        size,
      ),
      "",
    ];
    ITEMS.forEach((it, i) => {
      if (it.kind !== "peer") return;
      const [label, hint] = LABELS[it.id];
      const value = state.peer[it.id];
      const err = state.shown.has(target(it.id)) ? errors[it.id] : undefined;
      const box = `[${fitTail(value, VALUE_W)}]`;
      out.push(
        ` ${esc(fit(`${err ? "!" : " "} ${label}`, LABEL_W + 2))} ${i === cur ? theme.selected(box) : esc(box)} ${theme.quiet(i === cur || value === "" ? fit(hint, size.cols - LABEL_W - VALUE_W - 7).trimEnd() : "")}`,
      );
      out.push(...errorLines(theme, err ? [err] : undefined, size, LABEL_W + 4));
    });
    out.push("");
    out.push(nextButton(theme, cur === ITEMS.length - 1));
    return out;
  },
};
