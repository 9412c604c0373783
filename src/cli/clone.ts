// `pairboot clone send|receive`: image node A onto node B over the network or through an image file.
import { CLONE_PORT, parsePeer } from "../clone/peer.js";
import { networkInterfaces } from "node:os";
import { loadAnswerFile, formatAnswerError } from "../answer/load.js";
import { checkListenAddress, listeningLines } from "../clone/addresses.js";
import { identityWriter } from "../clone/identity.js";
import { sendToImage } from "../clone/image.js";
import { checkPassphrase, readKeyFile, type ImageKeySource } from "../clone/imagekey.js";
import {
  NothingWritten,
  receiveFromImage,
  receiveFromNetwork,
  type ReceiveOptions,
} from "../clone/receive.js";
import { sendOverNetwork } from "../clone/send.js";
import { findSourceDisk } from "../clone/source.js";
import { parseCommand } from "./args.js";
import { CliError } from "./errors.js";
import { CODE_ON_ARGV, checkCode, readSecretFile, receiverCode } from "./pairing-code.js";

const HELP = `usage:
  pairboot clone send [--disk DEV] [--port N] [--listen ADDR]   on node A, booted from the pairboot stick
  pairboot clone send [--disk DEV] --to-image FILE [--answer FILE | --key-file FILE | --ask-passphrase]
  pairboot clone receive --from HOST[:PORT] --disk DEV [--code-file FILE] [--answer FILE] [--node NAME]
  pairboot clone receive --from-image FILE --disk DEV (--answer FILE | --key-file FILE) [--node NAME]

Copies node A's ESP and OS partitions (used blocks only, zstd-compressed) onto node B's disk. The
partition table is laid out again for B's disk: the OS partition keeps its size, the data partition takes
the rest of the disk and is never copied. Over the network node A shows a pairing code that node B must
type when asked (or give in a file of mode 0600 with --code-file FILE, or on standard input); the code is
never accepted on the command line, where every user could read it. The stream is encrypted and every
section is checked on both ends before B's disk is marked complete.
An image file is encrypted and authenticated (AES-256-GCM records): by default with a key derived from
the cluster's secrets in the answer (DRBD secret and Heartbeat authkey), so node B's answer opens it and
the image alone is useless; or with a passphrase (--key-file FILE of mode 0600, or typed when asked). The
file is created with mode 0600. Every record is authenticated before anything is written to node B.

send options:
  --disk DEV        node A's disk (default: the one disk with a pairboot-os partition)
  --port N          TCP port to listen on (default ${CLONE_PORT})
  --listen ADDR     listen on this address of the machine only (default: all; the addresses are shown)
  --code-file FILE  use the pairing code in FILE (mode 0600) instead of a random one
  --to-image FILE   write an encrypted image file (mode 0600) instead of listening
  --answer FILE     key the image with this answer's cluster secrets (default: the answer node A's
                    install saved on its disk)
  --key-file FILE   key the image with the passphrase in FILE (mode 0600; at least 12 characters)
  --ask-passphrase  key the image with a passphrase typed at the terminal
  --level N         zstd compression level 1-19 (default 3)

receive options:
  --from HOST[:PORT]  node A's address
  --from-image FILE   restore from an image file (its key: --answer FILE, --key-file FILE, or the
                      passphrase typed when asked)
  --key-file FILE     the image's passphrase, in a file of mode 0600
  --code-file FILE    read the pairing code shown on node A from FILE (mode 0600); without it the code
                      is asked for at the terminal, or read from standard input when that is not one
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

async function answerKey(path: string): Promise<ImageKeySource & { kind: "answer" }> {
  const loaded = await loadAnswerFile(path).catch((err: Error) => {
    throw new CliError(`cannot read ${path}: ${err.message}`);
  });
  if (!loaded.ok)
    throw new CliError(
      `${path} is not a valid answer file:\n${loaded.errors.map(formatAnswerError).join("\n")}`,
    );
  const missing = [
    loaded.spec.drbd.shared_secret === undefined ? "drbd.shared_secret" : null,
    loaded.spec.heartbeat.authkey === undefined ? "heartbeat.authkey" : null,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new CliError(
      `${path} has no ${missing.join(" or ")}: use the answer file node A's install wrote back (it holds the generated secrets), or leave out --answer to use the copy's own`,
    );
  }
  return { kind: "answer", spec: loaded.spec, origin: path };
}

async function keyFileKey(path: string): Promise<ImageKeySource> {
  const passphrase = await readKeyFile(path).catch((err: Error) => {
    throw new CliError(err.message);
  });
  return { kind: "passphrase", passphrase, origin: path };
}

/** Reads a line from the terminal without echoing it. */
async function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new CliError("no terminal to ask for the passphrase; use --key-file FILE");
  process.stdout.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding("utf8");
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (d: string) => {
        for (const c of d) {
          if (c === "\r" || c === "\n") {
            stdin.off("data", onData);
            resolve(typed);
            return;
          }
          if (c === "\u0003") {
            stdin.off("data", onData);
            reject(new CliError("stopped"));
            return;
          }
          if (c === "\u007f" || c === "\b") typed = typed.slice(0, -1);
          else if (c >= " ") typed += c;
        }
      };
      stdin.on("data", onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
    process.stdout.write("\n");
  }
}

async function askPassphrase(twice: boolean): Promise<ImageKeySource> {
  const origin = "the terminal";
  const passphrase = checkPassphrase(await readHidden("Image passphrase: "), origin);
  if (twice && (await readHidden("Again, to check: ")) !== passphrase) {
    throw new CliError("the two passphrases differ; nothing was written");
  }
  return { kind: "passphrase", passphrase, origin };
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
    throw new CliError(`--${name} wants a whole number from ${min} to ${max}, not '${value}'`, 2);
  return n;
}

/** Usage errors every subcommand shares: stray arguments, and a code on the command line. */
function checkCommon(positionals: string[], code: string | undefined): void {
  if (positionals.length > 0) {
    throw new CliError(
      `unexpected argument '${positionals[0]}': every value goes with an option\n\n${HELP}`,
      2,
    );
  }
  if (code !== undefined) throw new CliError(CODE_ON_ARGV, 2);
}

async function send(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      disk: { type: "string" },
      port: { type: "string" },
      listen: { type: "string" },
      code: { type: "string" },
      "code-file": { type: "string" },
      "to-image": { type: "string" },
      answer: { type: "string" },
      "key-file": { type: "string" },
      "ask-passphrase": { type: "boolean" },
      level: { type: "string" },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  checkCommon(positionals, values.code);
  const level = intOption(values.level, "level", 3, 1, 19);
  const port = intOption(values.port, "port", CLONE_PORT, 1, 65535);
  const ifaces = networkInterfaces();
  if (values.listen !== undefined) {
    const bad = checkListenAddress(values.listen, ifaces);
    if (bad) throw new CliError(bad, 2);
  }
  if (values["to-image"] !== undefined) {
    for (const o of ["listen", "port", "code-file"] as const) {
      if (values[o] !== undefined)
        throw new CliError(`--${o} is for sending over the network, not --to-image`, 2);
    }
  }
  const codeFile = values["code-file"];
  const code =
    codeFile === undefined ? undefined : checkCode(await readSecretFile(codeFile, "the code file"), codeFile);
  const disk = values.disk ?? (await findSourceDisk());
  if (values["to-image"] !== undefined) {
    const chosen = [values.answer, values["key-file"], values["ask-passphrase"]].filter(
      (v) => v !== undefined,
    );
    if (chosen.length > 1)
      throw new CliError("give at most one of --answer, --key-file and --ask-passphrase", 2);
    let key: ImageKeySource | undefined;
    if (values.answer !== undefined) key = await answerKey(values.answer);
    else if (values["key-file"] !== undefined) key = await keyFileKey(values["key-file"]);
    else if (values["ask-passphrase"]) key = await askPassphrase(true);
    await sendToImage(values["to-image"], { disk, level, key });
    return 0;
  }
  for (const o of ["answer", "key-file", "ask-passphrase"] as const) {
    if (values[o] !== undefined) throw new CliError(`--${o} keys an image file: it goes with --to-image`, 2);
  }
  await sendOverNetwork({
    disk,
    level,
    port,
    host: values.listen,
    code,
    onListening: (shown, p) => {
      const lines = listeningLines(values.listen, p, ifaces).map((l) => `  ${l}\n`);
      process.stdout.write(`\n  Pairing code:  ${shown}\n\n${lines.join("")}\n`);
    },
  });
  return 0;
}

async function receive(argv: string[]): Promise<number> {
  const parsed = parseCommand(
    argv,
    {
      from: { type: "string" },
      "from-image": { type: "string" },
      "key-file": { type: "string" },
      code: { type: "string" },
      "code-file": { type: "string" },
      disk: { type: "string" },
      answer: { type: "string" },
      node: { type: "string" },
      "keep-identity": { type: "boolean" },
      "skip-bootloader": { type: "boolean" },
    },
    HELP,
  );
  if (!parsed) return 0;
  const { values, positionals } = parsed;
  checkCommon(positionals, values.code);
  if (!values.disk) throw new CliError("--disk DEV is required: node B's disk, which will be overwritten", 2);
  if ((values.from === undefined) === (values["from-image"] === undefined)) {
    throw new CliError("give either --from HOST[:PORT] or --from-image FILE", 2);
  }
  if (values["code-file"] !== undefined && values.from === undefined) {
    throw new CliError("--code-file is node A's pairing code: it goes with --from", 2);
  }
  const from = values.from === undefined ? undefined : parseFrom(values.from);
  // Before anything else runs: a missing or malformed code is a usage error, and the prompt comes first.
  const code = from === undefined ? undefined : await receiverCode(values["code-file"]);
  const opts: ReceiveOptions = { disk: values.disk };
  if (values["key-file"] !== undefined && values["from-image"] === undefined) {
    throw new CliError("--key-file is an image file's passphrase: it goes with --from-image", 2);
  }
  const answerSource = values.answer === undefined ? undefined : await answerKey(values.answer);
  if (answerSource !== undefined && !values["keep-identity"]) {
    const hooks = identityWriter(answerSource.spec, values.node, (l) => process.stdout.write(`${l}\n`));
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
      const keyFile = values["key-file"];
      const key = async (): Promise<ImageKeySource> => {
        if (keyFile !== undefined) return keyFileKey(keyFile);
        if (answerSource !== undefined) return answerSource;
        if (process.stdin.isTTY) return askPassphrase(false);
        throw new Error(
          "no key for the image: give the cluster's answer file with --answer FILE, or its passphrase with --key-file FILE",
        );
      };
      await receiveFromImage(values["from-image"], { ...opts, key });
    } else {
      const { host, port } = from as { host: string; port: number };
      await receiveFromNetwork({ ...opts, host, port, code: code as string });
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
