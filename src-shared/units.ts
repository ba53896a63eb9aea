/** Byte counts in SI units ("4.80 kB", "12.3 MB"), three significant digits, like the Mbit/s beside them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'] as const;
  let value = bytes;
  let unit: string = 'B';
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${unit}`;
}

/** Milliseconds as seconds with one decimal ("3.0 s"). */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Microseconds as milliseconds with three decimals ("0.052"): loopback round trips are tens of microseconds. */
export function formatMicrosAsMillis(us: number): string {
  return (us / 1000).toFixed(3);
}

/** Microseconds as milliseconds with three significant digits ("0.053", "43.5", "210"). */
export function formatMicrosAsMillisShort(us: number): string {
  const ms = us / 1000;
  return ms.toFixed(ms < 1 ? 3 : ms < 10 ? 2 : ms < 100 ? 1 : 0);
}

/** Bits per second as Mbit/s with two decimals. */
export function formatMbitPerSecond(bitsPerSecond: number): string {
  return (bitsPerSecond / 1e6).toFixed(2);
}
