// The one process runner (src/util/exec.ts) and the one quoting (src/util/shell.ts), with real processes.
import { PassThrough, Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  CommandAborted,
  CommandFailed,
  run,
  runChecked,
  runPipeline,
  runScript,
} from "../../src/util/exec.js";
import { commandText, quote } from "../../src/util/shell.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

describe("quote", () => {
  it("leaves plain words readable and quotes the rest so that bash reads back each word unchanged", async () => {
    const words = ["/dev/sda1", "a,b", "--opt=1", "two words", "it's", "$HOME", "*", "", "a\nb", "'"];
    expect(words.slice(0, 3).map(quote)).toEqual(["/dev/sda1", "a,b", "--opt=1"]);
    const r = await run(["bash", "-c", `printf '%s\\0' ${words.map(quote).join(" ")}`]);
    expect(r.stdout.split("\0").slice(0, -1)).toEqual(words);
  });

  it("shows an argv as one line a person can paste", () => {
    expect(commandText(["mount", "-o", "rw,uid=0", "/dev/sdb5", "/run/a b"])).toBe(
      "mount -o rw,uid=0 /dev/sdb5 '/run/a b'",
    );
  });
});

describe("run and runChecked", () => {
  it("run returns the exit status and both outputs of a failing command without throwing", async () => {
    const r = await run(["bash", "-c", "echo out; echo err >&2; exit 3"]);
    expect(r).toMatchObject({ exitCode: 3, stdout: "out", stderr: "err", failure: undefined });
    expect(r.all).toBe("out\nerr");
  });

  it("runChecked throws naming the command as typed and the last three lines of its stderr", async () => {
    const err = await runChecked(["bash", "-c", "printf '1\\n2\\n3\\n4\\n' >&2; exit 1"]).catch((e) => e);
    expect(err).toBeInstanceOf(CommandFailed);
    expect(err.message).toBe(`bash -c 'printf '\\''1\\n2\\n3\\n4\\n'\\'' >&2; exit 1' failed: 2; 3; 4`);
    expect(err.stderr).toBe("1\n2\n3\n4");
  });

  it("says a command that does not exist could not start", async () => {
    const r = await run(["pairboot-no-such-tool"]);
    expect(r.exitCode).toBeUndefined();
    expect(r.failure).toMatch(/ENOENT|not found/);
    await expect(runChecked(["pairboot-no-such-tool"])).rejects.toThrow(/^pairboot-no-such-tool failed: /);
  });

  it("kills a command at its timeout and says so", async () => {
    const started = Date.now();
    const r = await run(["sleep", "5"], { timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.failure).toBe("timed out after 200 ms");
  });

  it("gives a secret on stdin, where the command reads it and its command line does not show it", async () => {
    const secret = "s3cr3t-hash-value";
    const r = await run(["bash", "-c", 'read -r s; tr "\\0" " " </proc/$$/cmdline; echo; echo "${#s}"'], {
      stdin: `${secret}\n`,
    });
    const [cmdline, length] = r.stdout.split("\n");
    expect(cmdline).not.toContain(secret);
    expect(length).toBe(String(secret.length));
  });

  it("gives a command without input /dev/null, so one that reads stdin ends at once", async () => {
    const r = await run(["bash", "-c", "cat; readlink /proc/self/fd/0 </dev/stdin"], { timeoutMs: 5000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("/dev/null");
  });

  it("passes pairboot's environment, adds LC_ALL=C for 'c', and gives plan commands only the clean one", async () => {
    process.env.PAIRBOOT_EXEC_TEST = "leaks";
    try {
      const show = ["bash", "-c", 'echo "${PAIRBOOT_EXEC_TEST:-unset} ${LC_ALL:-unset} $PATH"'];
      const inherit = (await run(show)).stdout.split(" ");
      expect(inherit[0]).toBe("leaks");
      expect((await run(show, { env: "c" })).stdout.split(" ").slice(0, 2)).toEqual(["leaks", "C"]);
      expect((await run(show, { env: "clean" })).stdout).toBe("unset C.UTF-8 /usr/sbin:/usr/bin:/sbin:/bin");
      const lines: string[] = [];
      await runScript(show[2] as string, { onLine: (l) => lines.push(l) });
      expect(lines).toEqual(["unset C.UTF-8 /usr/sbin:/usr/bin:/sbin:/bin"]);
    } finally {
      delete process.env.PAIRBOOT_EXEC_TEST;
    }
  });
});

describe("runScript (a plan command)", () => {
  it("streams lines split at carriage returns too, keeps the last 20 and runs under set -euo pipefail", async () => {
    const lines: string[] = [];
    const r = await runScript(
      "for i in $(seq 1 25); do echo $i; done; printf 'a\\rb\\n'; false; echo never",
      {
        onLine: (l) => lines.push(l),
      },
    );
    expect(r.exitCode).toBe(1);
    expect(lines.slice(-3)).toEqual(["25", "a", "b"]);
    expect(r.tail).toHaveLength(20);
    expect(r.tail.at(-1)).toBe("b");
  });

  it("feeds stdin to the script, and bash reads no startup file though stdin is a socket", async () => {
    const lines: string[] = [];
    await runScript("wc -c", { onLine: (l) => lines.push(l), stdin: "12345" });
    expect(lines.map((l) => l.trim())).toEqual(["5"]);
  });

  it("an abort stops the whole process group, a background grandchild included", async () => {
    const ac = new AbortController();
    let child = 0;
    const result = runScript("sleep 60 & echo $!; sleep 60; wait", {
      signal: ac.signal,
      onLine: (l) => {
        child = Number(l);
        ac.abort();
      },
    });
    await expect(result).rejects.toBeInstanceOf(CommandAborted);
    expect(child).toBeGreaterThan(0);
    expect(await gone(child)).toBe(true);
  });

  it("refuses to start once aborted", async () => {
    await expect(runScript("true", { onLine: () => undefined, signal: AbortSignal.abort() })).rejects.toThrow(
      "aborted before start",
    );
  });
});

describe("runPipeline (a clone section)", () => {
  it("pipes a stream through the script into another and reports the status and stderr", async () => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c);
        cb();
      },
    });
    const r = await runPipeline("tr a-z A-Z; echo done >&2", { stdin: Readable.from(["abc"]), stdout: sink });
    await new Promise((res) => setImmediate(res));
    expect(Buffer.concat(chunks).toString()).toBe("ABC");
    expect(r).toEqual({ status: 0, stderrTail: "done\n" });
  });

  it("an input that fails kills the pipeline and its error is what is thrown", async () => {
    const input = new PassThrough();
    const result = runPipeline("cat >/dev/null", { stdin: input });
    input.write("x");
    input.emit("error", new Error("record 1 did not authenticate"));
    await expect(result).rejects.toThrow("record 1 did not authenticate");
  });
});
