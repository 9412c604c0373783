import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import YAML from "yaml";
import { run } from "../../src/cli/render.js";
import { renderNode } from "../../src/render/index.js";
import { outputFiles } from "../../src/render/output.js";
import { TEST_SECRETS, exampleText, seed } from "../support/fixtures.js";

const work = mkdtempSync(join(tmpdir(), "pairboot-render-cli-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The seed answer file with secrets in it, as a user would have it after the first validate. */
function answerFile(withSecrets = true): string {
  const doc = YAML.parse(exampleText("seed"));
  if (withSecrets) {
    doc.drbd.shared_secret = TEST_SECRETS.drbd;
    doc.heartbeat.authkey = TEST_SECRETS.heartbeat;
  } else {
    delete doc.drbd.shared_secret;
    delete doc.heartbeat.authkey;
  }
  const path = join(work, `answer-${withSecrets ? "full" : "nosecrets"}.yaml`);
  writeFileSync(path, YAML.stringify(doc));
  return path;
}

async function runCapturing(argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await run(argv), out };
  } finally {
    spy.mockRestore();
  }
}

describe("pairboot render", () => {
  it("writes every rendered file under DIR with its mode, plus the .pairboot metadata", async () => {
    const out = join(work, "node-b");
    const { code, out: printed } = await runCapturing([answerFile(), "--node", "node-b", "--out", out]);
    expect(code).toBe(0);
    const tree = renderNode(seed(), "node-b");
    for (const f of tree.files) {
      expect(readFileSync(join(out, f.path), "utf8")).toBe(f.content);
      expect(statSync(join(out, f.path)).mode & 0o7777).toBe(f.mode);
    }
    expect(JSON.parse(readFileSync(join(out, ".pairboot/services.json"), "utf8"))).toEqual(tree.services);
    expect(statSync(join(out, ".pairboot/chroot-commands.sh")).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(out, ".pairboot/partitions.sfdisk"), "utf8")).toMatch(/^label: gpt$/m);
    expect(printed).toContain(`rendered node-b for Debian 13 trixie: ${tree.files.length} files`);
    for (const s of tree.services.enable) expect(printed).toContain(s);
  });

  it("--release bookworm renders bookworm's files (the UTS scope drop-in); an unknown release is refused", async () => {
    const out = join(work, "bookworm");
    const { code, out: printed } = await runCapturing([
      answerFile(),
      "--node",
      "node-a",
      "--out",
      out,
      "--release",
      "bookworm",
    ]);
    expect(code).toBe(0);
    expect(printed).toContain("rendered node-a for Debian 12 bookworm:");
    expect(
      readFileSync(join(out, "etc/systemd/system/nfs-server.service.d/50-pairboot-scope.conf"), "utf8"),
    ).toBe(
      renderNode(seed(), "node-a", "bookworm").files.find((f) => f.path.endsWith("50-pairboot-scope.conf"))
        ?.content,
    );
    await expect(
      run([answerFile(), "--node", "node-a", "--out", join(work, "sid"), "--release", "sid"]),
    ).rejects.toThrow('--release: pairboot renders for Debian 12 bookworm or 13 trixie, got "sid"');
  });

  it("refuses a non-empty output directory unless --force", async () => {
    const out = join(work, "busy");
    mkdirSync(out);
    writeFileSync(join(out, "keep"), "x");
    await expect(run([answerFile(), "--node", "node-a", "--out", out])).rejects.toThrow(/not empty.*--force/);
    const { code } = await runCapturing([answerFile(), "--node", "node-a", "--out", out, "--force"]);
    expect(code).toBe(0);
    expect(readFileSync(join(out, "etc/hostname"), "utf8")).toBe("node-a\n");
    expect(readFileSync(join(out, "keep"), "utf8")).toBe("x");
  });

  it("generates missing secrets once into the answer file, so both nodes get the same, and never prints them", async () => {
    const path = answerFile(false);
    const a = await runCapturing([path, "--node", "node-a", "--out", join(work, "gen-a")]);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/generated drbd\.shared_secret and heartbeat\.authkey into /);
    const written = YAML.parse(readFileSync(path, "utf8"));
    expect(written.drbd.shared_secret).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(written.heartbeat.authkey).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(statSync(path).mode & 0o077).toBe(0);
    expect(a.out).not.toContain(written.drbd.shared_secret);
    expect(a.out).not.toContain(written.heartbeat.authkey);

    const b = await runCapturing([path, "--node", "node-b", "--out", join(work, "gen-b")]);
    expect(b.out).not.toMatch(/generated/);
    expect(YAML.parse(readFileSync(path, "utf8"))).toEqual(written);
    // Every file that carries a secret is byte-identical on the two nodes.
    const tree = renderNode(seed(), "node-a");
    const secretFiles = tree.files.filter((f) => f.secret);
    expect(secretFiles.length).toBeGreaterThan(0);
    for (const f of secretFiles) {
      expect(readFileSync(join(work, "gen-b", f.path), "utf8")).toBe(
        readFileSync(join(work, "gen-a", f.path), "utf8"),
      );
    }
  });

  it("names the nodes when the node is unknown, and shows usage for missing options", async () => {
    await expect(run([answerFile(), "--node", "node-x", "--out", join(work, "x")])).rejects.toThrow(
      /no node named 'node-x'.*node-a, node-b/,
    );
    await expect(run([answerFile(), "--node", "node-a"])).rejects.toThrow(/usage: pairboot render/);
    const { code, out } = await runCapturing(["--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^usage: pairboot render FILE --node NAME --out DIR/);
  });

  it("reports answer file errors at the line and column to change", async () => {
    const path = join(work, "bad.yaml");
    const doc = YAML.parse(readFileSync(answerFile(), "utf8"));
    doc.nodes[0].lan = "192.168.42.300/24";
    const text = YAML.stringify(doc);
    writeFileSync(path, text);
    const line = text.split("\n").findIndex((l) => l.includes("192.168.42.300")) + 1;
    const err = await run([path, "--node", "node-a", "--out", join(work, "bad")]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(new RegExp(`bad\\.yaml:${line}:\\d+: nodes\\[0\\]\\.lan: `));
  });
});

describe("output tree", () => {
  it("refuses a rendered path that could leave the output directory", () => {
    const spec = seed();
    const tree = renderNode(spec, "node-a");
    for (const bad of ["/etc/../../root/x", "etc/hostname", "/etc//x", "/etc/./x"]) {
      const broken = { ...tree, files: [{ path: bad, content: "", mode: 0o644 }] };
      expect(() => outputFiles(spec, broken)).toThrow(/unsafe path/);
    }
    expect(outputFiles(spec, tree).every((f) => !f.path.startsWith("/") && !f.path.includes(".."))).toBe(
      true,
    );
  });
});
