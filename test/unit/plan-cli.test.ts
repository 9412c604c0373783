// `pairboot plan` as a user runs it on recorded hardware: the plan on stdout, or exit 1 with a message that
// names every disk seen.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

// The seed answer as a user first has it: without the shared secrets an install generates.
const dir = mkdtempSync(join(tmpdir(), "pb-plan-cli-"));
const answer = join(dir, "seed.yaml");
const doc = parse(readFileSync("examples/seed.yaml", "utf8")) as Record<string, Record<string, unknown>>;
delete doc.drbd?.shared_secret;
delete doc.heartbeat?.authkey;
writeFileSync(answer, stringify(doc));
// A stand-in for the root filesystem to install: plan reads only its os-release (the release to render for).
const source = join(dir, "rootfs");
mkdirSync(join(source, "usr/lib"), { recursive: true });
writeFileSync(join(source, "usr/lib/os-release"), "VERSION_CODENAME=trixie\n");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) =>
  execa("node_modules/.bin/tsx", ["src/cli/main.ts", "plan", answer, ...args], { reject: false });

describe("pairboot plan", () => {
  it("prints the disk and why, the layout, and every step with its commands", async () => {
    const r = await run(
      "--node",
      "node-a",
      "--hardware",
      "test/fixtures/hardware/node-a.json",
      "--source",
      source,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Disk: \/dev\/sda \(20480 MiB\)$/m);
    expect(r.stdout).toMatch(/chosen because: .*boot medium\) skipped/);
    expect(r.stdout).toMatch(/\/dev\/sda4 +pairboot-data/);
    expect(r.stdout).toMatch(/\[2\/\d+\] partition: .*\(DESTROYS DATA\)/);
    expect(r.stdout).toContain("$ wipefs -a /dev/sda");
    // Shared secrets are not in the seed file yet: plan says so and shows only sizes.
    expect(r.stdout).toMatch(/write \/etc\/ha\.d\/authkeys \(mode 0600\):\n {4}\| <secret, \d+ bytes>/);
    expect(r.stdout).toMatch(/install generates them/);
    expect(readFileSync(answer, "utf8")).toBe(stringify(doc)); // plan writes nothing
  });

  it("--json gives the same plan as data, secrets replaced", async () => {
    const r = await run("--node", "node-a", "--hardware", "test/fixtures/hardware/node-a.json", "--json");
    expect(r.exitCode, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      disk: { path: string };
      steps: { id: string; files: { path: string; content: string }[] }[];
    };
    expect(plan.disk.path).toBe("/dev/sda");
    const files = plan.steps.flatMap((s) => s.files);
    expect(files.find((f) => f.path === "/etc/ha.d/authkeys")?.content).toMatch(/^<secret, \d+ bytes>$/);
  });

  it("exits 1 naming the candidates when the selector matches two disks", async () => {
    const r = await run("--node", "node-a", "--hardware", "test/fixtures/hardware/two-equal-disks.json");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/matches 2 disks \(\/dev\/sda, \/dev\/sdb\)/);
    expect(r.stderr).toMatch(/\/dev\/sdc .*boot medium/);
  });

  it("exits 1 when the only fitting disk is too small", async () => {
    const r = await run("--node", "node-a", "--hardware", "test/fixtures/hardware/too-small.json");
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot plan node-a/);
  });
});

describe("pairboot plan on recorded facts holding hostile hardware text (L8)", () => {
  // As an old recording or a planted file might have it: raw control characters, never made safe.
  const facts = JSON.parse(readFileSync("test/fixtures/hardware/node-a.json", "utf8")) as {
    disks: { path: string; model: string | null; serial: string | null }[];
    dmi: { serial: string | null };
  };
  const sda = facts.disks.find((d) => d.path === "/dev/sda");
  if (sda) {
    sda.model = "QEMU HARDDISK`reboot`\n\x1b]0;PWNED\x07";
    sda.serial = "QM0\x1b[2J0001";
  }
  facts.dmi.serial = "SER\nIAL\x1b[31m";
  const file = join(dir, "hostile-facts.json");
  writeFileSync(file, JSON.stringify(facts));

  it("the model's selector still picks the disk, and the model is shown with '?' for every escape and newline", async () => {
    const r = await run("--node", "node-a", "--hardware", file, "--source", source);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('model "QEMU HARDDISK`reboot`??]0;PWNED?" matches "QEMU HARDDISK*"');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout + r.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(r.stdout).not.toMatch(/^\]0;PWNED/m);
  });
});
