// Timestamps and durations: the two values that are not JSON. Both keep
// milliseconds in a private field, so they have no own properties that an
// expression could read.

const MIN_MS = -62135596800000; // 0001-01-01T00:00:00Z
const MAX_MS = 253402300799999; // 9999-12-31T23:59:59.999Z
const MAX_DURATION_MS = 315576000000000; // 10,000 years, CEL's range

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Drops trailing zeros of a 3-digit millisecond fraction: 500 → ".5", 0 → "". */
function fraction(ms: number): string {
  if (ms === 0) return "";
  return `.${String(ms).padStart(3, "0").replace(/0+$/, "")}`;
}

/**
 * A point in time with millisecond precision, years 0001 to 9999.
 *
 * @example
 * const now = Timestamp.fromDate(new Date());
 * evaluate("now - order.placedAt > duration('24h')", { now, order });
 */
export class Timestamp {
  readonly #ms: number;

  private constructor(ms: number) {
    this.#ms = ms;
  }

  /** Milliseconds since 1970-01-01T00:00:00Z; undefined when out of range. */
  static tryFromEpochMilliseconds(ms: number): Timestamp | undefined {
    if (!Number.isFinite(ms)) return undefined;
    const t = Math.round(ms);
    return t >= MIN_MS && t <= MAX_MS ? new Timestamp(t) : undefined;
  }

  /** Milliseconds since the Unix epoch; throws RangeError outside years 1–9999. */
  static fromEpochMilliseconds(ms: number): Timestamp {
    const t = Timestamp.tryFromEpochMilliseconds(ms);
    if (t === undefined) throw new RangeError(`timestamp out of range: ${ms}`);
    return t;
  }

  static fromDate(date: Date): Timestamp {
    return Timestamp.fromEpochMilliseconds(date.getTime());
  }

  /** Parses RFC 3339 (`2024-05-01T10:00:00Z`, `…+02:00`, fractions kept to the millisecond). */
  static tryParse(text: string): Timestamp | undefined {
    const m = RFC3339.exec(text);
    if (m === null) return undefined;
    const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
    const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    const dim = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
    if (day > dim || hour > 23 || minute > 59 || second > 59) return undefined;
    let offset = 0;
    if (m[8] === undefined) {
      const oh = Number(m[10]);
      const om = Number(m[11]);
      if (oh > 23 || om > 59) return undefined;
      offset = (oh * 60 + om) * (m[9] === "-" ? -1 : 1);
    }
    const ms = Number((m[7] ?? "").padEnd(3, "0").slice(0, 3));
    const epoch =
      ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offset) * 60000 +
      second * 1000 +
      ms;
    return Timestamp.tryFromEpochMilliseconds(epoch);
  }

  /** Parses RFC 3339; throws RangeError on invalid text. */
  static parse(text: string): Timestamp {
    const t = Timestamp.tryParse(text);
    if (t === undefined) throw new RangeError(`invalid timestamp: ${text}`);
    return t;
  }

  /** Milliseconds since the Unix epoch. */
  get epochMilliseconds(): number {
    return this.#ms;
  }

  toDate(): Date {
    return new Date(this.#ms);
  }

  /** RFC 3339 in UTC, fractional seconds only when non-zero: `2024-05-01T10:00:00.5Z`. */
  toString(): string {
    const iso = new Date(this.#ms).toISOString();
    return `${iso.slice(0, 19)}${fraction(((this.#ms % 1000) + 1000) % 1000)}Z`;
  }

  toJSON(): string {
    return this.toString();
  }
}

const DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ms|h|m|s))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3600000, m: 60000, s: 1000, ms: 1 };

/**
 * A signed length of time with millisecond precision.
 *
 * @example
 * Duration.parse("1h30m").milliseconds; // 5400000
 */
export class Duration {
  readonly #ms: number;

  private constructor(ms: number) {
    this.#ms = ms;
  }

  /** Undefined when beyond ±10,000 years or not finite. */
  static tryFromMilliseconds(ms: number): Duration | undefined {
    if (!Number.isFinite(ms)) return undefined;
    const t = Math.round(ms) || 0; // no negative zero
    return Math.abs(t) <= MAX_DURATION_MS ? new Duration(t) : undefined;
  }

  static fromMilliseconds(ms: number): Duration {
    const d = Duration.tryFromMilliseconds(ms);
    if (d === undefined) throw new RangeError(`duration out of range: ${ms}`);
    return d;
  }

  /** Parses `"90s"`, `"1h30m"`, `"1.5h"`, `"-5m"`, `"250ms"`, `"0"`. */
  static tryParse(text: string): Duration | undefined {
    if (text === "0" || text === "-0" || text === "+0") return new Duration(0);
    if (!DURATION.test(text)) return undefined;
    let total = 0;
    for (const part of text.matchAll(DURATION_PART)) total += Number(part[1]) * UNIT_MS[part[2]!]!;
    return Duration.tryFromMilliseconds(text.startsWith("-") ? -total : total);
  }

  static parse(text: string): Duration {
    const d = Duration.tryParse(text);
    if (d === undefined) throw new RangeError(`invalid duration: ${text}`);
    return d;
  }

  get milliseconds(): number {
    return this.#ms;
  }

  /** Seconds with an `s`: `"5400s"`, `"1.5s"`, `"-0.25s"`. */
  toString(): string {
    const abs = Math.abs(this.#ms);
    return `${this.#ms < 0 ? "-" : ""}${Math.floor(abs / 1000)}${fraction(abs % 1000)}s`;
  }

  toJSON(): string {
    return this.toString();
  }
}
