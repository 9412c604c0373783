// What the live system runs on its consoles (`pairboot iso start --tty TTY`, from pairboot@TTY.service):
// find an answer file; with one, show what the install will do, count down (unless pairboot.auto=1),
// install and reboot from the disk; without one, open the wizard. Only the system console (the last
// console= on the kernel command line) runs this; any other console says where pairboot is running.
import { chmod, copyFile, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { AnswerFileError, ensureSecrets } from "../answer/secrets.js";
import { formatAnswerError, loadAnswerText } from "../answer/load.js";
import type { HardwareFacts } from "../probe/facts.js";
import { CLONE_PORT } from "../clone/peer.js";
import { answerPins, describeTrust, unpinnedRefusal, urlTrust, type AnswerPins } from "./answer-trust.js";
import { parseCmdline, type LiveArgs } from "./cmdline.js";
import { fetchAnswer } from "./fetch-answer.js";
import { answerCandidates, discoverAnswer, MEDIUM_DIR, STICK_ANSWER, type Candidate } from "./discover.js";
import { countdownLine, gateStart, gateStep, INSTALL_WORDS, type GateState, type GateWords } from "./gate.js";
import {
  CLONE_WAIT_MINUTES,
  derivedPairingCode,
  linkCommands,
  liveRole,
  receiveSummary,
  receiveTarget,
  replicationLink,
  waitLine,
  waitStart,
  waitStep,
  type ReplicationLink,
  type WaitEvent,
  type WaitState,
} from "./pair.js";
import { mountStick, saveLogs } from "./stick.js";
import { alreadyInstalledNotice, installSummary } from "./summary.js";
import { run, runChecked } from "../util/exec.js";

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
async function fetchText(url: string, pins: AnswerPins, facts: HardwareFacts): Promise<string> {
  const nics = facts.nics.filter((n) => !n.virtual).map((n) => n.name);
  if (nics.length > 0) {
    say(`pairboot: asking DHCP for an address on ${nics.join(", ")} to fetch ${url}`);
    await run(["timeout", "60", "dhclient", "-1", ...nics]);
  }
  return fetchAnswer(url, pins);
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
export function runGate(
  auto: boolean,
  seconds?: number,
  words: GateWords = INSTALL_WORDS,
): Promise<GateState> {
  let state = gateStart(auto, seconds);
  if (state.decision !== null) return Promise.resolve(state);
  return new Promise((resolve) => {
    const show = () => process.stdout.write(`\r${countdownLine(state, words)} `);
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

/** Copies the logs onto the stick's PAIRBOOT partition, or says why they stay on this machine only. */
async function keepLogs(stick: string | null, why: string | null, what: string): Promise<void> {
  const dir = stick ? await saveLogs(stick) : null;
  if (dir) say(`pairboot: ${what} saved to ${dir}`);
  else
    say(
      `pairboot: ${what} not saved on a stick: ${why ?? "nothing to copy"} (/var/log/pairboot here, and on the installed disk)`,
    );
}

/** How long a requested reboot may take before pairboot says it did not happen. */
const REBOOT_GRACE_MS = 10 * 60_000;

async function reboot(auto: boolean): Promise<number> {
  say("pairboot: rebooting from the installed disk (remove the stick if this machine starts USB first).");
  if (!auto) {
    // The same gate: Esc keeps the live system running (to look at logs, or clone this node).
    const g = await runGate(false, 10);
    if (g.decision === "abort") return 0;
  }
  await run(["sync"]);
  await runChecked(["systemctl", "reboot"]);
  // Never back to the console's menu: a key pressed while the system shuts down would start pairboot
  // again, and with the same answer that means a second install (seen in the lab). Shutdown stops us.
  await new Promise((resolve) => setTimeout(resolve, REBOOT_GRACE_MS));
  say("pairboot: the reboot did not happen; reboot the machine by hand.");
  return 1;
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
  /** Opens the wizard (pre-filled from an answer file, or empty); resolves with its exit status. */
  openWizard: (answer: string | null) => Promise<number>;
}

export async function startLive(o: StartOptions): Promise<number> {
  const cmdline = o.cmdline ?? (await readFile("/proc/cmdline", "utf8"));
  const args: LiveArgs = parseCmdline(cmdline);
  const wizard = o.openWizard;
  if (o.tty !== args.primaryConsole) {
    say(`pairboot is running on ${args.primaryConsole}, the system console (the last console= on the kernel`);
    say("command line). Boot the other menu entry to use this console instead.");
    await pressEnter("Press Enter for the menu.");
    return 0;
  }

  say("pairboot: looking at this machine and for an answer file...");
  const { probeHardware } = await import("../probe/index.js");
  let facts = await probeHardware();
  const mount = await mountStick(facts);
  const stick = mount.dir;
  if (stick) facts = await probeHardware();
  const medium = (await isDir(MEDIUM_DIR)) ? MEDIUM_DIR : null;
  const candidates = answerCandidates(args, { medium, stick });
  const pinned = answerPins(args);
  if (!pinned.ok) {
    for (const p of pinned.problems) say(`pairboot: ${p}`);
    await pressEnter("Press Enter to open the wizard.");
    return wizard(null);
  }
  const found = await discoverAnswer(candidates, {
    readFile: readIfFile,
    fetchText: (url) => fetchText(url, pinned.pins, facts),
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
  if (candidate.kind === "url") {
    // A LAN could have swapped an unauthenticated answer: a person checks it in the wizard first.
    const trust = urlTrust(candidate.location, pinned.pins);
    say(`pairboot: how the answer is authenticated: ${describeTrust(trust)}`);
    if (trust === "none") {
      say(`pairboot: ${unpinnedRefusal(candidate.location)}`);
      const working = await workingAnswer(candidate, text);
      await pressEnter("Press Enter to open the wizard.");
      return wizard(working);
    }
  }
  const loaded = loadAnswerText(text, candidate.location);
  if (!loaded.ok) {
    say("pairboot: the answer file is not valid:");
    for (const e of loaded.errors) say(`  ${formatAnswerError(e)}`);
    const working = await workingAnswer(candidate, text);
    await pressEnter("Press Enter to open the wizard with this answer to fix it.");
    return wizard(working);
  }
  const { identifyNode } = await import("../plan/identify.js");
  // Node B of a two-node answer does not install (and so generates no secrets): it receives A's clone.
  const early = identifyNode(loaded.spec, facts);
  if (early.ok) {
    const role = liveRole(loaded.spec, early.node.name, args.clone);
    if (role.kind === "receive") {
      return receiveClone({
        args,
        answer: `${candidate.location} (${candidate.origin})`,
        spec: loaded.spec,
        node: early.node,
        nodeWhy: early.why,
        peer: role.peer,
        facts,
        stick,
        stickWhy: mount.why,
        wizard: async () => wizard(await workingAnswer(candidate, text)),
      });
    }
  }

  const answerPath = await workingAnswer(candidate, text);
  let spec;
  try {
    const r = await ensureSecrets(answerPath);
    spec = r.spec;
    if (r.generated.length > 0) say(`pairboot: generated ${r.generated.join(" and ")} (mode 0600)`);
    if (stick && answerPath !== `${stick}/${STICK_ANSWER}`) {
      // The answer this machine installs from stays on the stick with the logs, and node B (booted from
      // the same stick) gets the same secrets from it.
      const saved = `${stick}/${STICK_ANSWER}`;
      if ((await readIfFile(saved)) === null) {
        await copyFile(answerPath, saved);
        say(`pairboot: saved the answer with its secrets as ${saved}`);
      }
    }
  } catch (err) {
    const msg =
      err instanceof AnswerFileError ? err.errors.map(formatAnswerError).join("\n") : (err as Error).message;
    say(`pairboot: ${msg}`);
    await pressEnter("Press Enter to open the wizard.");
    return wizard(answerPath);
  }

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
  const { installNode, InstallRefused, AlreadyInstalled } = await import("../apply/engine.js");
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
    if (err instanceof AlreadyInstalled) {
      // Not the wizard: it would refuse the same disk. The console's menu offers the reboot.
      say(
        alreadyInstalledNotice({
          disk: err.disk,
          installed: err.node,
          thisNode: id.node.name,
          answerPath,
        }),
      );
      return 0;
    }
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

  const { installSession } = await import("../session/install.js");
  // The facts, the secrets and the node are the ones summarised above; the engine probes once more
  // right before writing. An error thrown inside still ends here, with the logs kept.
  const outcome = await installSession(
    {
      spec,
      answerPath,
      nodeName: id.node.name,
      facts,
      diskPath: plan.disk.path,
      source,
      dryRun: false,
      restart: false,
    },
    { say, warn: say },
  ).catch((err: unknown) => {
    say(`pairboot install: ${(err as Error).message}`);
    return { kind: "failed" as const };
  });
  await keepLogs(stick, mount.why, "install log");
  if (outcome.kind !== "installed") {
    if (outcome.kind === "refused") say(`pairboot: refused: ${outcome.message}`);
    say(`pairboot: the install of ${id.node.name} did not finish; nothing reboots.`);
    return 1;
  }
  const role = liveRole(spec, id.node.name, args.clone);
  say(`pairboot: ${role.why}`);
  if (role.kind === "install-and-send") {
    const sent = await sendClone({ args, spec, node: id.node, peer: role.peer, facts, disk: plan.disk.path });
    if (sent === "stay") return 0;
    // A failed clone stays on the screen for the countdown even with pairboot.auto=1.
    return reboot(args.auto && sent !== "failed");
  }
  return reboot(args.auto);
}

// ---------------------------------------------------------------------------------------------------
// The two-node flow (pair.ts decides; this runs it)

type NodeSpec = import("../answer/schema.js").ClusterSpec["nodes"][number];
type ClusterSpec = import("../answer/schema.js").ClusterSpec;

async function bringUpLink(link: ReplicationLink): Promise<void> {
  for (const argv of linkCommands(link)) await runChecked(argv);
  say(`pairboot: replication link ${link.ifname} (${link.mac}) is up as ${link.cidr}`);
}

/** Clears the status line before a reporter line, so progress and the countdown do not run together. */
function liveReporter(clear: () => void) {
  return import("../clone/report.js").then(({ consoleReporter }) => {
    const base = consoleReporter();
    return {
      info: (line: string) => {
        clear();
        base.info(line);
      },
      section: base.section.bind(base),
    };
  });
}

/**
 * Node A, after its install: bring up the replication link, listen there with the code derived from the
 * answer, and wait for node B (counting down; Enter reboots now, Esc stays). Resolves with the outcome.
 */
async function sendClone(o: {
  args: LiveArgs;
  spec: ClusterSpec;
  node: NodeSpec;
  peer: NodeSpec;
  facts: HardwareFacts;
  disk: string;
}): Promise<"cloned" | "skipped" | "failed" | "stay"> {
  const minutes = o.args.cloneWaitMinutes ?? CLONE_WAIT_MINUTES;
  if (minutes === 0) {
    say("pairboot: pairboot.clonewait=0: not waiting for the other node.");
    return "skipped";
  }
  const l = replicationLink(o.spec, o.node, o.peer, o.facts);
  if (!l.ok) {
    say(`pairboot: cannot clone to ${o.peer.name}: ${l.message}`);
    return "failed";
  }
  const link = l.link;
  try {
    await bringUpLink(link);
  } catch (err) {
    say(`pairboot: cannot bring up the replication link ${link.ifname}: ${(err as Error).message}`);
    return "failed";
  }
  const code = derivedPairingCode(o.spec) as string; // the install has written the secrets
  const { sendOverNetwork } = await import("../clone/send.js");
  say(`pairboot: ${o.node.name} is ready to clone itself to ${o.peer.name} over the replication link`);
  say(`  listening on  ${link.address}:${CLONE_PORT} (${link.ifname})`);
  // Not shown: derived from the cluster's secrets and the same on every run, it would let whoever reads
  // this console (or a serial log of it) pair with node A and receive its disk, secrets included.
  say(`  pairing code  derived from the answer's shared secrets by both nodes (not shown)`);
  say(`  ${o.peer.name}: boot it from the same stick with the same answer; it receives this disk by itself.`);

  let state: WaitState = waitStart(minutes * 60);
  let lineShown = false;
  const clear = () => {
    if (lineShown) process.stdout.write("\r\x1b[K");
    lineShown = false;
  };
  const show = () => {
    if (state.decision !== null || state.paired) return;
    process.stdout.write(`\r${waitLine(state, o.peer.name)}\x1b[K`);
    lineShown = true;
  };
  const controller = new AbortController();
  let failed = false;
  const reporter = await liveReporter(clear);
  let settle: () => void = () => undefined;
  const decided = new Promise<void>((r) => (settle = r));
  const feed = (e: WaitEvent) => {
    const before = state;
    state = waitStep(state, e);
    if (state.paired && !before.paired) clear();
    if (state.decision !== null && before.decision === null) {
      clear();
      if (!state.paired) controller.abort(state.reason ?? "stopped");
      settle();
    } else show();
  };
  const stopKeys = rawKeys((data) => feed({ kind: "key", data }));
  const timer = setInterval(() => feed({ kind: "tick" }), 1000);
  show();
  const sending = sendOverNetwork({
    disk: o.disk,
    port: CLONE_PORT,
    host: link.address,
    code,
    reporter,
    signal: controller.signal,
    onPaired: () => feed({ kind: "paired" }),
  }).then(
    (r) =>
      feed({
        kind: "done",
        ok: true,
        message: `${(r.usedBytes / 1024 ** 3).toFixed(2)} GiB in use, ${(r.wireBytes / 1024 ** 2).toFixed(0)} MiB sent`,
      }),
    (err: Error) => {
      if (controller.signal.aborted) return;
      failed = true;
      feed({ kind: "done", ok: false, message: err.message });
    },
  );
  await decided;
  clearInterval(timer);
  stopKeys();
  await sending;
  say(`pairboot: ${state.reason ?? ""}`);
  if (state.decision === "stay") return "stay";
  if (state.cloned) return "cloned";
  return failed ? "failed" : "skipped";
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Node B: show what will happen, count down (unless pairboot.auto=1), bring up the replication link and
 * wait for node A; receive its clone, write B's identity, reboot from the disk.
 */
async function receiveClone(o: {
  args: LiveArgs;
  answer: string;
  spec: ClusterSpec;
  node: NodeSpec;
  nodeWhy: string;
  peer: NodeSpec;
  facts: HardwareFacts;
  stick: string | null;
  stickWhy: string | null;
  wizard: () => Promise<number>;
}): Promise<number> {
  const target = receiveTarget(o.spec, o.node, o.facts);
  const l = replicationLink(o.spec, o.node, o.peer, o.facts);
  if (!target.ok || !l.ok) {
    const why = [target.ok ? null : target.message, l.ok ? null : l.message].filter((m) => m !== null);
    say(`pairboot: ${o.node.name} cannot receive ${o.peer.name}'s clone: ${why.join("; ")}`);
    await pressEnter("Press Enter to open the wizard.");
    return o.wizard();
  }
  const link = l.link;
  const derived = derivedPairingCode(o.spec);
  say(
    receiveSummary({
      answer: o.answer,
      node: o.node.name,
      nodeWhy: o.nodeWhy,
      peer: o.peer.name,
      target,
      link,
      codeFromAnswer: derived !== null,
    }),
  );
  const gate = await runGate(o.args.auto, undefined, { doing: "Waiting for the clone", now: "start now" });
  say(`pairboot: ${gate.decision === "proceed" ? "receiving" : "not receiving"}: ${gate.reason}`);
  if (gate.decision === "abort") return o.wizard();

  try {
    await bringUpLink(link);
  } catch (err) {
    say(`pairboot: cannot bring up the replication link ${link.ifname}: ${(err as Error).message}`);
    return 1;
  }
  let code = derived;
  if (code === null) {
    const { createInterface } = await import("node:readline/promises");
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    code = await rl.question(`Pairing code shown on ${o.peer.name}'s console: `);
    rl.close();
  }
  const { receiveFromNetwork, Unreachable } = await import("../clone/receive.js");
  const { identityWriter } = await import("../clone/identity.js");
  const reporter = await liveReporter(() => undefined);
  // Node A's answer (with the secrets its install generated) travels in the copy: B's identity uses it.
  const hooks = identityWriter(null, o.node.name, (line) => say(line));
  let stop = false;
  const stopKeys = rawKeys((d) => {
    if (d === "\x1b" || d === "\x03" || d.toLowerCase() === "q") stop = true;
  });
  const started = Date.now();
  let lastSaid = 0;
  const { formatClock } = await import("../util/format.js");
  say(
    `pairboot: waiting for ${o.peer.name} at ${link.peerAddress}:${CLONE_PORT}: it sends its disk when its install is done. Esc: stop and open the wizard`,
  );
  try {
    for (;;) {
      if (stop) {
        stopKeys();
        say("pairboot: stopped at the console; nothing was written.");
        return o.wizard();
      }
      try {
        await receiveFromNetwork({
          disk: target.disk,
          host: link.peerAddress,
          port: CLONE_PORT,
          code,
          reporter,
          identity: hooks.files,
          bootloader: hooks.bootloader,
        });
        break;
      } catch (err) {
        if (!(err instanceof Unreachable)) throw err;
        if (Date.now() - lastSaid >= 60_000) {
          lastSaid = Date.now();
          say(
            `pairboot: still waiting for ${o.peer.name} at ${link.peerAddress}:${CLONE_PORT} (${formatClock((Date.now() - started) / 1000)} so far). Esc: stop`,
          );
        }
        for (let i = 0; i < 5 && !stop; i++) await sleep(1000);
      }
    }
  } catch (err) {
    stopKeys();
    say(`pairboot: receiving ${o.peer.name}'s clone failed: ${(err as Error).message}`);
    say("pairboot: nothing reboots.");
    return 1;
  }
  stopKeys();
  say(`pairboot: ${o.node.name} received ${o.peer.name}'s clone on ${target.disk}`);
  await keepLogs(o.stick, o.stickWhy, "logs");
  return reboot(o.args.auto);
}
