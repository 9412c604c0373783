import { describe, expect, it } from "vitest";
import { consoleDevice, isUrl, kernelWords, parseCmdline } from "../../src/live/cmdline.js";

describe("live kernel command line", () => {
  it("reads pairboot's words from a GRUB serial entry", () => {
    const a = parseCmdline(
      "BOOT_IMAGE=/live/vmlinuz boot=live quiet console=tty0 console=ttyS0,115200n8 pairboot.answer=/answers/nfs1.yaml pairboot.node=node-b pairboot.auto=1\n",
    );
    expect(a).toEqual({
      answer: "/answers/nfs1.yaml",
      answerSha256: null,
      answerFingerprint: null,
      node: "node-b",
      auto: true,
      clone: true,
      cloneWaitMinutes: null,
      consoles: ["tty1", "ttyS0"],
      primaryConsole: "ttyS0",
    });
  });

  it("defaults: no answer, no node, countdown, tty1 as the system console", () => {
    expect(parseCmdline("boot=live quiet")).toEqual({
      answer: null,
      answerSha256: null,
      answerFingerprint: null,
      node: null,
      auto: false,
      clone: true,
      cloneWaitMinutes: null,
      consoles: [],
      primaryConsole: "tty1",
    });
  });

  it("the last occurrence wins, like the kernel's own parameters", () => {
    const a = parseCmdline("pairboot.node=node-a pairboot.auto=1 pairboot.node=node-b pairboot.auto=0");
    expect(a.node).toBe("node-b");
    expect(a.auto).toBe(false);
  });

  it("pairboot.auto accepts 1/true/yes/on and a bare word; anything else is off", () => {
    for (const v of [
      "pairboot.auto",
      "pairboot.auto=1",
      "pairboot.auto=true",
      "pairboot.auto=YES",
      "pairboot.auto=on",
    ])
      expect(parseCmdline(v).auto, v).toBe(true);
    for (const v of ["pairboot.auto=0", "pairboot.auto=no", "pairboot.auto=2", "pairboot.automatic=1"])
      expect(parseCmdline(v).auto, v).toBe(false);
  });

  it("pairboot.clone=0 turns the two-node flow off; pairboot.clonewait= takes whole minutes", () => {
    expect(parseCmdline("pairboot.clone=0").clone).toBe(false);
    expect(parseCmdline("pairboot.clone=1").clone).toBe(true);
    expect(parseCmdline("pairboot.clonewait=5").cloneWaitMinutes).toBe(5);
    expect(parseCmdline("pairboot.clonewait=0").cloneWaitMinutes).toBe(0);
    for (const v of [
      "pairboot.clonewait=",
      "pairboot.clonewait=x",
      "pairboot.clonewait=-1",
      "pairboot.clonewait=1.5",
    ])
      expect(parseCmdline(v).cloneWaitMinutes, v).toBeNull();
  });

  it("ignores what follows a bare -- (init's arguments)", () => {
    expect(kernelWords("a b -- pairboot.auto=1")).toEqual(["a", "b"]);
    expect(parseCmdline("boot=live -- pairboot.auto=1 pairboot.node=x").auto).toBe(false);
  });

  it("a console on the screen last makes tty1 the system console", () => {
    expect(parseCmdline("console=ttyS0,115200 console=tty0").primaryConsole).toBe("tty1");
    expect(consoleDevice("ttyS1,9600n8")).toBe("ttyS1");
  });

  it("an empty pairboot.answer= is no answer", () => {
    expect(parseCmdline("pairboot.answer=").answer).toBeNull();
  });

  it("URLs are http and https only", () => {
    expect(isUrl("http://10.0.0.1/a.yaml")).toBe(true);
    expect(isUrl("HTTPS://example.org/a.yaml")).toBe(true);
    expect(isUrl("/answers/a.yaml")).toBe(false);
    expect(isUrl("ftp://x/a.yaml")).toBe(false);
  });
});

describe("the answer URL's pins on the kernel command line", () => {
  it("reads pairboot.answer.sha256= and pairboot.answer.fingerprint= as typed (answer-trust.ts checks them)", () => {
    const a = parseCmdline(
      "pairboot.answer=https://10.0.0.1/a.yaml pairboot.answer.sha256=ABC pairboot.answer.fingerprint=sha256:AA:BB",
    );
    expect(a.answer).toBe("https://10.0.0.1/a.yaml");
    expect(a.answerSha256).toBe("ABC");
    expect(a.answerFingerprint).toBe("sha256:AA:BB");
    expect(parseCmdline("pairboot.answer.sha256=").answerSha256).toBeNull();
  });
});
