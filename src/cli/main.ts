// pairboot's command line: one module per subcommand, loaded on demand so `pairboot validate` does not
// pay for blessed or the install engine.
import { CliError } from "./errors.js";

type Command = { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> };

const commands: Record<string, Command> = {
  wizard: { summary: "guided setup (the default)", load: () => import("./wizard.js") },
  validate: { summary: "check an answer file: pairboot validate FILE", load: () => import("./validate.js") },
  schema: { summary: "print the answer file's JSON Schema", load: () => import("./schema.js") },
  probe: { summary: "print this machine's hardware facts as JSON", load: () => import("./probe.js") },
  plan: {
    summary: "print a node's install steps: pairboot plan FILE --node NAME",
    load: () => import("./plan.js"),
  },
  render: {
    summary: "write a node's config files: pairboot render FILE --node NAME --out DIR",
    load: () => import("./render.js"),
  },
  install: {
    summary: "install a node onto its disk: pairboot install --answer FILE",
    load: () => import("./install.js"),
  },
  clone: {
    summary: "image node A onto node B: pairboot clone send|receive",
    load: () => import("./clone.js"),
  },
  iso: {
    summary: "live ISO: pairboot iso embed --answer FILE IN.iso OUT.iso",
    load: () => import("./iso.js"),
  },
  status: {
    summary: "the pair's health, monitoring-plugin style (exit 0/1/2/3)",
    load: () => import("./status.js"),
  },
  switchover: {
    summary: "move the service to the other node and wait until it serves",
    load: () => import("./switchover.js"),
  },
  standby: {
    summary: "maintenance: move the service away, stop Heartbeat here",
    load: () => import("./standby.js"),
  },
  resume: { summary: "back from standby: start Heartbeat here", load: () => import("./resume.js") },
  "split-brain": {
    summary: "show a DRBD split brain, or resolve it: split-brain resolve --discard NODE",
    load: () => import("./split-brain.js"),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(11)} ${c.summary}`);
  return `usage: pairboot [COMMAND] [ARGS...]\n\ncommands:\n${lines.join("\n")}\n\nRun 'pairboot COMMAND --help' for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(usage());
    return 0;
  }
  const name = first === undefined || first.startsWith("-") ? "wizard" : first;
  const args = first === undefined || first.startsWith("-") ? argv : rest;
  const command = commands[name];
  if (!command) {
    process.stderr.write(`pairboot: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const mod = await command.load();
    return await mod.run(args);
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`pairboot ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
