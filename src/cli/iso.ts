// `pairboot iso embed ...`: a copy of the live ISO with an answer file and boot defaults in it.
// `pairboot iso start --tty TTY`: what the live system runs on its consoles (see src/live/start.ts).
import { constants } from "node:fs";
import { chmod, mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { formatAnswerError, loadAnswerFile } from "../answer/load.js";
import { AnswerFileError, ensureSecrets } from "../answer/secrets.js";
import { EMBEDDED_ANSWER } from "../live/discover.js";
import {
  checkKernelArgs,
  embedOutputMode,
  grubSnippet,
  MENU_ENTRIES,
  xorrisoArgs,
  type MenuEntry,
} from "../live/embed.js";
import { parseCommand, usageError } from "./args.js";
import { CliError } from "./errors.js";
import { runChecked } from "../util/exec.js";

const HELP = `usage: pairboot iso embed [--answer FILE] [--args "ARG ..."] [--default ENTRY] [--timeout SECONDS]
                         IN.iso OUT.iso
       pairboot iso start --tty TTY

embed: write a copy of the pairboot ISO with an answer file and boot defaults in it. The copy boots like
the original (BIOS and UEFI, stick or disc). The answer is checked first: an invalid one is refused with
its errors, and missing shared secrets are generated into FILE (mode 0600), so every machine installed
from this ISO shares them.

  --answer FILE      put FILE into the image as /pairboot/answer.yaml (found at boot when neither
                     pairboot.answer= nor a pairboot.yaml on the PAIRBOOT partition is there)
  --args "ARG ..."   kernel arguments for every boot entry, e.g. "pairboot.auto=1 pairboot.node=node-a"
  --default ENTRY    the entry that boots when nobody chooses: ${MENU_ENTRIES.join(", ")}
  --timeout SECONDS  how long the boot menu waits (default 10)

start: run by the live system on each console (tty1, ttyS0): finds the answer file and installs
(after a countdown unless pairboot.auto=1), or opens the wizard.
`;

async function embed(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      answer: { type: "string" },
      args: { type: "string" },
      default: { type: "string" },
      timeout: { type: "string" },
    },
    HELP,
  );
  if (!parsed) return 0;
  const v = parsed.values;
  const [input, output, ...extra] = parsed.positionals;
  if (!input || !output || extra.length > 0) throw usageError("give IN.iso and OUT.iso", HELP);
  if (resolve(input) === resolve(output)) throw new CliError("OUT.iso must differ from IN.iso", 2);
  if (v.answer === undefined && v.args === undefined && v.default === undefined && v.timeout === undefined) {
    throw usageError("nothing to embed: give --answer, --args, --default or --timeout", HELP);
  }
  const kernelArgs = (v.args ?? "").split(/\s+/).filter((a) => a !== "");
  const problems = checkKernelArgs(kernelArgs);
  if (problems.length > 0) throw new CliError(problems.join("\n"), 2);
  if (v.default !== undefined && !(MENU_ENTRIES as readonly string[]).includes(v.default)) {
    throw new CliError(`--default ${v.default}: choose one of ${MENU_ENTRIES.join(", ")}`, 2);
  }
  let timeout: number | undefined;
  if (v.timeout !== undefined) {
    timeout = Number(v.timeout);
    if (!Number.isInteger(timeout) || timeout < 0 || timeout > 3600) {
      throw new CliError(`--timeout ${v.timeout}: give whole seconds, 0 to 3600`, 2);
    }
  }
  if (!(await stat(input).catch(() => null))?.isFile()) throw new CliError(`${input}: no such file`);

  const files: Record<string, string> = {};
  const tmp = await mkdtemp(join(tmpdir(), "pairboot-embed-"));
  try {
    if (v.answer !== undefined) {
      const answer = resolve(v.answer);
      const loaded = await loadAnswerFile(answer).catch((err: Error) => {
        throw new CliError(`cannot read ${answer}: ${err.message}`);
      });
      if (!loaded.ok) {
        throw new CliError(
          `${answer} is not valid; nothing was written:\n${loaded.errors.map(formatAnswerError).join("\n")}`,
        );
      }
      try {
        const r = await ensureSecrets(answer);
        if (r.generated.length > 0) {
          process.stderr.write(
            `pairboot iso: generated ${r.generated.join(" and ")} into ${answer} (mode 0600)\n`,
          );
        }
      } catch (err) {
        if (err instanceof AnswerFileError) throw new CliError(err.errors.map(formatAnswerError).join("\n"));
        throw err;
      }
      files[`/${EMBEDDED_ANSWER}`] = answer;
    }
    if (kernelArgs.length > 0 || v.default !== undefined || timeout !== undefined) {
      const cfg = join(tmp, "grub.cfg");
      await writeFile(
        cfg,
        grubSnippet({ kernelArgs, defaultEntry: v.default as MenuEntry | undefined, timeout }),
      );
      files["/pairboot/grub.cfg"] = cfg;
    }
    await rm(output, { force: true });
    // Created with its mode before xorriso writes into it, so the secrets are never in a readable file.
    const mode = embedOutputMode(v.answer !== undefined);
    await (
      await open(
        output,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        mode,
      )
    ).close();
    try {
      await runChecked(["xorriso", ...xorrisoArgs(input, output, files)], { maxBuffer: 16 * 1024 * 1024 });
      await chmod(output, mode);
    } catch (err) {
      await rm(output, { force: true });
      const e = err as { stderr?: string; message: string };
      const why = (e.stderr ?? e.message)
        .split("\n")
        .filter((l) => /FAILURE|SORRY|error/i.test(l))
        .join("\n");
      throw new CliError(`xorriso could not write ${output}:\n${why || e.message}`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const what = Object.keys(files).join(", ");
  process.stdout.write(`pairboot iso: wrote ${output} with ${what}\n`);
  if (v.answer !== undefined) {
    process.stdout.write(
      `pairboot iso: ${output} holds the cluster's secrets (DRBD and Heartbeat keys, the root password hash ` +
        `if set): it is mode 0600; a disc or stick written from it gives them to whoever holds it\n`,
    );
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === "embed") return embed(rest);
  if (sub === "start") {
    const i = rest.indexOf("--tty");
    const tty = i >= 0 ? rest[i + 1] : undefined;
    if (!tty) throw usageError("start needs --tty TTY", HELP);
    const { startLive } = await import("../live/start.js");
    const { run: runWizard } = await import("./wizard.js");
    return startLive({ tty, openWizard: (answer) => runWizard(answer ? ["--answer", answer] : []) });
  }
  if (sub === "--help" || sub === "-h" || sub === undefined) {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  throw usageError(`unknown subcommand '${sub}'`, HELP);
}
