// `pairboot validate` and `pairboot schema` as a user runs them: the real binary, its exit code and output.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadAnswerText } from "../../src/answer/load.js";
import { summarize } from "../../src/cli/validate.js";
import { NO_FENCING_RISK } from "../../src/answer/fencing.js";

const root = join(import.meta.dirname, "../..");
const run = promisify(execFile);

async function pairboot(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("node", ["bin/pairboot.js", ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe("pairboot validate", () => {
  it("prints one summary line for a valid file and exits 0", async () => {
    const result = await pairboot("validate", "examples/seed.yaml", "examples/lacp-eno.yaml");
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.split("\n")).toEqual([
      "examples/seed.yaml: valid: cluster nfs1, nodes node-a + node-b, service 192.168.42.42/24, 1 export; secrets will be generated on first use",
      `examples/seed.yaml: no fencing: ${NO_FENCING_RISK}`,
      "examples/lacp-eno.yaml: valid: cluster files, nodes files-a + files-b, service 10.20.0.10/22, 2 exports; secrets will be generated on first use",
      `examples/lacp-eno.yaml: no fencing: ${NO_FENCING_RISK}`,
      "",
    ]);
  });

  it("prints every problem as FILE:LINE:COL: path: message on stderr and exits 1", async () => {
    const file = "test/fixtures/answers/bad/cross-nic-names-differ.yaml";
    const expected = readFileSync(join(root, file.replace(/\.yaml$/, ".expected")), "utf8").replaceAll(
      "cross-nic-names-differ.yaml:",
      `${file}:`,
    );
    const result = await pairboot("validate", file);
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: expected });
  });

  it("says plainly when the file does not exist", async () => {
    const result = await pairboot("validate", "no/such/answers.yaml");
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: "no/such/answers.yaml: no such file\n" });
  });

  it.runIf(existsSync("/usr/share/zoneinfo"))(
    "warns at the value's line:col about a zone and locale this machine does not know, and still exits 0",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "pairboot-validate-"));
      try {
        const file = join(dir, "mars.yaml");
        const seed = readFileSync(join(root, "examples/seed.yaml"), "utf8");
        writeFileSync(
          file,
          seed
            .replace("lang: C.UTF-8", "lang: xx_YY.UTF-8")
            .replace("timezone: Etc/UTC", "timezone: Mars/Olympus"),
        );
        const result = await pairboot("validate", file);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/: valid: cluster nfs1/);
        expect(result.stderr.split("\n")).toEqual([
          `${file}:69:9: locale.lang: warning: expected a locale listed in /usr/share/i18n/SUPPORTED, or C.UTF-8, got "xx_YY.UTF-8"; this machine does not know it (the release pairboot installs may)`,
          `${file}:70:13: locale.timezone: warning: expected a time zone tzdata knows (a file under /usr/share/zoneinfo), got "Mars/Olympus"; this machine does not know it (the release pairboot installs may)`,
          "",
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("explains its use with --help and when no file is given", async () => {
    const help = await pairboot("validate", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: pairboot validate FILE/);
    const none = await pairboot("validate");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no answer file given/);
  });
});

describe("pairboot schema", () => {
  it("prints the committed JSON Schema", async () => {
    const result = await pairboot("schema");
    expect(result.code).toBe(0);
    const committed = JSON.parse(readFileSync(join(root, "schema/pairboot-answer.schema.json"), "utf8"));
    expect(JSON.parse(result.stdout)).toEqual(committed);
  });
});

describe("the summary line", () => {
  const seed = readFileSync(join(root, "examples/seed.yaml"), "utf8");

  function summaryOf(text: string): string {
    const loaded = loadAnswerText(text, "seed.yaml");
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join("\n"));
    return summarize("seed.yaml", loaded.spec);
  }

  it("says when the secrets are already in the file", () => {
    const both = seed
      .replace("  port: 7789", '  port: 7789\n  shared_secret: "0123456789abcdef0123"')
      .replace("  auto_failback: false", '  auto_failback: false\n  authkey: "fedcba9876543210fedc"');
    expect(summaryOf(both)).toMatch(/; secrets present$/);
  });

  it("names the one secret still to be generated", () => {
    const one = seed.replace("  port: 7789", '  port: 7789\n  shared_secret: "0123456789abcdef0123"');
    expect(summaryOf(one)).toMatch(/; heartbeat\.authkey will be generated on first use$/);
  });
});
