// The real install engine (src/apply) behind the wizard's Engine interface: its events are translated
// into the progress screen's, and its errors into the done screen's message. Nothing else in src/tui
// knows the engine exists.
import { prepareInstall, runInstall, type InstallEvent } from "../apply/engine.js";
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

export function realEngine(opts: { source: InstallSource; dryRun?: boolean }): Engine {
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
