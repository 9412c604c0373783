// The lab's scenario files (test/lab/scenario.ts) and the client's lock tool (test/lab/client.ts), without VMs.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatScenarioErrors, loadScenarioFile, loadScenarioText } from "../lab/scenario.js";
import { LABNFS, answeredAgain, parseNewOpenLock, resumeAfter } from "../lab/client.js";

const dir = path.resolve(import.meta.dirname, "../lab/scenarios");
const errorsOf = (text: string) => {
  const r = loadScenarioText(text, "s.yaml");
  return r.ok ? "" : formatScenarioErrors(r.errors);
};

describe("lab scenario files", () => {
  const shipped = [
    ...readdirSync(dir).filter((f) => f.endsWith(".yaml")),
    ...readdirSync(path.join(dir, "extra"))
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => `extra/${f}`),
  ];
  it.each(shipped)("shipped scenario %s is valid", (f) => {
    const r = loadScenarioFile(path.join(dir, f));
    expect(r.ok ? "" : formatScenarioErrors(r.errors)).toBe("");
  });

  it("reads steps with their lines and the finally steps", () => {
    const r = loadScenarioText(
      "name: x\nsteps:\n  - mark: cut\n  - do: power-off\n    node: active\n  - sleep: 2\nfinally:\n  - do: run\n    on: client\n    command: echo\n",
      "s.yaml",
    );
    expect(r.ok && r.scenario.steps).toEqual([
      { mark: "cut" },
      { do: "power-off", node: "active" },
      { sleep: 2 },
    ]);
    expect(r.ok && r.scenario.lines).toEqual([3, 4, 6]);
    expect(r.ok && r.scenario.finally).toEqual([{ do: "run", on: "client", command: "echo" }]);
  });

  it("names file, line and column of an unknown fault and lists the allowed ones", () => {
    expect(errorsOf("name: x\nsteps:\n  - do: explode\n    node: active\n")).toBe(
      's.yaml:3:9: steps[0].do: unknown do "explode"; allowed: link-down, link-up, power-off, power-on, run',
    );
  });

  it("names a wrong value inside a step at its own line", () => {
    expect(
      errorsOf("name: x\nsteps:\n  - sleep: 1\n  - do: link-down\n    node: node-c\n    nic: lan0\n"),
    ).toMatch(
      /^s\.yaml:5:11: steps\[1\]\.node: expected one of active, passive, node-a, node-b, got "node-c"$/,
    );
  });

  it("refuses an unknown key in a step at the key", () => {
    expect(errorsOf("name: x\nsteps:\n  - check: checksum\n    id: c1\n    colour: red\n")).toMatch(
      /^s\.yaml:5:5: steps\[0\]\.colour: unknown key 'colour'/,
    );
  });

  it("refuses a step with no action and one with two", () => {
    expect(errorsOf("name: x\nsteps:\n  - node: active\n  - sleep: 1\n    mark: m\n")).toBe(
      "s.yaml:3:5: steps[0]: a step is a mapping with one of the keys do, wait, check, sleep, mark\n" +
        "s.yaml:4:5: steps[1]: a step has one action; this one has 'sleep' and 'mark'",
    );
  });

  it("refuses a check id used twice, naming the first line", () => {
    expect(
      errorsOf("name: x\nsteps:\n  - check: checksum\n    id: c\n  - check: locks-held\n    id: c\n"),
    ).toBe("s.yaml:5:1: steps[1].id: check id 'c' is already used on line 3; every check needs its own id");
  });

  it("refuses a file without steps and a YAML syntax error, each at its place", () => {
    expect(errorsOf("name: x\n")).toMatch(/^s\.yaml:1:1: steps: missing required key 'steps'/);
    expect(errorsOf("name: x\nsteps: [\n")).toMatch(/^s\.yaml:\d+:\d+: /);
  });
});

describe("lab client figures", () => {
  it("finds the stalled write's acknowledgement after a fault", () => {
    const acked = ["1 100.0", "2 100.3", "3 100.6", "4 112.9", "5 113.2"].join("\n");
    expect(resumeAfter(acked, 100.8)).toEqual({
      stalledAt: 100.6,
      resumed: expect.closeTo(112.6, 5),
      gap: expect.closeTo(12.3, 5),
    });
  });

  it("finds when the service IP answered again in ping -D output", () => {
    const ping = [100, 100.5, 101, 110.2, 110.7]
      .map((t) => `[${t.toFixed(6)}] 64 bytes from 192.168.42.42: icmp_seq=1`)
      .join("\n");
    expect(answeredAgain(ping, 100.7)).toBeCloseTo(110.2, 5);
    expect(answeredAgain(ping.split("\n").slice(0, 3).join("\n"), 100.2)).toBeUndefined();
  });

  it("reads the new-file-and-lock probe's line", () => {
    expect(parseNewOpenLock("start 1.5 open 2.5 lock 3.25\n")).toEqual({
      ok: true,
      start: 1.5,
      open: 2.5,
      lock: 3.25,
    });
    expect(parseNewOpenLock("error open: Stale file handle\n")).toEqual({
      ok: false,
      error: "open: Stale file handle",
    });
  });
});

describe("lab client lock tool (labnfs, perl)", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), "labnfs-"));
  const tool = path.join(tmp, "labnfs");
  writeFileSync(tool, LABNFS, { mode: 0o755 });
  const env = { ...process.env, LABNFS_STATE: tmp };
  afterAll(() => {
    writeFileSync(path.join(tmp, "stop-writer"), "");
    rmSync(tmp, { recursive: true, force: true });
  });

  it("a held POSIX lock is refused to another process (HELD), a free one is granted (GOT), a new file is locked", async () => {
    const file = path.join(tmp, "a.lock");
    const holder = spawn(tool, ["hold", "a", file], { env, stdio: "ignore" });
    for (let i = 0; i < 50 && !existsSync(path.join(tmp, "held-a")); i++)
      await new Promise((r) => setTimeout(r, 100));
    const tryIt = (f: string) => {
      try {
        return execFileSync(tool, ["try", f], { env, encoding: "utf8" }).trim();
      } catch (e) {
        return String((e as { stdout: string }).stdout).trim();
      }
    };
    expect(tryIt(file)).toBe("HELD");
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    expect(tryIt(file)).toBe("GOT");
    const out = execFileSync(tool, ["new", path.join(tmp, "n1")], { env, encoding: "utf8" });
    expect(parseNewOpenLock(out)).toMatchObject({ ok: true });
  });
});
