// The probe's public entry point: read this machine, interpret what was read.
import type { HardwareFacts } from "./facts.js";
import { parseHardware } from "./parse.js";
import { readRawHardware, type ProbeOptions } from "./read.js";

export type { HardwareFacts, DiskFacts, NicFacts, DmiFacts, PartitionFacts } from "./facts.js";
export type { ProbeOptions } from "./read.js";
export { readRawHardware } from "./read.js";
export { parseHardware } from "./parse.js";

/** This machine's disks, NICs, DMI data, host name and kernel command line. Reads only; writes nothing. */
export async function probeHardware(options: ProbeOptions = {}): Promise<HardwareFacts> {
  return parseHardware(await readRawHardware(options));
}
