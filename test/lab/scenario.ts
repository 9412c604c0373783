// The lab's fault scenarios as data: a YAML file is a list of steps (a fault, a wait, a check, a mark that
// starts the clock) that test/lab/run.ts carries out against the running cluster. A new fault is a new file
// (test/lab/scenarios/*.yaml, or `npm run lab -- --scenario FILE`), not new lab code. This module only
// reads and checks files: pure, unit-tested in test/unit/lab-scenario.test.ts. Errors read like the answer
// file's: FILE:LINE:COL: path: message, from the same locator (src/answer/locate.ts).
import { readFileSync } from "node:fs";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { formatAnswerError, type AnswerError } from "../../src/answer/load.js";
import { locate } from "../../src/answer/locate.js";
import { answerErrorMap, formatPath, quotedKey } from "../../src/answer/messages.js";
import { fromZodIssue } from "../../src/answer/validate.js";

/** active: the node holding the service IP when the step runs; passive: the other one. */
const Node = z.enum(["active", "passive", "node-a", "node-b"]);
const Where = z.enum(["active", "passive", "node-a", "node-b", "client"]);
const Nic = z.enum(["lan0", "lan1", "repl0"]);
/** Seconds, as a plain number. */
const Seconds = z.number().positive().max(3600);
const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,40}$/, "expected an id of a-z, 0-9 and '-'");

// One schema per step kind: a step names its kind by its one action key (do, sleep, wait, check, mark).
const DO = {
  "link-down": z.strictObject({ do: z.literal("link-down"), node: Node, nic: Nic }),
  "link-up": z.strictObject({ do: z.literal("link-up"), node: Node, nic: Nic }),
  /** QEMU killed: the node's power cut. */
  "power-off": z.strictObject({ do: z.literal("power-off"), node: Node }),
  /** The node boots its disk again; the step ends at its root shell. */
  "power-on": z.strictObject({ do: z.literal("power-on"), node: Node }),
  /** A shell command on a node or the client (root, serial console); fails the scenario unless rc is 0. */
  run: z.strictObject({
    do: z.literal("run"),
    on: Where,
    command: z.string().min(1),
    timeout: Seconds.optional(),
    /** In the background (setsid): the step does not wait for it. */
    background: z.boolean().optional(),
  }),
} as const;

/** A wait with an id is also a report row: what it waited for and its seconds since the mark. */
const waitId = { id: Id.optional(), title: z.string().min(1).optional() };
const WAIT = {
  /** The service IP answers ping from the lab's gateway; sets the "ip" time other checks count from. */
  "ip-answers": z.strictObject({ wait: z.literal("ip-answers"), ...waitId, timeout: Seconds.optional() }),
  /** The node holds the service IP, /data and nfs-server. */
  serving: z.strictObject({ wait: z.literal("serving"), ...waitId, node: Node, timeout: Seconds.optional() }),
  /** DRBD on the node is not Connected. */
  "drbd-disconnected": z.strictObject({
    wait: z.literal("drbd-disconnected"),
    ...waitId,
    node: Node,
    timeout: Seconds.optional(),
  }),
  /** Both nodes Connected, UpToDate/UpToDate. */
  "drbd-synced": z.strictObject({ wait: z.literal("drbd-synced"), ...waitId, timeout: Seconds.optional() }),
  /** Every client stream wrote again after the mark. */
  "client-writes": z.strictObject({
    wait: z.literal("client-writes"),
    ...waitId,
    timeout: Seconds.optional(),
  }),
} as const;

const common = { id: Id, title: z.string().min(1).optional() };
const CHECK = {
  /** The bond's active slave on the node. */
  "bond-slave": z.strictObject({ check: z.literal("bond-slave"), ...common, node: Node, slave: Nic }),
  /** The largest pause between records of any stream since the mark stays below max seconds. */
  "client-gap": z.strictObject({ check: z.literal("client-gap"), ...common, max: Seconds }),
  /** No write, lock or other error on any client process, and none in the client's kernel log. */
  "client-errors": z.strictObject({ check: z.literal("client-errors"), ...common }),
  /** The node serves (IP, /data, nfs-server), or with serving: false, holds no service IP. */
  serving: z.strictObject({
    check: z.literal("serving"),
    ...common,
    node: Node,
    serving: z.boolean().optional(),
  }),
  /** DRBD's role on the node. */
  "drbd-role": z.strictObject({
    check: z.literal("drbd-role"),
    ...common,
    node: Node,
    role: z.enum(["Primary", "Secondary"]),
  }),
  /**
   * Each client stream writes again after the mark: seconds from the mark and from the IP answering; a
   * target (seconds after the IP answered) makes it a pass/fail figure.
   */
  "client-resume": z.strictObject({
    check: z.literal("client-resume"),
    ...common,
    target: Seconds.optional(),
  }),
  /** On every mount a new file is created and a new POSIX lock taken, timed from the IP answering. */
  "new-open-lock": z.strictObject({
    check: z.literal("new-open-lock"),
    ...common,
    target: Seconds.optional(),
    timeout: Seconds.optional(),
  }),
  /** The locks held since before the faults are still held: the other mount's process cannot take them. */
  "locks-held": z.strictObject({ check: z.literal("locks-held"), ...common }),
  /** The file written before the faults reads back with its checksum. */
  checksum: z.strictObject({ check: z.literal("checksum"), ...common }),
  /** The node rejoined and resynced from the bitmaps (less than a quarter of the device), no split brain. */
  "partial-resync": z.strictObject({ check: z.literal("partial-resync"), ...common, node: Node }),
  /** Neither node's kernel log shows a DRBD split brain. */
  "no-split-brain": z.strictObject({ check: z.literal("no-split-brain"), ...common }),
  /** The takeover's steps picked out of the node's journal since the mark (a note and a capture). */
  "takeover-steps": z.strictObject({ check: z.literal("takeover-steps"), ...common, node: Node }),
  /** NFSv4 lease and grace and NLM's grace in force on the node (a figure). */
  "nfs-times": z.strictObject({ check: z.literal("nfs-times"), ...common, node: Node }),
  /** Any shell command: passes when rc is 0 and, if given, its output matches the regular expression. */
  command: z.strictObject({
    check: z.literal("command"),
    ...common,
    title: z.string().min(1),
    on: Where,
    command: z.string().min(1),
    expect: z.string().min(1).optional(),
    timeout: Seconds.optional(),
  }),
} as const;

const Steps = {
  do: DO,
  wait: WAIT,
  check: CHECK,
  sleep: { sleep: z.strictObject({ sleep: Seconds }) },
  /** Later steps' times count from here (the fault's moment). */
  mark: { mark: z.strictObject({ mark: Id }) },
} as const;
type ActionKey = keyof typeof Steps;
const ACTIONS = Object.keys(Steps) as ActionKey[];

type Out<T> = { [K in keyof T]: T[K] extends z.ZodType ? z.output<T[K]> : never }[keyof T];
export type DoStep = Out<typeof DO>;
export type WaitStep = Out<typeof WAIT>;
export type CheckStep = Out<typeof CHECK>;
export type Step = DoStep | WaitStep | CheckStep | { sleep: number } | { mark: string };
export type NodeRef = z.output<typeof Node>;
export type WhereRef = z.output<typeof Where>;

export interface Scenario {
  file: string;
  name: string;
  about?: string;
  /** A command on the active node that must succeed, else the scenario is skipped (a piece not there yet). */
  requires?: string;
  steps: Step[];
  /** Each step's line in the file, for the report. */
  lines: number[];
  /** Steps run after the steps, also when one failed: they put the cluster back for the next scenario. */
  finally: Step[];
  finallyLines: number[];
}

const Head = z.strictObject({
  name: z.string().min(1),
  about: z.string().optional(),
  requires: z.string().min(1).optional(),
  steps: z.array(z.unknown()).min(1),
  finally: z.array(z.unknown()).optional(),
});

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; errors: AnswerError[] };

export function formatScenarioErrors(errors: AnswerError[]): string {
  return errors.map(formatAnswerError).join("\n");
}

export function loadScenarioText(text: string, file: string): ScenarioResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, version: "1.2" });
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    return {
      ok: false,
      errors: yamlProblems.map((e) => ({
        file,
        ...(e.linePos?.[0] ?? { line: 1, col: 1 }),
        path: "",
        message: (e.message.split("\n")[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ""),
      })),
    };
  }
  const errors: AnswerError[] = [];
  const at = (issue: ReturnType<typeof fromZodIssue>[number]) => {
    errors.push({
      file,
      ...locate(doc, lc, issue.path, issue.anchor),
      path: formatPath(issue.path),
      message: issue.message,
    });
  };
  const head = Head.safeParse(doc.toJS(), { error: answerErrorMap, reportInput: true });
  if (!head.success) {
    head.error.issues.flatMap(fromZodIssue).forEach(at);
    return { ok: false, errors };
  }
  const parseSteps = (list: unknown[], key: "steps" | "finally") => {
    const steps: Step[] = [];
    const lines: number[] = [];
    list.forEach((raw, i) => {
      const where = [key, i];
      const line = locate(doc, lc, where, "value").line;
      const keys = raw && typeof raw === "object" && !Array.isArray(raw) ? Object.keys(raw) : [];
      const actions = ACTIONS.filter((k) => keys.includes(k));
      if (actions.length !== 1) {
        at({
          path: where,
          anchor: "value",
          message:
            actions.length === 0
              ? `a step is a mapping with one of the keys ${ACTIONS.join(", ")}`
              : `a step has one action; this one has ${actions.map(quotedKey).join(" and ")}`,
        });
        return;
      }
      const action = actions[0] as ActionKey;
      const kinds = Steps[action] as Record<string, z.ZodType>;
      const kind = (raw as Record<string, unknown>)[action];
      const schema =
        action === "sleep" || action === "mark"
          ? kinds[action]
          : typeof kind === "string" && Object.hasOwn(kinds, kind)
            ? kinds[kind]
            : undefined;
      if (!schema) {
        at({
          path: [...where, action],
          anchor: "value",
          message: `unknown ${action} ${JSON.stringify(kind)}; allowed: ${Object.keys(kinds).join(", ")}`,
        });
        return;
      }
      const r = schema.safeParse(raw, { error: answerErrorMap, reportInput: true });
      if (!r.success) {
        r.error.issues
          .flatMap(fromZodIssue)
          .forEach((issue) => at({ ...issue, path: [...where, ...issue.path] }));
        return;
      }
      steps.push(r.data as Step);
      lines.push(line);
    });
    return { steps, lines };
  };
  const { steps, lines } = parseSteps(head.data.steps, "steps");
  const fin = parseSteps(head.data.finally ?? [], "finally");

  // Check ids name report rows: one row per id in a scenario.
  const seen = new Map<string, number>();
  steps.forEach((s, i) => {
    if (!("check" in s)) return;
    const first = seen.get(s.id);
    if (first !== undefined)
      errors.push({
        file,
        line: lines[i] ?? 1,
        col: 1,
        path: formatPath(["steps", i, "id"]),
        message: `check id '${s.id}' is already used on line ${lines[first] ?? "?"}; every check needs its own id`,
      });
    else seen.set(s.id, i);
  });
  if (errors.length > 0)
    return { ok: false, errors: errors.sort((a, b) => a.line - b.line || a.col - b.col) };
  return {
    ok: true,
    scenario: {
      file,
      name: head.data.name,
      about: head.data.about,
      requires: head.data.requires,
      steps,
      lines,
      finally: fin.steps,
      finallyLines: fin.lines,
    },
  };
}

export function loadScenarioFile(file: string): ScenarioResult {
  return loadScenarioText(readFileSync(file, "utf8"), file);
}
