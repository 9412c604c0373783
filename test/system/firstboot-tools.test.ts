// The first-boot script and units, checked by the tools that will run them: shellcheck for the script and
// systemd-analyze verify for the units, against the host's own drbd.service and heartbeat.service units.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ClusterSpecSchema } from "../../src/answer/schema.js";
import { FIRSTBOOT_SCRIPT, render } from "../../src/render/firstboot.js";

const work = mkdtempSync(join(tmpdir(), "pairboot-firstboot-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function writeTree(root: string, files: { path: string; content: string; mode: number }[]) {
  for (const f of files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.content, { mode: f.mode });
  }
}

// Runs systemd-analyze verify with the rendered script bind-mounted at its real path, in a private mount
// namespace so the host's /usr/local/sbin is never touched.
async function verifyUnits(root: string) {
  const units = join(root, "etc/systemd/system");
  const cmd = [
    `mount --bind ${join(root, "usr/local/sbin")} /usr/local/sbin`,
    `SYSTEMD_UNIT_PATH=${units}:/lib/systemd/system systemd-analyze verify ${units}/pairboot-firstboot-*.service`,
  ].join(" && ");
  return execa("unshare", ["-m", "--propagation", "private", "sh", "-c", cmd], { reject: false });
}

const examples = readdirSync(new URL("../../examples/", import.meta.url)).filter((f) => f.endsWith(".yaml"));

describe.each(examples)("first boot files of examples/%s", (example) => {
  const text = readFileSync(new URL(`../../examples/${example}`, import.meta.url), "utf8");
  const spec = ClusterSpecSchema.parse(parse(text));
  const root = join(work, example);
  writeTree(root, render(spec, spec.nodes[0]!).files);

  it("the script passes shellcheck", async () => {
    const r = await execa("shellcheck", ["-s", "bash", join(root, FIRSTBOOT_SCRIPT)], { reject: false });
    expect(r.stdout).toBe("");
    expect(r.exitCode).toBe(0);
  });

  it("the units pass systemd-analyze verify", async () => {
    const r = await verifyUnits(root);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
  });
});

describe("the unit check itself", () => {
  it("fails a unit whose program is missing, so a pass above means something", async () => {
    const root = join(work, "broken");
    writeTree(root, [
      { path: "/usr/local/sbin/.keep", content: "", mode: 0o644 },
      {
        path: "/etc/systemd/system/pairboot-firstboot-prepare.service",
        content: "[Service]\nType=oneshot\nExecStart=/usr/local/sbin/pairboot-firstboot prepare\n",
        mode: 0o644,
      },
    ]);
    const r = await verifyUnits(root);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain("is not executable");
  });
});
