// `pairboot clone`'s command line: argument errors are usage errors (exit 2) that say what is wrong, the
// pairing code never comes from argv (a file of mode 0600, standard input or the prompt instead), and
// `clone send` says which addresses it listens on.
import { afterAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { chmod, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/clone.js";
import { CliError } from "../../src/cli/errors.js";
import { readSecretFile, receiverCode } from "../../src/cli/pairing-code.js";
import { checkListenAddress, listeningLines, type Interfaces } from "../../src/clone/addresses.js";

const PAIRBOOT = fileURLToPath(new URL("../../bin/pairboot.js", import.meta.url));
const dir = await mkdtemp(join(tmpdir(), "pairboot-clone-cli-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function usage(argv: string[]): Promise<{ exitCode: number; message: string }> {
  try {
    await run(argv);
  } catch (err) {
    if (err instanceof CliError) return { exitCode: err.exitCode, message: err.message };
    throw err;
  }
  throw new Error(`pairboot clone ${argv.join(" ")} did not fail`);
}

describe("argument errors of pairboot clone", () => {
  it("--code on the command line is refused with exit 2 and says how to give the code instead", async () => {
    for (const argv of [
      ["receive", "--from", "127.0.0.1", "--code", "ABCD-EFGH-JKMN", "--disk", "/dev/null"],
      ["send", "--code", "ABCD-EFGH-JKMN"],
    ]) {
      const r = await usage(argv);
      expect(r.exitCode, argv.join(" ")).toBe(2);
      expect(r.message).toMatch(
        /^--code is not accepted: a code on the command line is readable by every user/,
      );
      expect(r.message).toContain("--code-file FILE");
      expect(r.message).toContain("standard input");
      expect(r.message).not.toContain("ABCD");
    }
  });

  it("unknown options, stray arguments and bad values exit 2 with a message, before any disk is looked at", async () => {
    const cases: [string[], RegExp][] = [
      [["--bogus"], /^unknown clone subcommand '--bogus'/],
      [["send", "--bogus"], /^unknown option '--bogus'/],
      [["receive", "--bogus"], /^unknown option '--bogus'/],
      [["send", "extra"], /^unexpected argument 'extra'/],
      [["send", "--port", "x"], /^--port wants a whole number from 1 to 65535, not 'x'/],
      [["send", "--level", "0"], /^--level wants a whole number from 1 to 19, not '0'/],
      [["send", "--listen", "node-a"], /^--listen wants an IP address of this machine, not 'node-a'/],
      [["send", "--listen", "192.0.2.77"], /^--listen 192\.0\.2\.77 is not an address of this machine/],
      [["receive", "--from", "127.0.0.1"], /^--disk DEV is required/],
      [["receive", "--disk", "/dev/null"], /^give either --from HOST\[:PORT\] or --from-image FILE/],
      [["receive", "--from", "a b", "--disk", "/dev/null"], /^--from wants HOST or HOST:PORT/],
      [
        ["receive", "--from-image", "x", "--code-file", "y", "--disk", "/dev/null"],
        /^--code-file is node A's pairing code: it goes with --from/,
      ],
    ];
    for (const [argv, message] of cases) {
      const r = await usage(argv);
      expect(r.exitCode, argv.join(" ")).toBe(2);
      expect(r.message, argv.join(" ")).toMatch(message);
    }
  });
});

describe("where the pairing code comes from", () => {
  it("--code-file: a file others can read is refused with its mode and the fix; a 0600 file gives the code", async () => {
    const file = join(dir, "code");
    await writeFile(file, "abcd-efgh-jkmn\n");
    await chmod(file, 0o644);
    await expect(receiverCode(file)).rejects.toThrow(
      `the code file ${file} has mode 0644: others can read it; make it 0600 (chmod 600 ${file})`,
    );
    await chmod(file, 0o600);
    expect(await receiverCode(file)).toBe("ABCDEFGHJKMN");
    await writeFile(join(dir, "bad"), "ABCD-EFGH-JKMO\n", { mode: 0o600 });
    await expect(receiverCode(join(dir, "bad"))).rejects.toThrow(
      "the pairing code cannot contain 'O' (the code never contains 0, 1, O, I or L)",
    );
  });

  it("--code-file refuses a symbolic link and a missing file by name", async () => {
    const link = join(dir, "link");
    await symlink(join(dir, "code"), link);
    await expect(readSecretFile(link, "the code file")).rejects.toThrow(
      `the code file ${link} is a symbolic link; give the file itself`,
    );
    await expect(readSecretFile(join(dir, "missing"), "the code file")).rejects.toThrow(
      `the code file ${join(dir, "missing")} does not exist`,
    );
  });

  it("clone receive reads the code from standard input when it is not a terminal, and never from argv", async () => {
    const receive = (input: string) =>
      execa(
        process.execPath,
        [PAIRBOOT, "clone", "receive", "--from", "127.0.0.1:9", "--disk", join(dir, "no-disk")],
        {
          input,
          reject: false,
          env: { LC_ALL: "C" },
        },
      );
    const empty = await receive("");
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain("no pairing code: standard input is empty and not a terminal");
    const bad = await receive("ABCD-EFGH\n");
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("standard input: a pairing code has 12 characters");
    // A good code gets past the code to node B's disk, which is checked before node A is contacted.
    const good = await receive("abcd-efgh-jkmn\n");
    expect(good.exitCode).toBe(1);
    expect(good.stderr).toContain(`nothing was written to ${join(dir, "no-disk")}`);
    expect(good.stderr).not.toMatch(/pairing code/);
  });
});

describe("the addresses clone send listens on", () => {
  const ifaces: Interfaces = {
    lo: [
      {
        address: "127.0.0.1",
        netmask: "255.0.0.0",
        family: "IPv4",
        mac: "00:00:00:00:00:00",
        internal: true,
        cidr: "127.0.0.1/8",
      },
    ],
    eth0: [
      {
        address: "192.168.1.5",
        netmask: "255.255.255.0",
        family: "IPv4",
        mac: "52:54:00:00:0a:01",
        internal: false,
        cidr: "192.168.1.5/24",
      },
      {
        address: "fe80::5054:ff:fe00:a01",
        netmask: "ffff:ffff:ffff:ffff::",
        family: "IPv6",
        mac: "52:54:00:00:0a:01",
        internal: false,
        cidr: "fe80::5054:ff:fe00:a01/64",
        scopeid: 2,
      },
    ],
    eth1: [
      {
        address: "10.0.0.1",
        netmask: "255.255.255.252",
        family: "IPv4",
        mac: "52:54:00:00:0a:03",
        internal: false,
        cidr: "10.0.0.1/30",
      },
    ],
  };

  it("by default lists every address another machine could use, and says how to restrict it", () => {
    expect(listeningLines(undefined, 7790, ifaces)).toEqual([
      "On node B run:  pairboot clone receive --from <this node's address>:7790 --disk DEV",
      "and type the code when asked. Listening on port 7790 on every address of this machine:",
      "  192.168.1.5 (eth0)",
      "  10.0.0.1 (eth1)",
      "(--listen ADDR listens on one address only)",
    ]);
  });

  it("with --listen names the one address in the command node B runs", () => {
    expect(listeningLines("10.0.0.1", 7790, ifaces)).toEqual([
      "On node B run:  pairboot clone receive --from 10.0.0.1:7790 --disk DEV",
      "and type the code when asked. Listening on 10.0.0.1 port 7790 only.",
    ]);
    expect(checkListenAddress("10.0.0.1", ifaces)).toBeNull();
    expect(checkListenAddress("10.0.0.2", ifaces)).toBe(
      "--listen 10.0.0.2 is not an address of this machine; its addresses are 192.168.1.5 (eth0), 10.0.0.1 (eth1)",
    );
  });
});
