// The first screen: what to do on this machine. Each choice but "load" starts a flow.
import { fit } from "../model/format.js";
import { cursorOf, go, listKeys } from "../model/nav.js";
import { physicalNics } from "../model/derived.js";
import type { StartChoice } from "../model/state.js";
import { esc } from "../theme.js";
import type { Screen } from "./screen.js";
import { prose } from "./text.js";

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
  {
    id: "replace",
    label: "Replace a dead node",
    detail:
      "Install this machine as the node that died, from the cluster's answer file; the other node keeps serving and syncs the data to it.",
  },
];

export const start: Screen = {
  id: "start",
  title: () => "start",
  back: "quit",
  help: (_s, k) => `Up/Down move  Enter choose  ${k.help}  ${k.quit}`,

  reduce(state, key, ctx) {
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
    // Loading an answer keeps the flow: the answer pre-fills whichever flow's screens come next.
    if (choice.id === "load") return { state: go(state, "load"), effects: [] };
    const entered = ctx.enter(state, choice.id);
    if (!entered.ok)
      return { state: { ...state, message: { kind: "error", text: entered.message } }, effects: [] };
    return { state: go(entered.state, entered.screen), effects: entered.effects };
  },

  body(state, theme, size) {
    const out: string[] = [""];
    out.push(
      ...prose(
        "pairboot turns two servers into an active/passive HA NFS server. What do you want to do on this machine?",
        size,
      ),
    );
    out.push("");
    const cur = cursorOf(state);
    START_CHOICES.forEach((c, i) => {
      const unavailable = !state.available.has(c.id);
      const text = fit(`  ${i + 1}. ${c.label}${unavailable ? "  (not available yet)" : ""}`, size.cols - 2);
      out.push(` ${i === cur ? theme.selected(text) : unavailable ? theme.quiet(text) : esc(text)}`);
    });
    out.push("");
    const chosen = START_CHOICES[cur];
    if (chosen) out.push(...prose(chosen.detail, size, 3));
    out.push("");
    const f = state.facts;
    out.push(
      ...prose(
        `This machine: ${f.dmi.vendor ?? "?"} ${f.dmi.product ?? ""}, ${f.disks.length} disk(s), ${physicalNics(f).length} NIC(s).`,
        size,
      ),
    );
    if (state.answerSource)
      out.push(...prose(`Answer file: ${state.answerSource} (every screen is pre-filled).`, size));
    return out;
  },
};
