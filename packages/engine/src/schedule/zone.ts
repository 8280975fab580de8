// Time-zone arithmetic on epoch milliseconds, with Intl as the only source
// of zone rules (it is in every runtime we target, Node and workerd alike).
// A "wall" time is a local date-time written as if it were UTC: the epoch ms
// of that date-time on a UTC clock. Cron patterns are matched in wall time
// and then resolved to instants here, so the daylight-saving rule lives in
// one place (resolveWall) instead of depending on a library's choices.

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let formatter = formatters.get(tz);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    // A handful of zones per isolate in practice; the bound only stops a
    // stream of distinct names from growing the map without end.
    if (formatters.size > 500) formatters.clear();
    formatters.set(tz, formatter);
  }
  return formatter;
}

/**
 * Whether `tz` is an IANA time-zone name this runtime knows.
 * @example isValidTimeZone("Europe/Amsterdam") // true
 */
export function isValidTimeZone(tz: string): boolean {
  if (typeof tz !== "string" || tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `at`, in ms (Amsterdam in summer: 7_200_000). */
export function offsetAt(tz: string, at: number): number {
  const whole = at - (((at % 1000) + 1000) % 1000);
  const parts = formatterFor(tz).formatToParts(new Date(whole));
  const field = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const wall = Date.UTC(
    field("year"),
    field("month") - 1,
    field("day"),
    field("hour"),
    field("minute"),
    field("second"),
  );
  return wall - whole;
}

/** The wall time at instant `at` in `tz`. */
export function wallAt(tz: string, at: number): number {
  return at + offsetAt(tz, at);
}

/** How a wall time became an instant. */
export type WallResolution = "exact" | "skipped" | "repeated";

/**
 * The instant a wall time fires at, by the daylight-saving rule: a wall time
 * that exists once is that instant; one that a spring-forward skips is the
 * first valid instant after it (the transition itself); one that a fall-back
 * repeats is its first occurrence. The result is monotone in `wall`, which
 * lets callers walk wall times in order and get instants in order.
 */
export function resolveWall(tz: string, wall: number): { at: number; dst: WallResolution } {
  // Offsets are within ±14 h and zones change at most once a day, so the
  // offsets a day either side are the only candidates.
  const before = offsetAt(tz, wall - DAY);
  const after = offsetAt(tz, wall + DAY);
  const valid: number[] = [];
  for (const offset of before === after ? [before] : [before, after]) {
    const at = wall - offset;
    if (offsetAt(tz, at) === offset) valid.push(at);
  }
  if (valid.length === 2) return { at: Math.min(...valid), dst: "repeated" };
  if (valid.length === 1) return { at: valid[0]!, dst: "exact" };
  // In a gap: the transition lies between the two readings of the wall time.
  return {
    at: transitionIn(tz, wall - Math.max(before, after), wall - Math.min(before, after)),
    dst: "skipped",
  };
}

/** The first instant in (lo, hi] whose offset is that of `hi`; the offsets at lo and hi differ. */
function transitionIn(tz: string, lo: number, hi: number): number {
  const target = offsetAt(tz, hi);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(tz, mid) === target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * When instant `at` is in the second pass of a fall-back (a wall time the
 * zone already showed once), the wall time at which that repetition ends;
 * otherwise null. Every wall time before it resolves to an instant before `at`.
 */
export function repeatedWallEnd(tz: string, at: number): number | null {
  const now = offsetAt(tz, at);
  // Transitions move clocks by at most a few hours.
  const earlier = offsetAt(tz, at - 3 * HOUR);
  if (earlier <= now) return null;
  const shift = earlier - now;
  if (offsetAt(tz, at - shift) !== earlier) return null;
  const transition = transitionIn(tz, at - shift, at);
  return transition + earlier;
}

/**
 * An offset as "+02:00", "-05:00", "+10:30".
 * @example formatOffset(-18_000_000) // "-05:00"
 */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const minutes = Math.round(Math.abs(offsetMs) / MINUTE);
  const hh = String(Math.floor(minutes / 60)).padStart(2, "0");
  const mm = String(minutes % 60).padStart(2, "0");
  return `${sign}${hh}:${mm}`;
}

/**
 * A wall time as "2026-03-29 03:00", with ":ss" when the seconds are not zero.
 * @example formatWall(Date.UTC(2026, 2, 29, 3, 0)) // "2026-03-29 03:00"
 */
export function formatWall(wall: number): string {
  const iso = new Date(wall).toISOString();
  const seconds = iso.slice(17, 19);
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${seconds === "00" ? "" : `:${seconds}`}`;
}
