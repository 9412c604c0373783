// Human-readable sizes for messages. Sizes in the answer file are binary (GiB), so messages use the same
// unit: a user comparing "min_size: 8GiB" with a disk must see both in GiB.
const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** 21474836480 -> "20.0 GiB"; below 1 GiB in MiB, below 1 MiB in KiB or bytes. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  if (abs >= GiB) return `${(n / GiB).toFixed(1)} GiB`;
  if (abs >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (abs >= KiB) return `${(n / KiB).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * Two sizes for a comparison message. When rounding makes them print alike ("8.0 GiB < 8.0 GiB"), the
 * exact byte counts are added so the message never contradicts itself.
 */
export function formatBytesPair(a: number, b: number): [string, string] {
  const fa = formatBytes(a);
  const fb = formatBytes(b);
  if (fa === fb && a !== b) return [`${fa} (${a} bytes)`, `${fb} (${b} bytes)`];
  return [fa, fb];
}
