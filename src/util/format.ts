// Sizes and times as people read them, for every message, progress line and screen: one formatter of each
// kind, so the install, the clone and the wizard say the same thing the same way. ASCII only (the Linux
// console font and a serial line show nothing else reliably). Sizes are binary, as the answer file's are:
// a user comparing "min_size: 8GiB" with a disk must see both in GiB.
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 21474836480 -> "20.0 GiB"; whole bytes below 1 KiB ("512 B"). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  let value = Math.abs(n);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const sign = n < 0 ? "-" : "";
  return unit === 0 ? `${sign}${Math.round(value)} B` : `${sign}${value.toFixed(1)} ${UNITS[unit]}`;
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

/** Seconds -> "0:09", "1:05" or "1:02:03": elapsed times and ETAs; null (not known yet) -> "-:--". */
export function formatClock(seconds: number | null): string {
  if (seconds === null) return "-:--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
