// One esbuild bundle of the pairboot CLI for the live image: build/bundle/lib/pairboot.mjs plus blessed's
// fallback terminfo files in build/bundle/usr/ (blessed looks for them at <bundle dir>/../usr/).
//
//   npx tsx scripts/bundle.ts [--out DIR]
//
// The bundle is ESM because the CLI's entry uses top-level await. blessed is CommonJS and loads its widgets
// with require('./widgets/' + file), which a bundler cannot follow: an onLoad plugin turns that into a
// static table. CommonJS code inside an ESM bundle still calls require() for Node's built-ins, so the
// banner gives it a real one.
import { build, type Plugin } from "esbuild";
import { cp, mkdir, readFile, rm, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outArg = process.argv.indexOf("--out");
const out = resolve(outArg > 0 ? (process.argv[outArg + 1] ?? "") : join(repo, "build/bundle"));

const blessedWidgets: Plugin = {
  name: "blessed-widgets",
  setup(b) {
    b.onLoad({ filter: /blessed[\\/]lib[\\/]widget\.js$/ }, async (args) => {
      const src = await readFile(args.path, "utf8");
      const names = [...src.matchAll(/^ {2}'(\w+)',?$/gm)].map((m) => (m[1] ?? "").toLowerCase());
      if (names.length < 10) throw new Error(`blessed widget list not found in ${args.path}`);
      const table = `var __widgets = {${names.map((n) => `${JSON.stringify(n)}: () => require('./widgets/${n}.js')`).join(",")}};`;
      const dynamic = "require('./widgets/' + file)";
      if (!src.includes(dynamic)) throw new Error(`blessed's dynamic widget require changed in ${args.path}`);
      return { contents: `${table}\n${src.replace(dynamic, "__widgets[file]()")}`, loader: "js" };
    });
  },
};

const t0 = Date.now();
await rm(out, { recursive: true, force: true });
await mkdir(join(out, "lib"), { recursive: true });
const outfile = join(out, "lib/pairboot.mjs");
await build({
  entryPoints: [join(repo, "src/cli/main.ts")],
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  outfile,
  // blessed's optional terminal emulator widget wants these; pairboot never uses it.
  external: ["pty.js", "term.js"],
  plugins: [blessedWidgets],
  minify: true,
  legalComments: "linked",
  banner: {
    js: "import { createRequire as __pbCreateRequire } from 'node:module'; const require = __pbCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
const blessedDir = dirname(createRequire(import.meta.url).resolve("blessed/package.json"));
await cp(join(blessedDir, "usr"), join(out, "usr"), { recursive: true });
const size = (await stat(outfile)).size;
console.log(`bundle: ${outfile} (${Math.round(size / 1024)} KiB) in ${Date.now() - t0} ms`);
