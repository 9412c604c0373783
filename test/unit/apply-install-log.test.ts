// runInstall on a plan made for the test (a temporary target directory, real bash, no disk): what the
// install log and the failure message hold when commands carry or print a secret, and where the step's
// files land when the target holds a symlink leading out of it.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InstallFailed, runInstall, type InstallOptions } from "../../src/apply/engine.js";
import { newState } from "../../src/apply/state.js";
import { shq } from "../../src/plan/chroot.js";
import type { NodePlan, PlanStep } from "../../src/plan/types.js";

// Past the answer schema on purpose: the log must not rely on the hash's character set.
const HASH = "$6$x'y;reboot;'$0123456789abcdefghijklmnopqrstuvwxyzABCD";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pairboot-install-log-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function install(steps: PlanStep[]): Promise<{ error: unknown; log: string; logPath: string }> {
  const target = join(dir, "target");
  await mkdir(target, { recursive: true });
  const plan: NodePlan = {
    node: "node-a",
    disk: { path: "/dev/null", sizeBytes: 0, why: "test" },
    layout: { label: "gpt", partitions: [], sfdiskScript: "" },
    target,
    source: { kind: "dir", path: dir },
    logPath: join(dir, "log", "install-node-a.log"),
    steps,
    secrets: [HASH],
  };
  const prep = { plan, mode: "fresh" as const, startAt: 0, state: newState(plan), notes: [] };
  const error = await runInstall(prep, {} as InstallOptions).then(
    () => null,
    (e: unknown) => e,
  );
  return { error, log: await readFile(plan.logPath, "utf8"), logPath: plan.logPath };
}

const step = (id: string, s: Partial<PlanStep>): PlanStep => ({
  id,
  title: id,
  commands: [],
  files: [],
  destructive: false,
  ...s,
});

describe("the install log", () => {
  it("never holds a password hash with a quote: not from stdin, a quoted argument, or a tool that prints it", async () => {
    const { error, log, logPath } = await install([
      step("users", {
        commands: [
          { argv: ["cat"], stdin: { text: `root:${HASH}\n`, secret: true } },
          `echo ${shq(HASH)}`,
          `printf '%s\\n' ${shq(HASH)} >&2; exit 3`,
        ],
      }),
    ]);
    expect(error).toBeInstanceOf(InstallFailed);
    const message = (error as Error).message;
    for (const text of [log, message]) {
      expect(text).not.toContain("reboot");
      expect(text).not.toContain("$6$x");
    }
    expect(log).toMatch(/\$ cat\n.*\(stdin: <secret, \d+ bytes>\)/);
    expect(log).toMatch(/ {2}root:<secret, \d+ bytes>/);
    expect(message).toMatch(/command: printf '%s\\n' '<secret, \d+ bytes>' >&2; exit 3/);
    expect(((await stat(logPath)).mode & 0o777).toString(8)).toBe("640");
    expect(((await stat(join(dir, "log"))).mode & 0o777).toString(8)).toBe("750");
  });

  it("writes a step's files inside the target even when the target's /etc links outside it", async () => {
    const outside = join(dir, "outside");
    await mkdir(join(outside, "etc"), { recursive: true });
    await writeFile(join(outside, "etc/hostname"), "the live system\n");
    await mkdir(join(dir, "target"));
    await symlink(join(outside, "etc"), join(dir, "target/etc"));
    const list = () =>
      execFileSync(
        "sh",
        ["-c", `cd "$1" && find . -printf '%y %m %p\\n' && cat etc/hostname`, "-", outside],
        { encoding: "utf8" },
      );
    const before = list();
    const { error } = await install([
      step("write-files", { files: [{ path: "/etc/hostname", content: "node-a\n", mode: 0o644 }] }),
    ]);
    expect(error).toBeNull();
    expect(list()).toBe(before);
    expect(await readFile(join(dir, "target", outside, "etc/hostname"), "utf8")).toBe("node-a\n");
  });
});
