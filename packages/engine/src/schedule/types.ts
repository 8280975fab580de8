// The schedule trigger of a workflow definition (DESIGN.md, "Wave 2
// constructs") and the shapes the schedule functions answer with.

/** What to do when an occurrence comes due while the previous run is still going. */
export const Overlap = { skip: "skip", bufferOne: "buffer_one", allow: "allow" } as const;
export type Overlap = (typeof Overlap)[keyof typeof Overlap];

/** What to do with occurrences that came due while nothing was awake to fire them. */
export const CatchUp = { none: "none", latest: "latest", all: "all" } as const;
export type CatchUp = (typeof CatchUp)[keyof typeof CatchUp];

/**
 * `trigger.schedule` in a definition. Exactly one of `cron` / `every`.
 * @example { cron: "0 9 * * 1", timezone: "Europe/Amsterdam", catchUp: "latest" }
 */
export interface ScheduleTrigger {
  /** 5 fields, or 6 with seconds first; matched against the local clock of `timezone`. */
  cron?: string;
  /** A definition duration ("15m"), at least 1 s; absolute time, blind to daylight saving. */
  every?: string;
  /** IANA name; default: the tenant's time zone, which callers pass in. */
  timezone?: string;
  /** ISO-8601 instant: no occurrence before it; also the anchor of `every`. */
  start?: string;
  /** ISO-8601 instant: no occurrence after it; after `start`. */
  end?: string;
  /** A duration: a fixed delay per schedule (from its id), never reaching the next occurrence. */
  jitter?: string;
  overlap?: Overlap;
  catchUp?: CatchUp;
}

/** A schedule's keys in the contract's order (the canonical form keeps it). */
export const SCHEDULE_TRIGGER_KEYS = [
  "cron",
  "every",
  "timezone",
  "start",
  "end",
  "jitter",
  "overlap",
  "catchUp",
] as const satisfies readonly (keyof ScheduleTrigger)[];

export const SCHEDULE_DEFAULTS = {
  overlap: Overlap.skip,
  catchUp: CatchUp.latest,
} as const satisfies Required<Pick<ScheduleTrigger, "overlap" | "catchUp">>;

/** The most occurrences one wake-up fires, and the most missed ones it lists. */
export const MAX_CATCH_UP = 100;

/** How late an occurrence may fire and still count as on time under `catchUp: "none"`. */
export const ON_TIME_GRACE_MS = 60_000;

/** Missed occurrences beyond the listed ones are counted up to this many. */
export const MAX_MISSED_COUNT = 1_000;

/** The daylight-saving rule, as the builder shows it. */
export const DST_RULE =
  "Times are read on the schedule's local clock. When daylight saving skips a time, it fires once at the first valid moment after it (02:30 on a spring-forward night fires at 03:00); when daylight saving repeats a time, it fires once, the first time. This holds for every cron schedule, hourly ones too: on a fall-back night the repeated hour fires once. 'every' schedules count real time and ignore the clock change.";

/** One fire time, for a person to read. */
export interface Occurrence {
  /** The instant, epoch ms. */
  at: number;
  /** The local date-time in the schedule's zone: "2026-03-29 03:00" (":ss" when seconds are not zero). */
  local: string;
  /** The zone's UTC offset at `at`: "+02:00". */
  offset: string;
  /**
   * Set when daylight saving moved this occurrence: "skipped" — the local time
   * the schedule asked for (`intended`) did not exist, so it fires at the
   * first valid moment after it; "repeated" — the local time happens twice
   * that night and this, the first, is the only fire.
   */
  dst?: "skipped" | "repeated";
  /** The local time asked for, when `dst` is "skipped": "2026-03-29 02:30". */
  intended?: string;
  /** True when `offset` differs from the one before (for the first: the offset at `from`). */
  offsetChanged: boolean;
}

/** What an alarm that wakes at `now` should do (planFires). */
export interface FirePlan {
  /** Nominal instants to fire now, ascending. */
  fire: number[];
  /** Nominal instants that will not fire, ascending: the most recent MAX_CATCH_UP of them. */
  missed: number[];
  /** How many were missed in all (≥ missed.length); when `missedCountCapped`, at least this many. */
  missedCount: number;
  missedCountCapped: boolean;
  /** The first occurrence after `now`, or null when the schedule has ended. */
  next: number | null;
  /**
   * Pass this as `lastNominal` at the next wake: every occurrence up to it
   * has now been fired or reported missed (it is `now`). Passing the last
   * fired nominal instead would report the same missed ones again.
   */
  cursor: number;
}
