// Replace a dead node: which node of the loaded answer this machine becomes, and which of its NICs takes
// each of that node's roles. The rows are the node, then one per role, then Next; Left/Right (or Space)
// change the row's choice. What will happen is spelled out below, before any disk is chosen.
import { physicalNics } from "../model/derived.js";
import { fit } from "../model/format.js";
import { cursorOf, go, listKeys } from "../model/nav.js";
import { cycleNic, cycleNode, nicProblems, replacementStory, rolesOf } from "../model/replace.js";
import type { WizardState } from "../model/state.js";
import { esc } from "../theme.js";
import type { Screen } from "./screen.js";
import { errorLines, prose } from "./text.js";

type Row = { kind: "node" } | { kind: "role"; role: string } | { kind: "next" };

function rows(state: WizardState): Row[] {
  return [
    { kind: "node" },
    ...rolesOf(state).map((role) => ({ kind: "role" as const, role })),
    { kind: "next" },
  ];
}

function peerOf(state: WizardState): string {
  const names = state.draft.base.nodes;
  const list = Array.isArray(names) ? (names as { name?: unknown }[]) : [];
  const other = list.find((n) => typeof n.name === "string" && n.name !== state.replace.node);
  return typeof other?.name === "string" ? other.name : "the other node";
}

export const replaceScreen: Screen = {
  id: "replace",
  title: (state) => `replace ${state.replace.node ?? "a node"}: node and NICs`,
  help: (_s, k) => `Up/Down move  Left/Right change  Enter next  Esc back  ${k.help}  ${k.quit}`,

  reduce(state, key, ctx) {
    const all = rows(state);
    const moved = listKeys(state, key, all.length);
    if (moved) return { state: moved, effects: [] };
    const row = all[cursorOf(state)];
    if (!row) return { state, effects: [] };
    const step = key.name === "left" ? -1 : key.name === "right" || key.name === "space" ? 1 : 0;
    if (step !== 0 && row.kind === "node") return { state: cycleNode(state, step), effects: [] };
    if (step !== 0 && row.kind === "role") return { state: cycleNic(state, row.role, step), effects: [] };
    if (key.name !== "enter") return { state, effects: [] };
    const problems = nicProblems(state);
    if (problems.length > 0) {
      return {
        state: { ...state, message: { kind: "error", text: `NICs: ${problems.join("; ")}.` } },
        effects: [],
      };
    }
    return { state: go(state, ctx.next), effects: [] };
  },

  body(state, theme, size) {
    const cur = cursorOf(state);
    const node = state.replace.node ?? "?";
    const out: string[] = [
      ...prose(
        `Which node died, and which NIC of this machine takes each of its roles (the answer file names them by MAC; the new MACs go into the answer this install saves).`,
        size,
      ),
      "",
    ];
    const nics = physicalNics(state.facts);
    rows(state).forEach((r, i) => {
      let text: string;
      if (r.kind === "node") text = `  ${fit("Replace", 12)} < ${node} >`;
      else if (r.kind === "role") {
        const name = state.replace.nics[r.role];
        const nic = nics.find((n) => n.name === name);
        const link = nic ? (nic.link === null ? "?" : nic.link ? "up" : "down") : "-";
        text = `  ${fit(r.role, 12)} < ${fit(name ?? "(none)", 10)} > ${fit(nic?.mac ?? "", 18)} link ${link}`;
      } else text = "  [ Next ]";
      out.push(i === cur ? theme.selected(fit(text, size.cols - 1)) : esc(fit(text, size.cols - 1)));
    });
    out.push(...errorLines(theme, nicProblems(state), size, 1));
    out.push("");
    out.push(theme.heading(" What will happen"));
    for (const para of replacementStory(node, peerOf(state))) out.push(...prose(para, size), "");
    return out;
  },
};
