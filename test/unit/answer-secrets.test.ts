// Shared secrets: generated once into the answer file itself, with the user's comments and layout kept.
import { mkdtemp, readFile, rm, stat, writeFile, copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AnswerFileError, ensureSecrets, requireSecrets } from "../../src/answer/secrets.js";
import { loadAnswerFile } from "../../src/answer/load.js";

const root = join(import.meta.dirname, "../..");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pairboot-secrets-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function copyExample(name: string): Promise<string> {
  const target = join(dir, name);
  await copyFile(join(root, "examples", name), target);
  return target;
}

describe("ensureSecrets", () => {
  it("generates both secrets, writes them into the file and makes it readable by root only", async () => {
    const file = await copyExample("seed.yaml");
    const { spec, generated } = await ensureSecrets(file);
    expect(generated).toEqual(["drbd.shared_secret", "heartbeat.authkey"]);
    expect(spec.drbd.shared_secret).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(spec.heartbeat.authkey).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(spec.drbd.shared_secret).not.toBe(spec.heartbeat.authkey);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const reread = await loadAnswerFile(file);
    expect(reread.ok && reread.spec.drbd.shared_secret).toBe(spec.drbd.shared_secret);
    expect(reread.ok && reread.spec.heartbeat.authkey).toBe(spec.heartbeat.authkey);
  });

  it("keeps every line of the original file, comments included, and adds only the two secrets", async () => {
    const file = await copyExample("seed.yaml");
    const before = (await readFile(file, "utf8")).split("\n");
    await ensureSecrets(file);
    const after = (await readFile(file, "utf8")).split("\n");
    const added = after.filter((line) => !before.includes(line));
    expect(added).toHaveLength(2);
    expect(added.some((l) => /^ {2}shared_secret: "[A-Za-z0-9_-]+"$/.test(l))).toBe(true);
    expect(added.some((l) => /^ {2}authkey: "[A-Za-z0-9_-]+"$/.test(l))).toBe(true);
    expect(after.filter((line) => before.includes(line))).toEqual(before);
  });

  it("changes nothing when run again", async () => {
    const file = await copyExample("seed.yaml");
    const first = await ensureSecrets(file);
    const text = await readFile(file, "utf8");
    const second = await ensureSecrets(file);
    expect(second.generated).toEqual([]);
    expect(await readFile(file, "utf8")).toBe(text);
    expect(second.spec.drbd.shared_secret).toBe(first.spec.drbd.shared_secret);
    expect(second.spec.heartbeat.authkey).toBe(first.spec.heartbeat.authkey);
  });

  it("adds only the missing secret, to a flow mapping and to a section the file did not have", async () => {
    const file = join(dir, "flow.yaml");
    const seed = await readFile(join(root, "examples/seed.yaml"), "utf8");
    const text = seed
      .replace(
        /^drbd:\n( {2}.*\n)+/m,
        'drbd: { resource: r0, shared_secret: "given-by-the-admin-0123456789" }\n',
      )
      .replace(/^heartbeat:\n( {2}.*\n)+/m, "");
    await writeFile(file, text);
    const { spec, generated } = await ensureSecrets(file);
    expect(generated).toEqual(["heartbeat.authkey"]);
    expect(spec.drbd.shared_secret).toBe("given-by-the-admin-0123456789");
    const after = await readFile(file, "utf8");
    expect(after.startsWith(text)).toBe(true);
    expect(after.slice(text.length)).toMatch(/^heartbeat:\n {2}authkey: "[A-Za-z0-9_-]+"\n$/);
  });

  it("keeps Windows line endings intact", async () => {
    const file = join(dir, "crlf.yaml");
    const text = (await readFile(join(root, "examples/seed.yaml"), "utf8")).replaceAll("\n", "\r\n");
    await writeFile(file, text);
    await ensureSecrets(file);
    const after = await readFile(file, "utf8");
    expect(after.split("\r\n").length - 1).toBe(text.split("\r\n").length - 1 + 2);
    expect(after.replaceAll("\r\n", "")).not.toContain("\n");
  });

  it("never prints a secret", async () => {
    const file = await copyExample("lacp-eno.yaml");
    const out = vi.spyOn(process.stdout, "write");
    const err = vi.spyOn(process.stderr, "write");
    const log = vi.spyOn(console, "log");
    const { spec } = await ensureSecrets(file);
    const printed = [...out.mock.calls, ...err.mock.calls, ...log.mock.calls].flat().map(String).join("\n");
    vi.restoreAllMocks();
    expect(printed).not.toContain(spec.drbd.shared_secret);
    expect(printed).not.toContain(spec.heartbeat.authkey);
  });

  it("refuses an invalid file with its errors and leaves it untouched", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, "version: 2\n");
    await expect(ensureSecrets(file)).rejects.toBeInstanceOf(AnswerFileError);
    await expect(ensureSecrets(file)).rejects.toThrow(/bad\.yaml:1:10: version: expected 1/);
    expect(await readFile(file, "utf8")).toBe("version: 2\n");
  });
});

describe("requireSecrets", () => {
  it("names every missing secret", async () => {
    const loaded = await loadAnswerFile(join(root, "examples/seed.yaml"));
    if (!loaded.ok) throw new Error("seed.yaml must load");
    expect(() => requireSecrets(loaded.spec)).toThrow(/drbd\.shared_secret and heartbeat\.authkey/);
  });

  it("returns both secrets once they exist", async () => {
    const file = await copyExample("seed.yaml");
    const { spec } = await ensureSecrets(file);
    expect(requireSecrets(spec)).toEqual({
      sharedSecret: spec.drbd.shared_secret,
      authkey: spec.heartbeat.authkey,
    });
  });
});
