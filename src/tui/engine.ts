// The boundary between the wizard and everything that changes a machine. The wizard only ever calls an
// Engine; src/cli/wizard.ts wires the real install engine in, and demo mode a simulated one that touches
// nothing. Progress comes back as small events the progress screen folds into its task list.
import { CLONE_PORT } from "../clone/peer.js";
import type { ClusterSpec } from "../answer/schema.js";
import type { HardwareFacts } from "../probe/facts.js";

export interface TaskInfo {
  id: string;
  title: string;
}

export type ProgressEvent =
  | { type: "plan"; tasks: TaskInfo[] }
  | { type: "start"; id: string; title?: string }
  | { type: "progress"; id: string; ratio: number; detail?: string }
  | { type: "done"; id: string }
  | { type: "skip"; id: string; reason?: string }
  | { type: "fail"; id: string; message: string }
  | { type: "log"; line: string };

export interface InstallOptions {
  /** The node being installed, as named in the spec (node A). */
  nodeName: string;
  /** The whole disk the user typed the name of on the confirm screen. */
  diskPath: string;
  /** Where the replayable answer file was saved, so the engine can copy it onto the target. */
  answerPath: string;
  facts: HardwareFacts;
  /** The user typed the disk's name: destroying what is on it is allowed. */
  confirmWipe: true;
}

export interface InstallResult {
  ok: boolean;
  /** On failure: what went wrong and what to do, shown on the done screen. */
  message?: string;
}

export interface ReceiveOptions {
  /** Node A's address and port, and the pairing code shown on its screen. */
  host: string;
  port: number;
  code: string;
  /** Node B's whole disk, confirmed by typing its name. */
  diskPath: string;
  /**
   * The cluster, for node B's identity (names, addresses, keys); null: use the answer file node A's
   * install left on its own disk, which the copy carries.
   */
  spec: ClusterSpec | null;
  nodeName: string | undefined;
}

export interface SendOptions {
  /** Called once node A listens: the code and port to show for node B. */
  onListening(code: string, port: number): void;
}

export interface Engine {
  /** True when nothing real happens (demo mode); the screens say so. */
  readonly simulated: boolean;
  install(
    spec: ClusterSpec,
    opts: InstallOptions,
    onProgress: (e: ProgressEvent) => void,
  ): Promise<InstallResult>;
  /** Node B's side of a clone; absent when the engine cannot clone. */
  cloneReceive?(opts: ReceiveOptions, onProgress: (e: ProgressEvent) => void): Promise<InstallResult>;
  /** Node A's side of a clone (node A booted from the stick again). */
  cloneSend?(opts: SendOptions, onProgress: (e: ProgressEvent) => void): Promise<InstallResult>;
}

const SIMULATED_TASKS: TaskInfo[] = [
  { id: "partition", title: "Partition the disk (GPT: BIOS boot, EFI, OS, data)" },
  { id: "mkfs", title: "Make the EFI and OS filesystems" },
  { id: "copy-root", title: "Copy the live system onto the OS partition" },
  { id: "configure", title: "Write the configuration files" },
  { id: "services", title: "Enable and disable services" },
  { id: "bootloader", title: "Install GRUB for BIOS and UEFI" },
  { id: "finish", title: "Save the answer file and logs onto the target" },
];

const SIMULATED_CLONE: TaskInfo[] = [
  { id: "esp", title: "Copy the EFI system partition" },
  { id: "os", title: "Copy the OS partition (used blocks only)" },
  { id: "verify", title: "Check every section's digest" },
];

/**
 * An engine that only pretends: it walks a fixed task list on timers. `stepMs` sets the pace (the demo
 * uses a few hundred milliseconds per step so the progress screen can be watched).
 */
export function simulatedEngine(opts: { stepMs?: number; ticks?: number } = {}): Engine {
  const stepMs = opts.stepMs ?? 600;
  const ticks = opts.ticks ?? 4;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const walk = async (tasks: TaskInfo[], onProgress: (e: ProgressEvent) => void) => {
    onProgress({ type: "plan", tasks });
    for (const t of tasks) {
      onProgress({ type: "start", id: t.id });
      for (let i = 1; i <= ticks; i++) {
        await sleep(stepMs / ticks);
        onProgress({ type: "progress", id: t.id, ratio: i / ticks, detail: "simulated: nothing is written" });
      }
      onProgress({ type: "done", id: t.id });
    }
    return { ok: true };
  };
  return {
    simulated: true,
    install: (_spec, _opts, onProgress) => walk(SIMULATED_TASKS, onProgress),
    cloneReceive: (_opts, onProgress) => walk(SIMULATED_CLONE, onProgress),
    async cloneSend(o, onProgress) {
      o.onListening("DEMX-2345-ABCD", CLONE_PORT);
      await sleep(stepMs * 2);
      return walk(SIMULATED_CLONE, onProgress);
    },
  };
}
