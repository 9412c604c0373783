#!/usr/bin/env node
// Runs the compiled CLI when it exists (the live image ships a bundle), else the TypeScript source via tsx.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const built = `${here}../dist/src/cli/main.js`;
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(`${here}../src/cli/main.ts`).href);
}
