// The fencing check of `pairboot status`: can this node reset its peer? It asks the peer's BMC for the
// chassis power status with the same user, password, interface and privilege Heartbeat's external/ipmi
// plugin uses, so a pass means a STONITH would get through. The password goes to ipmitool on its standard
// input (-f /dev/stdin), through the one runner's stdin, never on its command line.
import type { ClusterSpec } from "../answer/schema.js";
import { fencingEnabled, NO_FENCING_RISK } from "../answer/fencing.js";
import { STONITH_ENV } from "../render/stonith.js";
import { run } from "../util/exec.js";
import type { StatusLine } from "./report.js";

export type BmcAnswer = "on" | "off" | "refused" | "unreachable" | "no-ipmitool" | "error";

export interface FencingObservation {
  enabled: boolean;
  peer: string;
  /** The peer's BMC address and interface, when fencing is on. */
  bmc?: { address: string; interface: string };
  answer?: BmcAnswer;
  /** ipmitool's last line when it failed: its own words, never the password. */
  message?: string;
}

/** ipmitool's argv for a power status query; the password is not in it. */
export function ipmitoolArgs(bmc: { address: string; user: string; interface: string }): string[] {
  return [
    ...["-I", bmc.interface, "-H", bmc.address, "-U", bmc.user],
    ...["-L", STONITH_ENV.priv, "-f", "/dev/stdin", "chassis", "power", "status"],
    // Two tries of 2 s, not ipmitool's default of 4: a monitoring check must answer within 10 s.
    ...["-N", "2", "-R", "2"],
  ];
}

/** What ipmitool's output and exit status mean for fencing. Pure, for recorded output. */
export function classifyIpmitool(exitCode: number, output: string): BmcAnswer {
  if (exitCode === 0 && /Chassis Power is on/i.test(output)) return "on";
  if (exitCode === 0 && /Chassis Power is off/i.test(output)) return "off";
  // ipmitool 1.8.19's words when the BMC answered but refused the user, the password (IPMI 1.5: the
  // challenge came back, the activation did not; 2.0: RAKP) or the privilege.
  if (/Activate Session command failed|Invalid user name|unauthorized name|RAKP|privilege/i.test(output))
    return "refused";
  // ... and when nothing answered (no route, no BMC on the address, a BMC without power).
  if (
    /Could not open socket|Get Session Challenge command failed|No response|Unable to establish/i.test(output)
  )
    return "unreachable";
  return "error";
}

/** Asks the peer's BMC; `prefix` runs ipmitool through another command (a test's `ip netns exec NS`). */
export async function observeFencing(
  spec: ClusterSpec,
  nodeName: string,
  prefix: string[] = [],
): Promise<FencingObservation> {
  const peer = spec.nodes.find((n) => n.name !== nodeName);
  const peerName = peer?.name ?? "peer";
  if (!fencingEnabled(spec) || !peer?.bmc) return { enabled: false, peer: peerName };
  const bmc = peer.bmc;
  const base = { enabled: true, peer: peerName, bmc: { address: bmc.address, interface: bmc.interface } };
  if (bmc.password === undefined)
    return { ...base, answer: "error", message: "no BMC password in the answer file" };
  const r = await run([...prefix, "ipmitool", ...ipmitoolArgs(bmc)], {
    stdin: bmc.password,
    timeoutMs: 30_000,
  });
  if (r.exitCode === undefined && /ENOENT/.test(r.failure ?? "")) return { ...base, answer: "no-ipmitool" };
  const output = r.all;
  const answer = classifyIpmitool(r.exitCode ?? -1, output);
  const last = output.trim().split("\n").filter(Boolean).at(-1);
  return { ...base, answer, ...(answer === "on" || answer === "off" || !last ? {} : { message: last }) };
}

/** The check's line: OK when the peer's BMC answers to our login, CRITICAL when fencing would fail. */
export function fencingLine(o: FencingObservation): StatusLine {
  const area = "fencing";
  // A choice the answer made, not a fault that comes and goes: a permanent WARNING would only teach
  // monitoring to ignore warnings. The line says what the choice risks.
  if (!o.enabled) return { area, health: "ok", summary: `not configured: ${NO_FENCING_RISK}` };
  const bmc = `${o.peer}'s BMC ${o.bmc?.address ?? "?"} (${o.bmc?.interface ?? "?"})`;
  const cannot = `Heartbeat will not take over from ${o.peer} while its BMC cannot reset it`;
  switch (o.answer) {
    case "on":
    case "off":
      return {
        area,
        health: "ok",
        summary: `${bmc} answers and accepts our login; ${o.peer} power ${o.answer}`,
      };
    case "refused":
      return {
        area,
        health: "fail",
        summary: `${bmc} refused the login (user, password or privilege): ${cannot}${o.message ? `; ipmitool: ${o.message}` : ""}`,
      };
    case "unreachable":
      return {
        area,
        health: "fail",
        summary: `${bmc} does not answer: ${cannot}${o.message ? `; ipmitool: ${o.message}` : ""}`,
      };
    case "no-ipmitool":
      return { area, health: "fail", summary: `ipmitool is not installed: ${cannot}` };
    default:
      return {
        area,
        health: "fail",
        summary: `${bmc}: ${o.message ?? "ipmitool failed"}: ${cannot}`,
      };
  }
}
