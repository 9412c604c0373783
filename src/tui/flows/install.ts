// Install node A: the answer is built on four screens, then node A's disk is erased and installed.
import { checkDraft, type Target } from "../model/draft.js";
import { cursorOnChosenDisk } from "../model/derived.js";
import { saveHint } from "../model/stick.js";
import { cluster } from "../screens/cluster.js";
import { confirmScreen } from "../screens/confirm.js";
import { diskScreen } from "../screens/disk.js";
import { doneScreen } from "../screens/done.js";
import { network } from "../screens/network.js";
import { pager } from "../screens/pager.js";
import { progressScreen } from "../screens/progress.js";
import { review } from "../screens/review.js";
import { start } from "../screens/start.js";
import type { Flow } from "./flow.js";

export const install: Flow = {
  id: "install",
  steps: [
    start,
    diskScreen({
      title: "step 1 of 5: disk",
      prompt: "Choose the disk to install node A onto. Everything on it will be erased.",
      chosen: (state) => state.draft.disk,
      choose: (state, row) => ({
        ...state,
        draft: { ...state.draft, disk: row.disk.name },
        shown: new Set([...state.shown, "disk" as Target]),
      }),
    }),
    network,
    cluster,
    review,
    confirmScreen({
      title: "step 5 of 5: confirm",
      disk: (state) => state.facts.disks.find((d) => d.name === state.draft.disk),
      prepare(state, disk) {
        const checked = checkDraft(state.draft, state.facts);
        if (!disk || !checked.validation.ok) {
          return {
            ok: false,
            screen: "review",
            message: { kind: "error", text: "The answer is not valid yet." },
          };
        }
        const spec = checked.validation.spec;
        const nodeName = spec.nodes[0]?.name ?? "";
        return {
          ok: true,
          disk,
          spec,
          effect: { kind: "install", spec, answer: checked.answer, disk, nodeName },
        };
      },
      after: (state) => `The answer file is saved first, ${saveHint(state.facts)}; then the install starts.`,
    }),
    progressScreen({
      title: "installing",
      heading: (disk) => ` Installing node A onto ${disk ?? "?"}`,
      waiting: "Installing: please wait  F1 help",
      busy: "The install is running: quitting now would leave the disk half written.",
    }),
    doneScreen({
      succeeded: "Node A is installed.",
      failed: "The install failed.",
      // Unreachable in practice: the install saves its answer before it starts, or does not start.
      next: {
        ok: "Next: remove the stick and reboot node A; node B finishes on its own screen.",
        failed: "Fix the cause, then run the install again.",
      },
      savesAnswer: true,
    }),
  ],
  extras: [pager],
  enter: (state) => ({ state: cursorOnChosenDisk(state), effects: [] }),
};
