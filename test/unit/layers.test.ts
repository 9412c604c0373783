// The layering rule in eslint.config.js, run through ESLint itself on code that breaks it and code that
// keeps it, so a change to the config that stops enforcing it fails here.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint();

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.message.includes("the layers point down"))
    .map((m) => m.message);
}

describe("the layers of src/ point down (eslint)", () => {
  it("refuses a static import of src/cli from src/live", async () => {
    const errors = await layerErrors("src/live/example.ts", 'export { run } from "../cli/install.js";\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("src/live sits below cli");
  });

  it("refuses a dynamic import of src/cli from src/live", async () => {
    const code = 'export async function f() {\n  return import("../cli/wizard.js");\n}\n';
    expect(await layerErrors("src/live/example.ts", code)).toHaveLength(1);
  });

  it("refuses an import of a front end (src/tui) from the engine (src/apply), from a subdirectory too", async () => {
    expect(await layerErrors("src/apply/example.ts", 'import "../tui/app.js";\n')).toHaveLength(1);
    expect(await layerErrors("src/tui/model/example.ts", 'import "../../cli/main.js";\n')).toHaveLength(1);
    expect(await layerErrors("src/plan/example.ts", 'import "../apply/exec.js";\n')).toHaveLength(1);
  });

  it("refuses a sideways import between the two front ends (src/live and src/tui)", async () => {
    expect(await layerErrors("src/live/example.ts", 'import "../tui/app.js";\n')).toHaveLength(1);
  });

  it("accepts imports that point down and within a directory", async () => {
    const code = 'import "../session/install.js";\nimport "../answer/load.js";\nimport "./cmdline.js";\n';
    expect(await layerErrors("src/live/example.ts", code)).toEqual([]);
    expect(await layerErrors("src/render/example.ts", 'import "../answer/schema.js";\n')).toEqual([]);
  });
});
