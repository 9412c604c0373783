// `pairboot iso embed --answer` puts the cluster's secrets into an ISO file: that file is 0600 from its
// first byte, and the command says what it holds. Runs xorriso on a tiny ISO it makes itself.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";

const haveXorriso =
  (await execa("xorriso", ["-version"], { reject: false }).catch(() => null))?.exitCode === 0;
const dir = mkdtempSync(join(tmpdir(), "pb-iso-mode-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveXorriso)("pairboot iso embed", () => {
  it("writes an ISO holding the answer as mode 0600 under umask 022 and says it holds the secrets", async () => {
    mkdirSync(join(dir, "tree"));
    writeFileSync(join(dir, "tree/readme"), "a tiny image\n");
    const input = join(dir, "in.iso");
    await execa("xorriso", ["-outdev", input, "-map", join(dir, "tree"), "/", "-commit"]);
    const answer = join(dir, "answer.yaml");
    writeFileSync(answer, readFileSync("examples/seed.yaml"));
    const output = join(dir, "out.iso");
    const r = await execa(
      "sh",
      [
        "-c",
        'umask 022 && exec node_modules/.bin/tsx src/cli/main.ts iso embed --answer "$1" "$2" "$3"',
        "-",
        answer,
        input,
        output,
      ],
      { reject: false },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect((statSync(output).mode & 0o777).toString(8)).toBe("600");
    expect(r.stdout).toContain(`${output} holds the cluster's secrets`);
    expect(r.stdout).toContain("it is mode 0600");
  });
});
