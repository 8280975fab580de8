// Definition durations: "2s", "10m", "48h", "1h30m", "250ms". Units in
// descending order, each at most once, whole numbers. The same spelling as
// the expression language's duration() for the forms both accept.
const DURATION_PATTERN = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

const MS = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;

/**
 * Parses a definition duration to milliseconds; `null` when it is not one.
 * @example parseDuration("1h30m") // 5_400_000
 */
export function parseDuration(text: string): number | null {
  if (text.length === 0 || text.length > 32) return null;
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return null;
  const [, h, m, s, ms] = match;
  const total =
    Number(h ?? 0) * MS.h + Number(m ?? 0) * MS.m + Number(s ?? 0) * MS.s + Number(ms ?? 0) * MS.ms;
  return Number.isSafeInteger(total) ? total : null;
}

/**
 * Formats milliseconds as the shortest definition duration.
 * @example formatDuration(5_400_000) // "1h30m"
 */
export function formatDuration(totalMs: number): string {
  if (totalMs <= 0) return "0s";
  let rest = Math.floor(totalMs);
  let out = "";
  for (const unit of ["h", "m", "s", "ms"] as const) {
    const n = Math.floor(rest / MS[unit]);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * MS[unit];
  }
  return out;
}
