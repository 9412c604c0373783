// The real install engine (src/apply) behind the wizard's Engine interface: its events are translated
// into the progress screen's, and its errors into the done screen's message. Nothing else in src/tui
// knows the engine exists.
import { prepareInstall, runInstall, type InstallEvent } from "../apply/engine.js";
import { lastCompletion } from "../clone/progress.js";
import type { Reporter } from "../clone/report.js";
import type { InstallSource } from "../plan/types.js";
import type { Engine, ProgressEvent } from "./engine.js";

export function toProgressEvent(e: InstallEvent): ProgressEvent {
  switch (e.type) {
    case "step-start":
      return { type: "start", id: e.id };
    case "step-skip":
      return { type: "skip", id: e.id, reason: e.reason };
    case "step-done":
      return { type: "done", id: e.id };
    case "step-failed":
      return { type: "fail", id: e.id, message: e.message };
    case "output":
      return { type: "log", line: e.line };
    case "copy":
      return { type: "progress", id: e.id, ratio: e.progress.fraction, detail: e.text };
  }
}

export function realEngine(opts: {
  source: InstallSource;
  dryRun?: boolean;
  target?: string;
  /** Stops the running step (its whole process group) and unmounts, as Ctrl-C does for `pairboot install`. */
  signal?: AbortSignal;
}): Engine {
  return {
    simulated: false,
    async install(spec, o, onProgress) {
      const io = {
        spec,
        answerPath: o.answerPath,
        nodeName: o.nodeName,
        facts: o.facts,
        diskPath: o.diskPath,
        source: opts.source,
        confirmWipe: o.confirmWipe,
        dryRun: opts.dryRun ?? false,
        resume: true,
        target: opts.target,
        signal: opts.signal,
        onProgress: (e: InstallEvent) => onProgress(toProgressEvent(e)),
      };
      try {
        const prepared = await prepareInstall(io);
        onProgress({ type: "plan", tasks: prepared.plan.steps.map((s) => ({ id: s.id, title: s.title })) });
        for (const note of prepared.notes) onProgress({ type: "log", line: note });
        if (io.dryRun) return { ok: true, message: "dry run: the plan was checked, nothing was written" };
        const r = await runInstall(prepared, io);
        onProgress({ type: "log", line: `install log: ${r.logPath}` });
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}

/** The clone's reporter (lines and per-section progress) as progress-screen events. */
function cloneReporter(onProgress: (e: ProgressEvent) => void): Reporter {
  return {
    info: (line) => onProgress({ type: "log", line }),
    section(section) {
      const id = section.role;
      onProgress({ type: "start", id, title: `Copy the ${section.role} partition` });
      return {
        onStderr: (chunk) => {
          const f = lastCompletion(chunk);
          if (f !== null) onProgress({ type: "progress", id, ratio: f });
        },
        done: (summary) => {
          onProgress({ type: "done", id });
          onProgress({ type: "log", line: summary });
        },
      };
    },
  };
}

/** The real clone (src/clone) behind the wizard's receive and send screens. */
export function realCloneEngine(base: Engine, opts: { port: number }): Engine {
  return {
    ...base,
    async cloneReceive(o, onProgress) {
      const { receiveFromNetwork, NothingWritten } = await import("../clone/receive.js");
      const { identityWriter } = await import("../clone/identity.js");
      const hooks = identityWriter(o.spec, o.nodeName, (line) => onProgress({ type: "log", line }));
      try {
        await receiveFromNetwork({
          disk: o.diskPath,
          host: o.host,
          port: o.port,
          code: o.code,
          identity: hooks.files,
          bootloader: hooks.bootloader,
          reporter: cloneReporter(onProgress),
        });
        return { ok: true };
      } catch (err) {
        const message = (err as Error).message;
        return {
          ok: false,
          message:
            err instanceof NothingWritten ? `${message}; nothing was written to ${o.diskPath}` : message,
        };
      }
    },
    async cloneSend(o, onProgress) {
      const { sendOverNetwork } = await import("../clone/send.js");
      const { findSourceDisk } = await import("../clone/source.js");
      const { formatPairingCode } = await import("../clone/code.js");
      try {
        const disk = await findSourceDisk();
        await sendOverNetwork({
          disk,
          port: opts.port,
          reporter: cloneReporter(onProgress),
          onListening: (code, port) =>
            o.onListening(code.includes("-") ? code : formatPairingCode(code), port),
        });
        return { ok: true };
      } catch (err) {
        return { ok: false, message: (err as Error).message };
      }
    },
  };
}
