// The install's review: the disk layout and every file node A gets; Enter opens one in the pager, or
// goes on to the confirm screen once the answer is valid.
import { fencingSummary } from "../../answer/fencing.js";
import { chosenDisk } from "../model/draft.js";
import { fit, formatBytes } from "../model/format.js";
import { cursorOf, listKeys } from "../model/nav.js";
import { layoutLines, pagerContent, reviewData } from "../model/review.js";
import type { ReviewItem, WizardState } from "../model/state.js";
import { esc } from "../theme.js";
import type { Screen } from "./screen.js";
import { errorLines, prose, viewport } from "./text.js";

export function reviewItems(fileCount: number): ReviewItem[] {
  return [
    ...Array.from({ length: fileCount }, (_, index) => ({ kind: "file" as const, index })),
    { kind: "answer" },
    { kind: "install" },
  ];
}

export const review: Screen = {
  id: "review",
  title: () => "step 4 of 5: review",
  help: (_s, k) => `Up/Down move  Enter view/install  Esc back  ${k.help}  ${k.quit}`,

  reduce(state, key, ctx) {
    const none = (s: WizardState) => ({ state: s, effects: [] });
    const data = reviewData(state);
    const items = reviewItems(data.files.length);
    const moved = listKeys(state, key, items.length);
    if (moved) return none(moved);
    if (key.name !== "enter") return none(state);
    const item = items[cursorOf(state)];
    if (!item) return none(state);
    if (item.kind === "install") {
      if (!data.spec || data.problems.length > 0) {
        return none({
          ...state,
          message: {
            kind: "error",
            text: "The answer is not valid yet: fix the issues listed on this screen.",
          },
        });
      }
      return none({ ...state, confirmText: "", screen: ctx.next, message: null });
    }
    return none({ ...state, pager: { ...pagerContent(state, item), top: 0 }, screen: "pager" });
  },

  body(state, theme, size) {
    const data = reviewData(state);
    const out: string[] = [];
    const disk = chosenDisk(state.draft, state.facts);
    const spec = data.spec;
    let focusLine = 0;
    if (spec && disk) {
      const a = spec.nodes[0];
      const b = spec.nodes[1];
      out.push(
        theme.heading(
          fit(
            ` Node A "${a?.name}" on ${disk.path} (${disk.model ?? "no model"}, ${formatBytes(disk.sizeBytes)}):`,
            size.cols,
          ),
        ),
      );
      out.push(...layoutLines(spec, disk.sizeBytes).map((l) => esc(fit(`   ${l}`, size.cols))));
      out.push(
        ...prose(
          `Cluster ${spec.cluster.name}${spec.cluster.domain ? `.${spec.cluster.domain}` : ""}, service IP ${spec.service.ip}, node B "${b?.name}" ${b?.lan}. Node B's disk is chosen on node B when it receives the clone.`,
          size,
        ),
      );
      out.push(...prose(fencingSummary(spec), size));
    }
    if (data.problems.length > 0) {
      out.push(theme.error(" The answer is not valid yet:"));
      out.push(...errorLines(theme, data.problems, size, 2));
    }
    out.push("");
    out.push(
      theme.heading(` Files written on node A (${data.files.length}); Enter shows one, secrets masked:`),
    );
    const cur = cursorOf(state);
    reviewItems(data.files.length).forEach((it, i) => {
      if (i === cur) focusLine = out.length;
      let text: string;
      if (it.kind === "file") {
        const f = data.files[it.index];
        const n = f ? f.content.split("\n").length - (f.content.endsWith("\n") ? 1 : 0) : 0;
        text = fit(
          `   ${fit(f?.path ?? "", 50)} ${(f?.mode ?? 0).toString(8).padStart(4, "0")}  ${n} ${n === 1 ? "line" : "lines"}${f?.secret ? "  secret" : ""}`,
          size.cols - 2,
        );
      } else if (it.kind === "answer") {
        text = fit("   [ View the answer file ]", size.cols - 2);
      } else {
        text = fit(`   [ Install node A on ${disk?.name ?? "?"} ]`, size.cols - 2);
      }
      if (it.kind === "answer") out.push("");
      out.push(i === cur ? theme.selected(text) : esc(text));
    });
    return viewport(out, focusLine, size.rows);
  },
};
