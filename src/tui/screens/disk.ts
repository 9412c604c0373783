// Choosing a disk from the probe's list, with the planner's own reasons for refusing one. The install
// flow chooses node A's disk (it goes into the answer); the receive flow chooses this machine's disk.
import { BLOCKER_SHORT } from "../../plan/disk.js";
import type { DiskRow } from "../model/disks.js";
import { partitionLines } from "../model/disks.js";
import { fit, formatBytes } from "../model/format.js";
import { diskList, minimumBytes } from "../model/derived.js";
import { cursorOf, listKeys } from "../model/nav.js";
import type { WizardState } from "../model/state.js";
import { esc } from "../theme.js";
import type { Screen } from "./screen.js";
import { errorLines, prose } from "./text.js";

export interface DiskTarget {
  title: string;
  /** What the screen asks, and what happens to the disk. */
  prompt: string;
  /** The disk already chosen (marked with *). */
  chosen(state: WizardState): string | null;
  /** Take the chosen row; the screen then goes on to the next one. */
  choose(state: WizardState, row: DiskRow): WizardState;
}

export function diskScreen(target: DiskTarget): Screen {
  return {
    id: "disk",
    title: () => target.title,
    help: (_s, k) => `Up/Down move  Enter choose disk  Esc back  ${k.help}  ${k.quit}`,

    reduce(state, key, ctx) {
      const none = (s: WizardState) => ({ state: s, effects: [] });
      const rows = diskList(state);
      const moved = listKeys(state, key, rows.length);
      if (moved) return none(moved);
      if (key.name !== "enter" && key.name !== "space") return none(state);
      const row = rows[cursorOf(state)];
      if (!row) return none(state);
      if (row.refusal) {
        const first = row.blockers[0];
        const why =
          row.disk.isBootMedium || !first ? BLOCKER_SHORT["boot-medium"] : BLOCKER_SHORT[first.kind];
        return none({
          ...state,
          message: { kind: "error", text: `${row.disk.name} cannot be chosen: ${why} (see below).` },
        });
      }
      return none({
        ...target.choose(state, row),
        screen: ctx.next,
        message: { kind: "info", text: `${row.disk.name} chosen${row.warning ? `: ${row.warning}` : ""}.` },
      });
    },

    body(state, theme, size) {
      const rows = diskList(state);
      const cur = cursorOf(state);
      const out: string[] = [...prose(target.prompt, size), ""];
      const row = (mark: string, name: string, sz: string, model: string, serial: string, note: string) =>
        `${fit(mark, 2)}${fit(name, 9)}${fit(sz, 12)}${fit(model, 24)}${fit(serial, 18)}${fit(note, size.cols - 66)}`;
      out.push(theme.heading(row("", "NAME", "SIZE", "MODEL", "SERIAL", "NOTE")));
      const chosen = target.chosen(state);
      rows.forEach((r, i) => {
        const d = r.disk;
        const note = d.isBootMedium
          ? "boot medium"
          : r.blockers.some((b) => b.kind === "too-small")
            ? "too small"
            : r.refusal
              ? "unusable"
              : d.partitions.length > 0
                ? `${d.partitions.length} partitions`
                : "empty";
        const text = row(
          chosen === d.name ? "*" : "",
          d.name,
          formatBytes(d.sizeBytes),
          d.model ?? "(no model)",
          d.serial ?? "(no serial)",
          note,
        );
        out.push(i === cur ? theme.selected(text) : r.refusal ? theme.quiet(text) : esc(text));
      });
      const r = rows[cur];
      if (r) {
        out.push("");
        const d = r.disk;
        out.push(
          theme.heading(
            fit(
              ` ${d.path}: ${d.model ?? "no model"}, ${formatBytes(d.sizeBytes)}, ${d.transport ?? "?"}${d.removable ? ", removable" : ""}`,
              size.cols,
            ),
          ),
        );
        out.push(
          ...partitionLines(d)
            .slice(0, 5)
            .map((l) => esc(fit(`   ${l}`, size.cols))),
        );
        if (d.partitions.length > 5) out.push(esc(`   ... and ${d.partitions.length - 5} more`));
        if (r.refusal) out.push(...errorLines(theme, [`cannot be chosen: ${r.refusal}`], size, 1));
        else if (r.warning) out.push(...prose(`Note: ${r.warning}.`, size));
      }
      out.push("");
      out.push(...prose(`Needed: at least ${formatBytes(minimumBytes(state))}.`, size));
      return out;
    },
  };
}
