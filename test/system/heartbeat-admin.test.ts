// Which of Heartbeat 3.0.6's admin scripts can move the service on purpose, read from the installed
// package itself: the basis for `pairboot switchover` running on the node that serves (src/status/
// switchover.ts). hb_standby sends "ask_resources", a message type the daemon dispatches; hb_takeover
// sends "hb_takeover", which no binary or library of the package knows, so it moves nothing.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { HB_SHARE } from "../../src/status/switchover.js";

async function packageFiles(): Promise<string[]> {
  const list = await execa("dpkg", ["-L", "heartbeat", "libheartbeat2"], { reject: false });
  return list.stdout.split("\n").filter((p) => /\/(libexec\/heartbeat\/[^/]+|[^/]+\.so[.\d]*)$/.test(p));
}

async function filesNaming(files: string[], word: string): Promise<string[]> {
  const r = await execa("grep", ["-l", "-a", "-F", "--", word, ...files], { reject: false });
  return r.stdout.split("\n").filter(Boolean);
}

describe("heartbeat 3.0.6's hb_standby and hb_takeover", () => {
  it("the scripts pairboot names exist, and each sends its own message type", async () => {
    const standby = await execa("grep", ["-c", "t=ask_resources", `${HB_SHARE}/hb_standby`], {
      reject: false,
    });
    const takeover = await execa("grep", ["-c", "t=hb_takeover", `${HB_SHARE}/hb_takeover`], {
      reject: false,
    });
    expect(standby.stdout).toBe("1");
    expect(takeover.stdout).toBe("1");
  });

  it("the daemon knows hb_standby's ask_resources, and nothing in the package knows hb_takeover's message", async () => {
    const files = await packageFiles();
    expect(files).toContain("/usr/libexec/heartbeat/heartbeat");
    expect(await filesNaming(files, "ask_resources")).toContain("/usr/libexec/heartbeat/heartbeat");
    expect(await filesNaming(files, "hb_takeover")).toEqual([]);
  });
});
