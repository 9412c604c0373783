// `pairboot wizard`: the guided setup on the console or a serial line. It edits an answer file and hands
// the finished spec to the install engine; `--demo` runs it on a recorded machine with a simulated engine
// that touches nothing.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HardwareFacts } from "../probe/facts.js";
import { safeFacts } from "../probe/parse.js";
import { startWizard, type WizardOutcome } from "../tui/app.js";
import { answerSaver, findAnswerOnStick, readAnswerObject } from "../tui/answer-io.js";
import { simulatedEngine, type Engine } from "../tui/engine.js";
import { CLONE_PORT } from "../clone/peer.js";
import { openTerminal } from "../tui/terminal.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";

const HERE = dirname(fileURLToPath(import.meta.url));
export const DEMO_HARDWARE = resolve(HERE, "../../test/fixtures/hardware/node-a.json");

const USAGE = `usage: pairboot wizard [--demo] [--hardware FACTS.json] [--answer FILE] [--term TERM]
                       [--source PATH] [--include-loop] [--target DIR]

  --demo            run on a recorded machine with a simulated engine: nothing is written
                    anywhere except the answer file, saved to a temp path shown at the end
  --hardware FILE   the recorded machine for --demo (default: test/fixtures/hardware/node-a.json,
                    or a built-in made-up server where the fixtures are not installed); only with
                    --demo: a real install always probes this machine
  --answer FILE     pre-fill every screen from this answer file
  --term TERM       override $TERM (e.g. vt100 on a serial line that says otherwise)

  For tests and labs, installing from a development machine instead of the stick:
  --source PATH     the root filesystem to install: a directory (copied with rsync) or a squashfs
                    image (default: the live system's image, /run/live/rootfs/filesystem.squashfs)
  --include-loop    offer loop devices as disks too (e.g. losetup on a sparse file)
  --target DIR      where the new root is mounted while installing (default /run/pairboot/target)
`;

interface Args {
  demo: boolean;
  hardware?: string;
  answer?: string;
  term?: string;
  source?: string;
  includeLoop: boolean;
  target?: string;
}

/** The options, or null for --help (printed here). Refuses a recording mixed with a real install. */
function parseWizardArgs(argv: string[]): Args | null {
  const parsed = parseCommand(
    argv,
    {
      demo: { type: "boolean", default: false },
      hardware: { type: "string" },
      answer: { type: "string" },
      term: { type: "string" },
      source: { type: "string" },
      "include-loop": { type: "boolean", default: false },
      target: { type: "string" },
    },
    USAGE,
    { positionals: false },
  );
  if (!parsed) return null;
  const { values } = parsed;
  const { "include-loop": includeLoop, help: _help, ...rest } = values;
  const args: Args = { ...rest, includeLoop };
  if (args.demo) {
    const real = [args.source && "--source", args.includeLoop && "--include-loop", args.target && "--target"];
    const bad = real.filter((x): x is string => typeof x === "string");
    if (bad.length > 0)
      throw usageError(`${bad.join(", ")}: only for a real install, not with --demo`, USAGE);
  } else if (args.hardware) {
    // Recorded disks with a real engine would let it write to whatever a recording calls /dev/sda.
    throw usageError("--hardware only goes with --demo: a real install probes this machine", USAGE);
  }
  return args;
}

async function loadFacts(args: Args): Promise<HardwareFacts> {
  if (args.demo && !args.hardware && !existsSync(DEMO_HARDWARE)) {
    // The live image carries no test fixtures: demo on the built-in made-up server instead.
    const { DEMO_MACHINE } = await import("../tui/demo/machine.js");
    return DEMO_MACHINE;
  }
  if (args.demo || args.hardware) {
    const path = args.hardware ?? DEMO_HARDWARE;
    try {
      return safeFacts(JSON.parse(await readFile(path, "utf8")) as HardwareFacts);
    } catch (err) {
      throw new CliError(`cannot read the hardware facts ${path}: ${(err as Error).message}`);
    }
  }
  const { probeHardware } = await import("../probe/index.js");
  return probeHardware({ includeLoop: args.includeLoop });
}

async function makeEngine(args: Args, signal: AbortSignal): Promise<Engine> {
  if (args.demo) return simulatedEngine();
  const { resolveSource } = await import("./plan.js");
  const source = await resolveSource(args.source);
  if (!source) {
    throw new CliError(
      "no live root to install from (not running from the pairboot stick?); pass --source DIR|IMAGE, or try 'pairboot wizard --demo'",
    );
  }
  const { realEngine, realCloneEngine } = await import("../tui/real-engine.js");
  const target = args.target === undefined ? undefined : resolve(args.target);
  return realCloneEngine(realEngine({ source, target, signal }), { port: CLONE_PORT });
}

export async function run(argv: string[]): Promise<number> {
  const args = parseWizardArgs(argv);
  if (!args) return 0;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new CliError(
      "the wizard needs a terminal; for an unattended install run 'pairboot install --answer FILE'",
      2,
    );
  }
  const facts = await loadFacts(args);
  // Killed or hung up while installing: stop the engine's step and unmount before exiting, rather than
  // leaving its commands running inside a half-written disk.
  const abort = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  let leaveNow = () => process.exit(130);
  const onSignal = (sig: NodeJS.Signals) => {
    // A second signal while the engine is still stopping (or a clone, which takes no signal, runs on):
    // leave at once.
    if (stoppedBy) leaveNow();
    stoppedBy = sig;
    abort.abort();
  };
  const engine = await makeEngine(args, abort.signal);
  const answerPath = args.answer ?? (args.demo ? null : await findAnswerOnStick(facts));
  let answer: { path: string; object: unknown } | undefined;
  if (answerPath) {
    try {
      answer = { path: answerPath, object: await readAnswerObject(answerPath) };
    } catch (err) {
      throw new CliError(`cannot use the answer file ${answerPath}: ${(err as Error).message}`);
    }
  }

  const term = openTerminal(
    { input: process.stdin, output: process.stdout },
    { terminal: args.term ?? process.env.PAIRBOOT_TERM ?? process.env.TERM },
  );
  let outcome: WizardOutcome;
  leaveNow = () => {
    try {
      term.screen.destroy();
      term.close();
    } finally {
      process.exit(130);
    }
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  try {
    const handle = startWizard({
      screen: term.screen,
      mono: term.mono,
      facts,
      engine,
      answer,
      demo: args.demo,
      loadAnswer: readAnswerObject,
      saveAnswer: answerSaver(facts, { demo: args.demo }),
      signal: abort.signal,
    });
    outcome = await handle.outcome;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
    if (stoppedBy === "SIGHUP") process.stdout.on("error", () => undefined); // the terminal is gone
    term.screen.destroy();
    term.close();
  }
  if (stoppedBy) {
    process.stdout.write(
      `pairboot wizard: stopped by ${stoppedBy as string}\n` +
        (outcome.kind === "finished" && outcome.message ? `${outcome.message}\n` : "") +
        (outcome.kind === "finished" && outcome.answerPath
          ? `answer file saved: ${outcome.answerPath}\nrun the wizard or 'pairboot install --answer ${outcome.answerPath}' again to resume\n`
          : ""),
    );
    return 130;
  }
  // After the screen is gone, so the path stays on the terminal for copying.
  if (outcome.kind === "quit") {
    process.stdout.write("pairboot wizard: quit; nothing was written.\n");
    return 0;
  }
  process.stdout.write(
    `pairboot wizard: ${args.demo ? "demo finished (simulated, nothing written)" : outcome.ok ? "finished" : "failed"}\n` +
      (outcome.answerPath ? `answer file saved: ${outcome.answerPath}\n` : "") +
      (outcome.message ? `${outcome.message}\n` : ""),
  );
  return outcome.ok ? 0 : 1;
}
