// writePrivateFile, the one way an answer with secrets is saved (render, install, iso embed, the wizard):
// a link planted next to the answer must not make root write or chmod another file.
import { lstat, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writePrivateFile } from "../../src/answer/secrets.js";

let dir: string;
let victim: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pairboot-private-"));
  victim = join(dir, "victim");
  await writeFile(victim, "victim original\n", { mode: 0o644 });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writePrivateFile", () => {
  it("a planted FILE.pairboot-tmp symlink leaves its target's content and mode alone", async () => {
    const answer = join(dir, "answer.yaml");
    await symlink(victim, `${answer}.pairboot-tmp`);
    await writePrivateFile(answer, "secret: yes\n");
    expect(await readFile(victim, "utf8")).toBe("victim original\n");
    expect((await stat(victim)).mode & 0o777).toBe(0o644);
    expect(await readFile(answer, "utf8")).toBe("secret: yes\n");
    const st = await lstat(answer);
    expect([st.isFile(), st.mode & 0o777]).toEqual([true, 0o600]);
  });

  it("replaces a symlink at the answer's own path instead of writing through it", async () => {
    const answer = join(dir, "answer.yaml");
    await symlink(victim, answer);
    await writePrivateFile(answer, "secret: yes\n");
    expect(await readFile(victim, "utf8")).toBe("victim original\n");
    expect((await lstat(answer)).isFile()).toBe(true);
  });

  it("leaves no temporary file behind, and none when the write fails", async () => {
    const answer = join(dir, "answer.yaml");
    await writePrivateFile(answer, "a: 1\n");
    await expect(writePrivateFile(join(dir, "missing-dir", "answer.yaml"), "a: 1\n")).rejects.toThrow(
      /cannot write .*missing-dir\/answer\.yaml: ENOENT/,
    );
    expect((await readdir(dir)).sort()).toEqual(["answer.yaml", "victim"]);
  });
});
