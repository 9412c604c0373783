// What the confirm screen says about the stick before the wizard saves the answer there (see answer-io.ts).
import type { HardwareFacts } from "../../probe/facts.js";
import { STICK_LABEL, findStick } from "../../probe/stick.js";

/** Where the answer will go, said on the confirm screen before anything is written. */
export function saveHint(facts: HardwareFacts): string {
  const stick = findStick(facts);
  const device = stick?.partition.path;
  if (stick?.mountpoint) {
    return `onto the stick's ${STICK_LABEL} partition (${device}, mounted at ${stick.mountpoint})`;
  }
  if (stick) return `into a temp directory: the ${STICK_LABEL} partition ${device} is not mounted`;
  return `into a temp directory: no partition labelled ${STICK_LABEL} was found`;
}
