// What the live system runs on its consoles (`pairboot iso start --tty TTY`, from pairboot@TTY.service):
// find an answer file; with one, show what the install will do, count down (unless pairboot.auto=1),
// install and reboot from the disk; without one, open the wizard. Only the system console (the last
// console= on the kernel command line) runs this; any other console says where pairboot is running.
import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { AnswerFileError, ensureSecrets } from "../answer/secrets.js";
import { formatAnswerError, loadAnswerText } from "../answer/load.js";
import type { HardwareFacts } from "../probe/facts.js";
import { parseCmdline, type LiveArgs } from "./cmdline.js";
import { answerCandidates, discoverAnswer, MEDIUM_DIR, STICK_ANSWER, type Candidate } from "./discover.js";
import { countdownLine, gateStart, gateStep, type GateState } from "./gate.js";
import { mountStick, saveLogs } from "./stick.js";
import { installSummary } from "./summary.js";

const run = promisify(execFile);
const WORK_DIR = "/run/pairboot";
const WORKING_ANSWER = `${WORK_DIR}/answer.yaml`;

const say = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);

async function readIfFile(path: string): Promise<string | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path, "utf8");
  } catch {
    return null;
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() === true;
}

/** An answer URL needs the network, which the live system leaves down: one DHCP try on every NIC. */
async function fetchText(url: string, facts: HardwareFacts): Promise<string> {
  const nics = facts.nics.filter((n) => !n.virtual).map((n) => n.name);
  if (nics.length > 0) {
    say(`pairboot: asking DHCP for an address on ${nics.join(", ")} to fetch ${url}`);
    await run("timeout", ["60", "dhclient", "-1", ...nics]).catch(() => undefined);
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
  return res.text();
}

/** Waits for one key: resolves true for Enter/space/y, false for anything that means no. */
function rawKeys(onKey: (data: string) => void): () => void {
  const stdin = process.stdin;
  if (!stdin.isTTY) return () => undefined;
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  const handler = (d: string) => onKey(d);
  stdin.on("data", handler);
  return () => {
    stdin.off("data", handler);
    stdin.setRawMode(false);
    stdin.pause();
  };
}

/** The countdown on the console; resolves with the gate's final state. */
export function runGate(auto: boolean, seconds?: number): Promise<GateState> {
  let state = gateStart(auto, seconds);
  if (state.decision !== null) return Promise.resolve(state);
  return new Promise((resolve) => {
    const show = () => process.stdout.write(`\r${countdownLine(state)} `);
    const finish = () => {
      clearInterval(timer);
      stop();
      process.stdout.write("\n");
      resolve(state);
    };
    const feed = (next: GateState) => {
      state = next;
      if (state.decision !== null) finish();
      else show();
    };
    const stop = rawKeys((data) => feed(gateStep(state, { kind: "key", data })));
    const timer = setInterval(() => feed(gateStep(state, { kind: "tick" })), 1000);
    show();
  });
}

async function pressEnter(prompt: string): Promise<void> {
  say(prompt);
  await new Promise<void>((resolve) => {
    if (!process.stdin.isTTY) return resolve();
    const stop = rawKeys((d) => {
      if (d.includes("\r") || d.includes("\n")) {
        stop();
        resolve();
      }
    });
  });
}

async function wizard(answer: string | null): Promise<number> {
  const { run: runWizard } = await import("../cli/wizard.js");
  return runWizard(answer ? ["--answer", answer] : []);
}

async function reboot(auto: boolean): Promise<number> {
  say("pairboot: rebooting from the installed disk.");
  if (!auto) {
    // The same gate: Esc keeps the live system running (to look at logs, or clone this node).
    const g = await runGate(false, 10);
    if (g.decision === "abort") return 0;
  }
  await run("sync").catch(() => undefined);
  await run("systemctl", ["reboot"]);
  return 0;
}

/**
 * The working copy of the answer: secrets get written into it, so it must be writable. An answer on the
 * PAIRBOOT partition is used in place (its secrets then serve node B too); any other is copied to /run.
 */
async function workingAnswer(c: Candidate, text: string): Promise<string> {
  if (c.origin === "PAIRBOOT partition") return c.location;
  await mkdir(WORK_DIR, { recursive: true, mode: 0o700 });
  await writeFile(WORKING_ANSWER, text, { mode: 0o600 });
  await chmod(WORKING_ANSWER, 0o600);
  return WORKING_ANSWER;
}

export interface StartOptions {
  tty: string;
  cmdline?: string;
}

export async function startLive(o: StartOptions): Promise<number> {
  const cmdline = o.cmdline ?? (await readFile("/proc/cmdline", "utf8"));
  const args: LiveArgs = parseCmdline(cmdline);
  if (o.tty !== args.primaryConsole) {
    say(`pairboot is running on ${args.primaryConsole}, the system console (the last console= on the kernel`);
    say("command line). Boot the other menu entry to use this console instead.");
    await pressEnter("Press Enter for the menu.");
    return 0;
  }

  say("pairboot: looking at this machine and for an answer file...");
  const { probeHardware } = await import("../probe/index.js");
  let facts = await probeHardware();
  const stick = await mountStick(facts);
  if (stick) facts = await probeHardware();
  const medium = (await isDir(MEDIUM_DIR)) ? MEDIUM_DIR : null;
  const candidates = answerCandidates(args, { medium, stick });
  const found = await discoverAnswer(candidates, {
    readFile: readIfFile,
    fetchText: (url) => fetchText(url, facts),
  });

  if (!found.found) {
    if (found.error) {
      say(`pairboot: ${found.error}`);
      await pressEnter("Press Enter to open the wizard.");
    }
    return wizard(null);
  }

  const { candidate, text } = found;
  say(`pairboot: answer file ${candidate.location} (from the ${candidate.origin})`);
  const loaded = loadAnswerText(text, candidate.location);
  if (!loaded.ok) {
    say("pairboot: the answer file is not valid:");
    for (const e of loaded.errors) say(`  ${formatAnswerError(e)}`);
    const working = await workingAnswer(candidate, text);
    await pressEnter("Press Enter to open the wizard with this answer to fix it.");
    return wizard(working);
  }
  const answerPath = await workingAnswer(candidate, text);
  let spec;
  try {
    const r = await ensureSecrets(answerPath);
    spec = r.spec;
    if (r.generated.length > 0) say(`pairboot: generated ${r.generated.join(" and ")} (mode 0600)`);
    if (r.generated.length > 0 && stick && answerPath !== `${stick}/${STICK_ANSWER}`) {
      // Node B must get the same secrets: keep the completed answer on the stick for its install.
      const saved = `${stick}/${STICK_ANSWER}`;
      if ((await readIfFile(saved)) === null) {
        await copyFile(answerPath, saved);
        say(`pairboot: saved the answer with its secrets as ${saved} for the other node`);
      }
    }
  } catch (err) {
    const msg =
      err instanceof AnswerFileError ? err.errors.map(formatAnswerError).join("\n") : (err as Error).message;
    say(`pairboot: ${msg}`);
    await pressEnter("Press Enter to open the wizard.");
    return wizard(answerPath);
  }

  const { identifyNode } = await import("../plan/identify.js");
  const id = identifyNode(spec, facts);
  if (!id.ok) {
    say(`pairboot: ${id.message}`);
    say("Boot with pairboot.node=NAME to say which node this machine is.");
    await pressEnter("Press Enter to open the wizard.");
    return wizard(answerPath);
  }

  const { liveSource } = await import("../apply/source.js");
  const source = await liveSource();
  if (!source) {
    say("pairboot: the live root filesystem (/run/live/rootfs/filesystem.squashfs) is not there.");
    return 1;
  }
  const { installNode, InstallRefused } = await import("../apply/engine.js");
  let planned;
  try {
    planned = await installNode({
      spec,
      answerPath,
      nodeName: id.node.name,
      facts,
      source,
      confirmWipe: false,
      dryRun: true,
      resume: true,
    });
  } catch (err) {
    if (!(err instanceof InstallRefused)) throw err;
    say(`pairboot: the install of ${id.node.name} is refused: ${err.message}`);
    await pressEnter("Press Enter to open the wizard.");
    return wizard(answerPath);
  }
  const { plan, notes } = planned.prepared;
  say(
    installSummary({
      answer: candidate,
      nodeWhy: id.why,
      plan,
      disk: facts.disks.find((d) => d.path === plan.disk.path),
      notes,
    }),
  );

  const gate = await runGate(args.auto);
  say(`pairboot: ${gate.decision === "proceed" ? "installing" : "not installing"}: ${gate.reason}`);
  if (gate.decision === "abort") return wizard(answerPath);

  const { run: install } = await import("../cli/install.js");
  const rc = await install(["--answer", answerPath, "--node", id.node.name, "--disk", plan.disk.path]);
  if (stick) {
    const dir = await saveLogs(stick);
    if (dir) say(`pairboot: install log saved to ${dir}`);
  }
  if (rc !== 0) {
    say(`pairboot: the install of ${id.node.name} failed (status ${rc}); nothing reboots.`);
    return rc;
  }
  return reboot(args.auto);
}
