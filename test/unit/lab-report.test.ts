// The lab's report table stays a table whatever the checks say: titles such as "|offset| < 50 ms" and
// details with "|" in them must not open new columns.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Report } from "../lab/report.js";

/** The cells of a Markdown table row, split at "|" that is not escaped. */
function cells(row: string): string[] {
  return row
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe("the lab report", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps five columns in every check row, with the pipes of the text escaped", () => {
    dir = mkdtempSync(join(tmpdir(), "pb-report-"));
    const r = new Report();
    const log = console.log;
    console.log = () => undefined;
    try {
      r.check("clock", "clock in sync (|offset| < 50 ms)", true, "offset 0.8 ms");
      r.check("status", "pairboot status", false, "[ OK ] drbd | [FAIL] nfs\nsecond line", 1.5);
    } finally {
      console.log = log;
    }
    r.write(join(dir, "r.md"), join(dir, "r.json"), { totalSeconds: 3 });
    const rows = readFileSync(join(dir, "r.md"), "utf8")
      .split("\n")
      .filter((l) => /^\| \d+ \|/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(cells(row)).toHaveLength(5);
    expect(cells(rows[0] as string)[1]).toBe("clock in sync (\\|offset\\| < 50 ms) (clock)");
    expect(cells(rows[1] as string).slice(2)).toEqual([
      "FAIL",
      "1.5 s",
      "[ OK ] drbd \\| [FAIL] nfs second line",
    ]);
    const json = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as { ok: boolean };
    expect(json.ok).toBe(false);
  });
});
