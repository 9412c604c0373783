import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

// The layers of src/, top to bottom: a module may import from its own directory and from the layers
// below its own, never from a layer above or beside it (front ends do not call each other; the engine
// does not know its front ends). util/ is below everything.
const LAYERS = [
  ["cli"],
  ["live", "tui"],
  ["session", "status"],
  ["clone"],
  ["apply"],
  ["plan"],
  ["render"],
  ["answer", "probe"],
  ["util"],
];

function layerRules() {
  return LAYERS.flatMap((layer, i) => {
    const above = LAYERS.slice(0, i + 1).flat();
    return layer.map((dir) => {
      const forbidden = above.filter((d) => d !== dir);
      if (forbidden.length === 0) return null;
      // Relative imports only (src/ has no path aliases); no subdirectory of src/ shares a layer's name.
      const regex = `^(\\.\\./)+(${forbidden.join("|")})/`;
      const message = `src/${dir} sits below ${forbidden.join(", ")}: the layers point down (cli -> live/tui -> session/status -> clone -> apply -> plan -> render -> answer/probe -> util).`;
      return {
        files: [`src/${dir}/**/*.ts`],
        rules: {
          "no-restricted-imports": ["error", { patterns: [{ regex, message }] }],
          "no-restricted-syntax": [
            "error",
            { selector: `ImportExpression > Literal[value=/${regex.replace(/\//g, "\\/")}/]`, message },
          ],
        },
      };
    });
  }).filter((c) => c !== null);
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "build/", "iso/cache/", ".cache/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  { languageOptions: { globals: globals.node } },
  ...layerRules(),
);
