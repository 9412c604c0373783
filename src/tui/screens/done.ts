// The last screen: what happened and what to do next. An install says where its answer file went (its
// path whole, to be copied); a clone has no answer of its own to save.
import { fit } from "../model/format.js";
import type { DoneInfo, WizardState } from "../model/state.js";
import { esc, type Theme } from "../theme.js";
import type { Screen, Size } from "./screen.js";
import { errorLines, prose } from "./text.js";

export interface DoneText {
  succeeded: string;
  failed: string;
  /** What to do next when there is no saved answer to tell about. */
  next: { ok: string; failed: string };
  /** True when the flow saved an answer: the screen says where and how to replay it. */
  savesAnswer: boolean;
}

const quit = (state: WizardState) => ({ state, effects: [{ kind: "quit" as const }] });

export function doneScreen(text: DoneText): Screen {
  return {
    id: "done",
    title: () => "finished",
    back: null,
    keepsMessage: true,
    quit,
    help: () => "Enter or q: leave the wizard",
    reduce: (state, key) => (key.name === "enter" ? quit(state) : { state, effects: [] }),
    body: (state, theme, size) => doneBody(text, state, theme, size),
  };
}

function doneBody(text: DoneText, state: WizardState, theme: Theme, size: Size): string[] {
  const d = state.done;
  if (!d) return [];
  const out: string[] = [""];
  if (d.ok) {
    out.push(
      theme.good(
        fit(
          state.demo ? " Demo finished: nothing was written to any disk." : ` ${text.succeeded}`,
          size.cols,
        ),
      ),
    );
  } else {
    out.push(theme.error(fit(` ${text.failed}`, size.cols)));
    if (d.message) out.push(...errorLines(theme, [d.message], size, 1));
  }
  out.push("");
  if (!text.savesAnswer || d.answerPath === null) {
    out.push(...prose(d.ok ? text.next.ok : text.next.failed, size));
    return out;
  }
  out.push(...savedLines(d, size));
  out.push("");
  if (d.ok) {
    out.push(theme.heading(state.demo ? " Next, in a real run:" : " Next:"));
    out.push(...prose("1. Remove the stick and reboot this machine: it comes up as node A.", size, 3));
    out.push(...prose('2. Boot node B from the stick and choose "Receive a clone as node B".', size, 3));
    out.push(...prose(`Unattended replay: pairboot install --answer ${d.answerPath}`, size, 3));
  } else {
    out.push(
      ...prose(
        `Fix the cause, then run it again to resume: pairboot install --answer ${d.answerPath}`,
        size,
        3,
      ),
    );
  }
  return out;
}

/** Where the answer file went, its path on a line of its own (whole, so it can be copied). */
function savedLines(d: DoneInfo, size: Size): string[] {
  const path = d.answerPath ?? "";
  const saved = d.saved;
  const out: string[] = [];
  if (saved?.onStick) {
    out.push(
      ...prose(
        `The answer file was saved on the pairboot stick${saved.device ? ` (PAIRBOOT partition ${saved.device})` : ""}:`,
        size,
      ),
    );
  } else {
    const why = saved?.notOnStick ?? "it was not saved on the stick";
    out.push(
      ...prose(
        `${why[0]?.toUpperCase() ?? ""}${why.slice(1)}, so the answer file was saved here instead:`,
        size,
      ),
    );
  }
  const room = size.cols - 4;
  for (let i = 0; i < path.length; i += room) out.push(esc(`   ${path.slice(i, i + room)}`));
  out.push(
    ...prose(
      saved?.onStick
        ? "Mode 0600 where the stick's filesystem keeps modes; FAT keeps none, so whoever holds the stick can read it: it holds the cluster's secrets."
        : "Mode 0600: it holds the cluster's secrets. It is not on the stick: copy it somewhere safe before you reboot.",
      size,
    ),
  );
  return out;
}
