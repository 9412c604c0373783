// Send a clone from an installed node A: no questions; the engine listens at once and the progress
// screen shows the pairing code node B's user types.
import { doneScreen } from "../screens/done.js";
import { pairingLines, progressScreen } from "../screens/progress.js";
import { start } from "../screens/start.js";
import type { Flow } from "./flow.js";

export const send: Flow = {
  id: "send",
  steps: [
    start,
    progressScreen({
      title: "sending a clone",
      heading: () => " Sending this node A's system to node B",
      waiting: "Cloning: please wait  F1 help",
      busy: "The clone is running: quitting now would leave node B's disk half written.",
      above: pairingLines,
    }),
    doneScreen({
      succeeded: "Node B has its copy.",
      failed: "The clone failed.",
      next: {
        ok: "Next: remove the stick and reboot node A; node B finishes on its own screen.",
        failed:
          "Nothing is marked complete on node B's disk until every section checked out: run the clone again.",
      },
      savesAnswer: false,
    }),
  ],
  enter: (state) => ({ state: { ...state, progress: null }, effects: [{ kind: "send" }] }),
};
