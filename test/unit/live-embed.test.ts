import { describe, expect, it } from "vitest";
import { checkKernelArgs, grubSnippet, xorrisoArgs } from "../../src/live/embed.js";

describe("iso embed", () => {
  it("writes a GRUB snippet with the kernel arguments, default entry and timeout", () => {
    expect(
      grubSnippet({
        kernelArgs: ["pairboot.auto=1", "pairboot.node=node-a"],
        defaultEntry: "serial",
        timeout: 1,
      }),
    ).toBe(
      '# written by pairboot iso embed\nset pairboot_args="pairboot.auto=1 pairboot.node=node-a"\nset pairboot_installed_first=1\nset default=serial\nset timeout=1\n',
    );
    expect(grubSnippet({ kernelArgs: ["pairboot.node=node-a"] })).not.toContain("installed_first");
    expect(grubSnippet({ kernelArgs: [] })).toBe("# written by pairboot iso embed\n");
  });

  it("refuses kernel arguments GRUB would mangle and relative answer paths", () => {
    expect(
      checkKernelArgs(["pairboot.auto=1", "console=ttyS0,115200n8", "pairboot.answer=/a/b.yaml"]),
    ).toEqual([]);
    expect(checkKernelArgs(['a"b', "x;y"])).toEqual([
      'kernel argument "a"b": use only letters, digits and _ . , : / = + @ % -',
      'kernel argument "x;y": use only letters, digits and _ . , : / = + @ % -',
    ]);
    expect(checkKernelArgs(["pairboot.answer=answers/a.yaml"])).toEqual([
      "pairboot.answer=answers/a.yaml: give an absolute path on the medium (e.g. /answers/nfs1.yaml) or an http(s) URL",
    ]);
    expect(checkKernelArgs(["pairboot.answer=https://h/a.yaml"])).toEqual([]);
  });

  it("refuses an unattended image whose answer URL is plain http without a digest, and malformed pins", () => {
    expect(checkKernelArgs(["pairboot.answer=http://h/a.yaml", "pairboot.auto=1"])).toEqual([
      "pairboot.answer=http://h/a.yaml with pairboot.auto=1: a plain http answer without a digest is never installed unattended; add pairboot.answer.sha256=<sha256sum of the file>, or use https",
    ]);
    expect(
      checkKernelArgs([
        "pairboot.answer=http://h/a.yaml",
        "pairboot.auto=1",
        `pairboot.answer.sha256=${"0".repeat(64)}`,
      ]),
    ).toEqual([]);
    expect(
      checkKernelArgs(["pairboot.answer=https://h/a.yaml", "pairboot.answer.fingerprint=sha256:AB"])[0],
    ).toMatch(
      /^pairboot\.answer\.fingerprint=sha256:AB: give sha256: and the server certificate's SHA-256 fingerprint/,
    );
  });

  it("replays the original boot setup and leaves out HFS+", () => {
    expect(xorrisoArgs("in.iso", "out.iso", { "/pairboot/answer.yaml": "/tmp/a.yaml" })).toEqual([
      "-indev",
      "in.iso",
      "-outdev",
      "out.iso",
      "-boot_image",
      "any",
      "replay",
      "-hfsplus",
      "off",
      "-map",
      "/tmp/a.yaml",
      "/pairboot/answer.yaml",
      "-commit",
    ]);
  });
});
