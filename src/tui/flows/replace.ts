// Replace a dead node while the other serves: the cluster's answer (loaded first), the node this machine
// becomes and its NICs, this machine's disk, the typed name, then the install of that node. Its first boot
// joins as Secondary and syncs from the survivor (src/render/firstboot-decision.ts: join-replacement).
import { confirmScreen } from "../screens/confirm.js";
import { diskScreen } from "../screens/disk.js";
import { doneScreen } from "../screens/done.js";
import { progressScreen } from "../screens/progress.js";
import { replaceScreen } from "../screens/replace.js";
import { start } from "../screens/start.js";
import { initialReplace, replaceRefusal, replacement } from "../model/replace.js";
import type { Flow } from "./flow.js";

export const replace: Flow = {
  id: "replace",
  steps: [
    start,
    replaceScreen,
    diskScreen({
      title: "replace a node: disk",
      prompt: "Choose this machine's disk for the replacement node. Everything on it will be erased.",
      chosen: (state) => state.replace.disk,
      choose: (state, row) => ({
        ...state,
        replace: { ...state.replace, disk: row.disk.name },
        confirmText: "",
      }),
    }),
    confirmScreen({
      title: "replace a node: confirm",
      disk: (state) => state.facts.disks.find((d) => d.name === state.replace.disk),
      prepare(state, disk) {
        const r = replacement(state, disk);
        if (!r.ok || !disk) {
          return {
            ok: false,
            screen: "replace",
            message: { kind: "error", text: r.ok ? "Choose a disk." : r.message },
          };
        }
        return {
          ok: true,
          disk,
          spec: r.spec,
          effect: { kind: "install", spec: r.spec, answer: r.answer, disk, nodeName: r.node },
        };
      },
      after: (state) => {
        const r = replacement(
          state,
          state.facts.disks.find((d) => d.name === state.replace.disk),
        );
        const who = r.ok ? `${r.node}; ${r.peer} keeps serving` : "the replacement";
        return `The edited answer (this machine's MACs and disk) is saved first; then this machine is installed as ${who}.`;
      },
    }),
    progressScreen({
      title: "installing the replacement",
      heading: (disk) => ` Installing the replacement node onto ${disk ?? "?"}`,
      waiting: "Installing: please wait  F1 help",
      busy: "The install is running: quitting now would leave the disk half written.",
    }),
    doneScreen({
      succeeded: "The replacement node is installed.",
      failed: "The install failed.",
      next: {
        ok: "Next: remove the stick and reboot this machine. It joins as DRBD Secondary and takes a full sync from the serving node, which goes on serving; 'pairboot status' on either node shows the sync.",
        failed: "Fix the cause, then run the replacement again. The serving node was not touched.",
      },
      savesAnswer: true,
    }),
  ],
  refuse: replaceRefusal,
  enter: (state) => ({ state: { ...state, replace: initialReplace(state) }, effects: [] }),
};
