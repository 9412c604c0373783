// `pairboot probe`: options, and the --answer check a user runs at the rack before installing.
import { describe, expect, it } from "vitest";
import { checkAnswer, run } from "../../src/cli/probe.js";
import { CliError } from "../../src/cli/errors.js";
import { loadFixture, shippedExample } from "../support/fixtures.js";

const spec = shippedExample("seed");

function check(name: string): { status: number; text: string } {
  let text = "";
  const status = checkAnswer(spec, loadFixture(name), (s) => (text += s));
  return { status, text };
}

describe("pairboot probe --answer", () => {
  it("node A: names the node, the disk and why, and that the disk is blank", () => {
    const { status, text } = check("node-a");
    expect(status).toBe(0);
    expect(text).toContain("node: node-a\n  why: NIC ens3 has MAC 52:54:00:00:0a:01");
    expect(text).toContain("disk: /dev/sda\n");
    expect(text).toContain("/dev/sdb (usb, boot medium) skipped");
    expect(text).toContain("has no partition table and no filesystem signature");
    expect(text).not.toContain("destroys");
  });

  it("a disk with a previous install: lists what would be destroyed", () => {
    const { status, text } = check("existing-install");
    expect(status).toBe(0);
    expect(text).toContain(
      '/dev/sda3, 5.0 GiB, Linux root (x86-64), ext4 filesystem, label "root", name "os"',
    );
    expect(text).toContain("installing node-a destroys all of this");
  });

  it("two equal disks: exit 1 with both disks listed", () => {
    const { status, text } = check("two-equal-disks");
    expect(status).toBe(1);
    expect(text).toContain("disk: none");
    expect(text).toContain("serial QM00001");
    expect(text).toContain("serial QM00002");
  });

  it("an unknown machine: exit 1, no disk is looked at", () => {
    const { status, text } = check("nvme-server");
    expect(status).toBe(1);
    expect(text).toMatch(/^node: cannot tell which node this machine is/);
    expect(text).not.toContain("disk:");
  });
});

describe("pairboot probe options", () => {
  it("an unknown option is a usage error (exit 2)", async () => {
    await expect(run(["--bogus"])).rejects.toMatchObject({ exitCode: 2 });
    await expect(run(["--bogus"])).rejects.toBeInstanceOf(CliError);
  });

  it("--hardware without --answer is a usage error", async () => {
    await expect(run(["--hardware", "x.json"])).rejects.toThrow(/--hardware only goes with --answer/);
  });
});
