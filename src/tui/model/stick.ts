// The stick's PAIRBOOT partition in the probe's facts: where the wizard saves answers (see answer-io.ts)
// and what the confirm screen says about it beforehand.
import type { HardwareFacts } from "../../probe/facts.js";

export const PAIRBOOT_LABEL = "PAIRBOOT";

/**
 * A partition labelled PAIRBOOT (filesystem or GPT label, any case, as src/live/stick.ts finds it), mounted
 * or not; the first mounted one wins.
 */
export function findStick(facts: HardwareFacts): { device: string; mountpoint: string | null } | null {
  let unmounted: { device: string; mountpoint: null } | null = null;
  for (const d of facts.disks) {
    for (const p of d.partitions) {
      const labels = [p.label, p.partLabel].map((l) => l?.toUpperCase());
      if (!labels.includes(PAIRBOOT_LABEL)) continue;
      const mountpoint = p.mountpoints[0];
      if (mountpoint) return { device: p.path, mountpoint };
      unmounted ??= { device: p.path, mountpoint: null };
    }
  }
  return unmounted;
}

/** Where the answer will go, said on the confirm screen before anything is written. */
export function saveHint(facts: HardwareFacts): string {
  const stick = findStick(facts);
  if (stick?.mountpoint) {
    return `onto the stick's ${PAIRBOOT_LABEL} partition (${stick.device}, mounted at ${stick.mountpoint})`;
  }
  if (stick) return `into a temp directory: the ${PAIRBOOT_LABEL} partition ${stick.device} is not mounted`;
  return `into a temp directory: no partition labelled ${PAIRBOOT_LABEL} was found`;
}
