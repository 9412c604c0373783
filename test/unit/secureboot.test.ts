import { describe, expect, it } from "vitest";
import { describeBootSecurity, parseLockdown, parseSecureBootVar } from "../../src/probe/secureboot.js";
import { evaluate, formatStatus, type Observations } from "../../src/status/report.js";

// efivarfs' SecureBoot file: attributes 0x06 (boot service + runtime access), then the value.
const ON = Uint8Array.from([6, 0, 0, 0, 1]);
const OFF = Uint8Array.from([6, 0, 0, 0, 0]);

describe("Secure Boot state", () => {
  it("reads the SecureBoot variable's value after its 4 attribute bytes: 1 on, 0 off, anything else unknown", () => {
    expect(parseSecureBootVar(ON)).toBe(true);
    expect(parseSecureBootVar(OFF)).toBe(false);
    expect(parseSecureBootVar(null)).toBeNull();
    expect(parseSecureBootVar(Uint8Array.from([6, 0, 0, 0]))).toBeNull();
  });

  it("takes the kernel's lockdown mode from the bracketed word", () => {
    expect(parseLockdown("none [integrity] confidentiality\n")).toBe("integrity");
    expect(parseLockdown("[none] integrity confidentiality\n")).toBe("none");
    expect(parseLockdown(null)).toBeNull();
  });

  it("says in one line how the machine booted", () => {
    expect(describeBootSecurity({ firmware: "uefi", secureBoot: true, lockdown: "integrity" })).toBe(
      "UEFI, Secure Boot on (kernel lockdown: integrity)",
    );
    expect(describeBootSecurity({ firmware: "uefi", secureBoot: false, lockdown: "none" })).toBe(
      "UEFI, Secure Boot off (kernel lockdown: none)",
    );
    expect(describeBootSecurity({ firmware: "bios", secureBoot: false, lockdown: "none" })).toBe(
      "BIOS (no Secure Boot)",
    );
  });

  it("pairboot status shows it as an OK boot line after the health lines", () => {
    const o = {
      node: "node-a",
      peer: "node-b",
      drbd: { resource: "r0", minor: 0, state: null },
      heartbeat: { running: false, peerStatus: "unknown", resources: "none" },
      bond: { name: "bond0", slaves: [], state: null },
      nfs: {
        holdsServiceIp: false,
        serviceIp: "192.168.42.10",
        serverActive: false,
        dataMounted: false,
        dataMount: "/srv/nfs",
      },
      time: null,
      boot: { firmware: "uefi", secureBoot: true, lockdown: "integrity" },
    } satisfies Observations;
    const lines = evaluate(o);
    expect(lines.at(-1)).toEqual({
      area: "boot",
      health: "ok",
      summary: "UEFI, Secure Boot on (kernel lockdown: integrity)",
    });
    expect(formatStatus("node-a", lines)).toMatch(
      /^\[ OK \] boot +UEFI, Secure Boot on \(kernel lockdown: integrity\)$/m,
    );
  });
});
