// `pairboot clone send|receive`: image node A onto node B over the network or through an image file.
import { CLONE_PORT, parsePeer } from "../clone/peer.js";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { loadAnswerFile, formatAnswerError } from "../answer/load.js";
import { identityWriter } from "../clone/identity.js";
import {
  NothingWritten,
  receiveFromImage,
  receiveFromNetwork,
  type ReceiveOptions,
} from "../clone/receive.js";
import { sendOverNetwork, sendToImage } from "../clone/send.js";
import { findSourceDisk } from "../clone/source.js";
import { CliError } from "./errors.js";

const HELP = `usage:
  pairboot clone send [--disk DEV] [--port N] [--code CODE]      on node A, booted from the pairboot stick
  pairboot clone send [--disk DEV] --to-image FILE
  pairboot clone receive --from HOST[:PORT] [--code CODE] --disk DEV [--answer FILE] [--node NAME]
  pairboot clone receive --from-image FILE --disk DEV [--answer FILE] [--node NAME]

Copies node A's ESP and OS partitions (used blocks only, zstd-compressed) onto node B's disk. The
partition table is laid out again for B's disk: the OS partition keeps its size, the data partition takes
the rest of the disk and is never copied. Over the network node A shows a pairing code that node B must
type; the stream is encrypted and every section is checked on both ends before B's disk is marked complete.
An image file carries its own checksums and is verified in full before anything is written.

send options:
  --disk DEV        node A's disk (default: the one disk with a pairboot-os partition)
  --port N          TCP port to listen on (default ${CLONE_PORT})
  --listen ADDR     address to listen on (default: all)
  --code CODE       use this pairing code instead of a random one (unattended installs)
  --to-image FILE   write an image file instead of listening
  --level N         zstd compression level 1-19 (default 3)

receive options:
  --from HOST[:PORT]  node A's address
  --from-image FILE   restore from an image file
  --code CODE         the pairing code shown on node A (asked for when missing)
  --disk DEV          node B's disk: everything on it is replaced
  --answer FILE       the cluster's answer file, to write node B's identity (default: the one node A's
                      install saved on its disk, which the copy carries)
  --node NAME         node B's name in the answer file (default: the node that is not node A)
  --keep-identity     leave node A's identity on the copy (for tests and spare disks only)
  --skip-bootloader   do not run grub-install/update-initramfs in node B's root (tests, or do it later)

Node B's identity (--answer): its rendered files (hostname, hosts, interfaces, .link files pinned to its
MACs, chrony, /etc/pairboot/node, ...), machine-id emptied (a fresh one at first boot), new SSH host keys, and
node A's per-machine state removed (D-Bus machine-id, random seed, credential secret, heartbeat UUID and
host caches). Until every section verified, the disk carries temporary partition types and names
(pairboot-incomplete-*), so firmware finds nothing to boot.
`;

async function askCode(): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError("no --code given and no terminal to ask for it");
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await rl.question("Pairing code shown on node A: ");
  } finally {
    rl.close();
  }
}

function parseFrom(text: string): { host: string; port: number } {
  const peer = parsePeer(text);
  if (!peer) {
    throw new CliError(
      `--from wants HOST or HOST:PORT (a port from 1 to 65535), not ${JSON.stringify(text)}`,
      2,
    );
  }
  return peer;
}

function intOption(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`--${name} wants a whole number from ${min} to ${max}`);
  return n;
}

async function send(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      disk: { type: "string" },
      port: { type: "string" },
      listen: { type: "string" },
      code: { type: "string" },
      "to-image": { type: "string" },
      level: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const disk = values.disk ?? (await findSourceDisk());
  const level = intOption(values.level, "level", 3, 1, 19);
  if (values["to-image"] !== undefined) {
    await sendToImage(values["to-image"], { disk, level });
    return 0;
  }
  const port = intOption(values.port, "port", CLONE_PORT, 1, 65535);
  await sendOverNetwork({
    disk,
    level,
    port,
    host: values.listen,
    code: values.code,
    onListening: (code, p) => {
      process.stdout.write(
        `\n  Pairing code:  ${code}\n\n  On node B run:  pairboot clone receive --from <this node's address>:${p} --disk DEV\n  and type the code when asked. Listening on port ${p}.\n\n`,
      );
    },
  });
  return 0;
}

async function receive(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: "string" },
      "from-image": { type: "string" },
      code: { type: "string" },
      disk: { type: "string" },
      answer: { type: "string" },
      node: { type: "string" },
      "keep-identity": { type: "boolean" },
      "skip-bootloader": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.disk) throw new CliError("--disk DEV is required: node B's disk, which will be overwritten");
  if ((values.from === undefined) === (values["from-image"] === undefined)) {
    throw new CliError("give either --from HOST[:PORT] or --from-image FILE");
  }
  const opts: ReceiveOptions = { disk: values.disk };
  if (values.answer !== undefined) {
    const loaded = await loadAnswerFile(values.answer).catch((err: Error) => {
      throw new CliError(`cannot read ${values.answer}: ${err.message}`);
    });
    if (!loaded.ok)
      throw new CliError(
        `${values.answer} is not a valid answer file:\n${loaded.errors.map(formatAnswerError).join("\n")}`,
      );
    const missing = [
      loaded.spec.drbd.shared_secret === undefined ? "drbd.shared_secret" : null,
      loaded.spec.heartbeat.authkey === undefined ? "heartbeat.authkey" : null,
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new CliError(
        `${values.answer} has no ${missing.join(" or ")}: use the answer file node A's install wrote back (it holds the generated secrets), or leave out --answer to use the copy's own`,
      );
    }
    const hooks = identityWriter(loaded.spec, values.node, (l) => process.stdout.write(`${l}\n`));
    opts.identity = hooks.files;
    if (!values["skip-bootloader"]) opts.bootloader = hooks.bootloader;
  } else if (!values["keep-identity"]) {
    // Node A's install saved its answer file (secrets included) in its root: the copy carries it.
    const hooks = identityWriter(null, values.node, (l) => process.stdout.write(`${l}\n`));
    opts.identity = hooks.files;
    if (!values["skip-bootloader"]) opts.bootloader = hooks.bootloader;
  }
  try {
    if (values["from-image"] !== undefined) {
      await receiveFromImage(values["from-image"], opts);
    } else {
      const { host, port } = parseFrom(values.from as string);
      const code = values.code ?? (await askCode());
      await receiveFromNetwork({ ...opts, host, port, code });
    }
  } catch (err) {
    if (err instanceof NothingWritten)
      throw new CliError(`${err.message}\nnothing was written to ${values.disk}`);
    throw new CliError((err as Error).message);
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === "send") return await send(rest);
    if (sub === "receive") return await receive(rest);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError((err as Error).message);
  }
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(HELP);
    return sub === undefined ? 2 : 0;
  }
  throw new CliError(`unknown clone subcommand '${sub}'\n${HELP}`, 2);
}
