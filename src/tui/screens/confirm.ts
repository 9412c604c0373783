// The last screen before anything is written: the user types the disk's name. Each flow says which
// disk it erases, whether it is ready to, and what the engine call is.
import type { ClusterSpec } from "../../answer/schema.js";
import type { DiskFacts } from "../../probe/facts.js";
import { partitionLines } from "../model/disks.js";
import { fit, fitTail, formatBytes } from "../model/format.js";
import { editText, go } from "../model/nav.js";
import type { Effect, Message, ScreenId, WizardState } from "../model/state.js";
import { esc } from "../theme.js";
import type { Screen } from "./screen.js";
import { LABEL_W, prose } from "./text.js";

export type Prepared =
  | { ok: true; disk: DiskFacts; spec: ClusterSpec | null; effect: Effect }
  | { ok: false; screen: ScreenId; message: Message | null };

export interface ConfirmTarget {
  title: string;
  /** The disk that will be erased. */
  disk(state: WizardState): DiskFacts | undefined;
  /** The engine call, or where the user goes back to when the answer cannot be used after all. */
  prepare(state: WizardState, disk: DiskFacts | undefined): Prepared;
  /** What happens next, said under the typed name (outside the demo). */
  after(state: WizardState): string;
}

export function confirmScreen(target: ConfirmTarget): Screen {
  return {
    id: "confirm",
    title: () => target.title,
    editing: () => true,
    help: (_s, k) => `Type the disk name  Enter start  Esc back  ${k.help}  ${k.quit}`,

    reduce(state, key, ctx) {
      if (key.name !== "enter") {
        const edited = editText(state.confirmText, key);
        return { state: edited === null ? state : { ...state, confirmText: edited }, effects: [] };
      }
      const ready = target.prepare(state, target.disk(state));
      if (!ready.ok) return { state: go(state, ready.screen, ready.message), effects: [] };
      const disk = ready.disk;
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
      return {
        state: { ...state, installing: { spec: ready.spec, disk }, screen: ctx.next, progress: null },
        effects: [ready.effect],
      };
    },

    body(state, theme, size) {
      const disk = target.disk(state);
      if (!disk) return [];
      const parts = disk.partitions.length;
      return [
        "",
        theme.error(fit(` ALL DATA ON ${disk.path} WILL BE ERASED`, size.cols)),
        "",
        ...prose(
          `${disk.path}: ${disk.model ?? "no model"}, ${formatBytes(disk.sizeBytes)}, serial ${disk.serial ?? "none"}, ${parts} existing partition(s).`,
          size,
        ),
        ...partitionLines(disk)
          .slice(0, 4)
          .map((l) => esc(`   ${l}`)),
        "",
        ...prose(
          `To go on, type the disk's name (${disk.name}) and press Enter. Anything else erases nothing.`,
          size,
        ),
        "",
        `  ${fit("Disk to erase", LABEL_W)} ${theme.selected(`[${fitTail(state.confirmText, 12)}]`)}`,
        "",
        ...prose(state.demo ? "Demo mode: the simulated engine writes nothing." : target.after(state), size),
      ];
    },
  };
}
