// Receive a clone as node B: node A's address and code, this machine's disk, the typed name, then the
// copy. The answer comes from node A; the form screens of the install are not part of this flow.
import { CLONE_PORT, parsePeer } from "../../clone/peer.js";
import { receiveSpec, receivingNode } from "../model/receive.js";
import { confirmScreen } from "../screens/confirm.js";
import { diskScreen } from "../screens/disk.js";
import { doneScreen } from "../screens/done.js";
import { peer } from "../screens/peer.js";
import { progressScreen } from "../screens/progress.js";
import { start } from "../screens/start.js";
import type { Flow } from "./flow.js";

export const receive: Flow = {
  id: "receive",
  steps: [
    start,
    peer,
    diskScreen({
      title: "receive a clone: disk",
      prompt: "Choose this machine's disk for node B. Everything on it will be replaced by node A's system.",
      chosen: (state) => state.receiveDisk,
      choose: (state, row) => ({ ...state, receiveDisk: row.disk.name, confirmText: "" }),
    }),
    confirmScreen({
      title: "receive a clone: confirm",
      disk: (state) => state.facts.disks.find((d) => d.name === state.receiveDisk),
      prepare(state, disk) {
        const r = receiveSpec(state);
        if (!disk || !r.ok) {
          return { ok: false, screen: "start", message: r.ok ? null : { kind: "error", text: r.message } };
        }
        const from = parsePeer(state.peer.address) ?? { host: "", port: CLONE_PORT };
        const nodeName = r.spec ? receivingNode(state, r.spec) : undefined;
        return {
          ok: true,
          disk,
          spec: r.spec,
          effect: { kind: "receive", ...from, code: state.peer.code, disk, spec: r.spec, nodeName },
        };
      },
      after: () =>
        "Node A's system is copied over the network, then node B's own names and addresses are written.",
    }),
    progressScreen({
      title: "receiving a clone",
      heading: (disk) => ` Receiving node A's system onto ${disk ?? "?"}`,
      waiting: "Cloning: please wait  F1 help",
      busy: "The clone is running: quitting now would leave node B's disk half written.",
    }),
    doneScreen({
      succeeded: "Node B is installed.",
      failed: "The clone failed.",
      next: {
        ok: "Next: remove the stick and reboot node B. Once both nodes are up, DRBD syncs and Heartbeat starts the NFS service on the preferred node; `pairboot status` shows it.",
        failed:
          "Nothing is marked complete on node B's disk until every section checked out: run the clone again.",
      },
      savesAnswer: false,
    }),
  ],
  // The answer file, when one was given, must be node A's own (with its secrets), or B cannot pair.
  refuse: (state) => {
    const r = receiveSpec(state);
    return r.ok ? null : r.message;
  },
};
