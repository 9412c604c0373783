// pairboot probe: print what pairboot sees on this machine (the input to node identification and disk
// selection), so a user can check it before writing an answer file.
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { parseHardware } from "../probe/parse.js";
import { readRawHardware } from "../probe/read.js";
import { CliError } from "./errors.js";

const USAGE = `usage: pairboot probe [--include-loop] [--out FILE] [--raw-out FILE]

Print this machine's hardware facts (disks, NICs, DMI, kernel command line) as JSON.

  --include-loop   list loop devices as disks too (tests and development only)
  --out FILE       write the JSON to FILE instead of standard output
  --raw-out FILE   also write everything read from the machine (lsblk, blkid, sysfs), for test fixtures
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "include-loop": { type: "boolean", default: false },
        out: { type: "string" },
        "raw-out": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let raw;
  try {
    raw = await readRawHardware({ includeLoop: values["include-loop"] });
  } catch (err) {
    throw new CliError(`could not read this machine's hardware: ${(err as Error).message}`);
  }
  const json = `${JSON.stringify(parseHardware(raw), null, 2)}\n`;
  if (values["raw-out"]) await writeFile(values["raw-out"], `${JSON.stringify(raw, null, 2)}\n`);
  if (values.out) {
    await writeFile(values.out, json);
  } else {
    process.stdout.write(json);
  }
  return 0;
}
