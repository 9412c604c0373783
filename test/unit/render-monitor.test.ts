// The service monitor's decision, as a table: decide() in TypeScript and the rendered script's own shell
// (`pairboot-monitor decide ...`, generated from the same rows) must give the same answer for every case.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSpecWithSecrets } from "../support/ha-spec.js";
import { renderGroupMonitor } from "../../src/render/heartbeat.js";
import {
  decide,
  DEFAULT_MONITOR,
  HEALTHY,
  MONITOR_RULES,
  restorePlan,
  type Action,
  type Check,
  type MonitorBounds,
  type MonitorState,
  type RestoreStep,
} from "../../src/render/monitor.js";

const SEED = new URL("../../examples/seed.yaml", import.meta.url).pathname;
const B: MonitorBounds = { intervalS: 5, restores: 3, windowS: 60 };
const st = (since: number | null, restores: number, failoverAt: number | null): MonitorState => ({
  since,
  restores,
  failoverAt,
});

interface Case {
  name: string;
  failed: Check[];
  state: MonitorState;
  now: number;
  bounds?: MonitorBounds;
  action: Action;
  next: MonitorState;
}

const CASES: Case[] = [
  { name: "healthy stays ok", failed: [], state: HEALTHY, now: 1000, action: "ok", next: HEALTHY },
  {
    name: "healthy after an incident: recovered, counters cleared",
    failed: [],
    state: st(990, 2, null),
    now: 1000,
    action: "recovered",
    next: HEALTHY,
  },
  {
    name: "healthy while a hand-over is pending: recovered",
    failed: [],
    state: st(1000, 3, 1015),
    now: 1020,
    action: "recovered",
    next: HEALTHY,
  },
  {
    name: "first failure: restore 1, the incident starts now",
    failed: ["nfsd"],
    state: HEALTHY,
    now: 1000,
    action: "restore",
    next: st(1000, 1, null),
  },
  {
    name: "second failure within the window: restore 2",
    failed: ["nfsd"],
    state: st(1000, 1, null),
    now: 1005,
    action: "restore",
    next: st(1000, 2, null),
  },
  {
    name: "one second before the window ends: still a restore",
    failed: ["mount", "nfsd"],
    state: st(1000, 1, null),
    now: 1059,
    action: "restore",
    next: st(1000, 2, null),
  },
  {
    name: "restores used up: fail over",
    failed: ["nfsd"],
    state: st(1000, 3, null),
    now: 1015,
    action: "failover",
    next: st(1000, 3, 1015),
  },
  {
    name: "window passed with restores left: fail over",
    failed: ["exports"],
    state: st(1000, 1, null),
    now: 1060,
    action: "failover",
    next: st(1000, 1, 1060),
  },
  {
    name: "hand-over pending: wait, nothing changes",
    failed: ["nfsd"],
    state: st(1000, 3, 1015),
    now: 1074,
    action: "wait",
    next: st(1000, 3, 1015),
  },
  {
    name: "the peer did not take over within a window: a new incident, restore 1",
    failed: ["nfsd"],
    state: st(1000, 3, 1015),
    now: 1075,
    action: "restore",
    next: st(1075, 1, null),
  },
  {
    name: "a bound of one restore: the second failure fails over",
    failed: ["nfsd"],
    state: st(1000, 1, null),
    now: 1002,
    bounds: { ...B, restores: 1 },
    action: "failover",
    next: st(1000, 1, 1002),
  },
];

const PLANS: [Check[], RestoreStep[]][] = [
  [[], []],
  [["exports"], ["exports"]],
  [["nfsd"], ["nfsd", "exports"]],
  [
    ["nfsd", "exports"],
    ["nfsd", "exports"],
  ],
  [["mount"], ["mount", "nfsstate", "nfsd", "exports"]],
  [
    ["mount", "nfsd", "exports"],
    ["mount", "nfsstate", "nfsd", "exports"],
  ],
];

const dir = mkdtempSync(join(tmpdir(), "pb-monitor-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function script(bounds: MonitorBounds): Promise<string> {
  const spec = await loadSpecWithSecrets(SEED);
  const file = join(dir, `monitor-${bounds.restores}-${bounds.windowS}`);
  writeFileSync(file, renderGroupMonitor(spec, bounds).content, { mode: 0o755 });
  return file;
}

function shellDecide(file: string, c: Case): { action: string; next: MonitorState } {
  const s = c.state;
  const out = execFileSync("sh", [
    file,
    "decide",
    c.failed.join(" "),
    s.since === null ? "" : String(s.since),
    String(s.restores),
    s.failoverAt === null ? "" : String(s.failoverAt),
    String(c.now),
  ]).toString();
  const m = /^(\w+) since=(\d*) restores=(\d+) failover_at=(\d*)$/.exec(out.trim());
  if (!m) throw new Error(`unexpected output of decide: ${out}`);
  const num = (x: string | undefined) => (x ? Number(x) : null);
  return {
    action: m[1] as string,
    next: { since: num(m[2]), restores: Number(m[3]), failoverAt: num(m[4]) },
  };
}

describe("pairboot-monitor's decision table", () => {
  it.each(CASES)("TypeScript: $name -> $action", (c) => {
    const r = decide(c.failed, c.state, c.now, c.bounds ?? B);
    expect(r.action).toBe(c.action);
    expect(r.state).toEqual(c.next);
  });

  it.each(CASES)("the rendered shell: $name -> $action", async (c) => {
    const r = shellDecide(await script(c.bounds ?? B), c);
    expect(r.action).toBe(c.action);
    expect(r.next).toEqual(c.next);
  });

  it("the cases reach every row of the table", () => {
    const hit = new Set(CASES.map((c) => decide(c.failed, c.state, c.now, c.bounds ?? B).rule));
    expect(MONITOR_RULES.filter((r) => !hit.has(r)).map((r) => r.why)).toEqual([]);
  });

  it.each(PLANS)(
    "restores for failed [%s]: %s, in TypeScript and in the rendered shell",
    async (failed, steps) => {
      expect(restorePlan(failed)).toEqual(steps);
      const out = execFileSync("sh", [await script(B), "plan", failed.join(" ")]).toString();
      expect(out.split("\n").filter(Boolean)).toEqual(steps);
    },
  );

  it("defaults: a few restores inside a window that leaves time for each, checked every few seconds", () => {
    expect(DEFAULT_MONITOR).toEqual({ intervalS: 5, restores: 3, windowS: 60 });
    expect(DEFAULT_MONITOR.restores * DEFAULT_MONITOR.intervalS).toBeLessThan(DEFAULT_MONITOR.windowS);
  });
});
