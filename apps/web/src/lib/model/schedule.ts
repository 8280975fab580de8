// A schedule trigger in people's terms (issue 15): "Every week on Monday at
// 09:00" ⇄ `{ cron: "0 9 * * 1" }`, "Every 15 minutes" ⇄ `{ every: "15m" }`,
// and the next fire times with daylight-saving shifts said in words. Pure:
// the editor passes the clock and the locale in.
import {
  describeSchedule,
  formatDuration,
  formatOffset,
  type Occurrence,
  offsetAt,
  parseDuration,
  SCHEDULE_TRIGGER_KEYS,
  type ScheduleTrigger,
} from "@switchyard/engine";

/** The choices of "Repeat". `interval` only stands for an `every` the others cannot say ("90s"). */
export const RepeatKind = {
  minutes: "minutes",
  hours: "hours",
  daily: "daily",
  weekly: "weekly",
  monthly: "monthly",
  custom: "custom",
  interval: "interval",
} as const;
export type RepeatKind = (typeof RepeatKind)[keyof typeof RepeatKind];

export const REPEAT_LABELS: Record<RepeatKind, string> = {
  minutes: "Every N minutes",
  hours: "Every N hours",
  daily: "Every day",
  weekly: "Every week",
  monthly: "Every month",
  custom: "Custom (cron)",
  interval: "Every … (a duration)",
};

/** Sunday first, as cron numbers them (0–6). */
export const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
] as const;

/**
 * Everything the repeat controls hold, for every kind at once, so switching
 * kinds keeps the time and days already chosen.
 */
export interface RepeatForm {
  kind: RepeatKind;
  minutes: number;
  hours: number;
  /** "HH:MM", 24-hour. */
  time: string;
  /** Cron weekday numbers, 0 = Sunday, ascending. */
  days: number[];
  monthDay: number;
  cron: string;
  every: string;
}

export const DEFAULT_REPEAT: RepeatForm = {
  kind: RepeatKind.hours,
  minutes: 15,
  hours: 1,
  time: "09:00",
  days: [1],
  monthDay: 1,
  cron: "0 9 * * 1",
  every: "1h",
};

/** What a new schedule trigger starts as: every hour. */
export const NEW_SCHEDULE: ScheduleTrigger = { every: "1h" };

const pad = (n: number): string => String(n).padStart(2, "0");
const SMALL_NUMBER = /^\d{1,2}$/;

function weekdayNumbers(field: string): number[] | null {
  const names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
  const one = (text: string): number | null => {
    const named = names.indexOf(text.toUpperCase());
    if (named >= 0) return named;
    if (!SMALL_NUMBER.test(text) || Number(text) > 7) return null;
    return Number(text) % 7;
  };
  const days = new Set<number>();
  for (const part of field.split(",")) {
    const range = part.split("-");
    if (range.length > 2) return null;
    const from = one(range[0] ?? "");
    const to = range.length === 2 ? one(range[1] ?? "") : from;
    // "5-7" (Friday to Sunday, 7 being Sunday again) stays Custom: rare, and easy to misread.
    if (from === null || to === null || to < from) return null;
    for (let d = from; d <= to; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

/** "1,2,3,4,5" → "1-5": runs of three or more as ranges, as people write them. */
function weekdayField(days: number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * The repeat controls for a schedule: its `every` or `cron` read back into
 * the friendliest choice that says exactly the same, else Custom.
 * @example repeatFormOf({ cron: "0 9 * * 1" }) // { kind: "weekly", days: [1], time: "09:00", … }
 */
export function repeatFormOf(spec: ScheduleTrigger): RepeatForm {
  const form: RepeatForm = { ...DEFAULT_REPEAT, days: [...DEFAULT_REPEAT.days] };
  if (spec.every !== undefined) {
    form.every = spec.every;
    const ms = parseDuration(spec.every);
    if (ms !== null && ms > 0 && ms % 3_600_000 === 0) {
      return { ...form, kind: RepeatKind.hours, hours: ms / 3_600_000 };
    }
    if (ms !== null && ms > 0 && ms % 60_000 === 0) {
      return { ...form, kind: RepeatKind.minutes, minutes: ms / 60_000 };
    }
    return { ...form, kind: RepeatKind.interval };
  }
  const cron = (spec.cron ?? "").trim();
  form.cron = cron;
  const custom = { ...form, kind: RepeatKind.custom };
  const fields = cron.split(/\s+/);
  if (fields.length !== 5) return custom;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  if (!SMALL_NUMBER.test(minute) || !SMALL_NUMBER.test(hour) || month !== "*") return custom;
  if (Number(minute) > 59 || Number(hour) > 23) return custom;
  // Only a cron that writes itself back the same way is friendly: "09 9 * * *"
  // would come back as "9 9 * * *", a change nobody made.
  const time = `${pad(Number(hour))}:${pad(Number(minute))}`;
  let friendly: RepeatForm | null = null;
  if (dom === "*" && dow === "*") friendly = { ...form, kind: RepeatKind.daily, time };
  else if (dom === "*") {
    const days = weekdayNumbers(dow);
    if (days !== null && days.length > 0) {
      friendly = { ...form, kind: RepeatKind.weekly, time, days };
    }
  } else if (dow === "*" && SMALL_NUMBER.test(dom) && Number(dom) >= 1 && Number(dom) <= 31) {
    friendly = { ...form, kind: RepeatKind.monthly, time, monthDay: Number(dom) };
  }
  if (friendly === null) return custom;
  const back = repeatSource(friendly);
  return "cron" in back && back.cron === cron ? friendly : custom;
}

/** Why the repeat controls cannot make a schedule yet, or the `cron` / `every` they make. */
export type RepeatSource = { cron: string } | { every: string } | { problem: string };

const wholeAtLeastOne = (n: number): boolean => Number.isInteger(n) && n >= 1;

/**
 * The `cron` or `every` the repeat controls say, or why they say none.
 * @example repeatSource({ ...DEFAULT_REPEAT, kind: "weekly", days: [1], time: "09:00" }) // { cron: "0 9 * * 1" }
 */
export function repeatSource(form: RepeatForm): RepeatSource {
  const clock = /^(\d{1,2}):(\d{2})$/.exec(form.time);
  const at =
    clock && Number(clock[1]) <= 23 && Number(clock[2]) <= 59
      ? `${Number(clock[2])} ${Number(clock[1])}`
      : null;
  switch (form.kind) {
    case RepeatKind.minutes:
      return wholeAtLeastOne(form.minutes)
        ? { every: `${form.minutes}m` }
        : { problem: "Write a whole number of minutes, 1 or more." };
    case RepeatKind.hours:
      return wholeAtLeastOne(form.hours)
        ? { every: `${form.hours}h` }
        : { problem: "Write a whole number of hours, 1 or more." };
    case RepeatKind.interval:
      return { every: form.every.trim() };
    case RepeatKind.custom:
      return { cron: form.cron.trim() };
    case RepeatKind.daily:
    case RepeatKind.weekly:
    case RepeatKind.monthly: {
      if (at === null) return { problem: "Choose a time of day, such as 09:00." };
      if (form.kind === RepeatKind.daily) return { cron: `${at} * * *` };
      if (form.kind === RepeatKind.weekly) {
        return form.days.length === 0
          ? { problem: "Choose at least one day of the week." }
          : { cron: `${at} * * ${weekdayField(form.days)}` };
      }
      return Number.isInteger(form.monthDay) && form.monthDay >= 1 && form.monthDay <= 31
        ? { cron: `${at} ${form.monthDay} * *` }
        : { problem: "Choose a day of the month from 1 to 31." };
    }
  }
}

/**
 * The schedule in a sentence on its own clock: the zone it names, else the
 * workspace's (cron schedules only: `every` counts real time, no clock).
 * @example scheduleSentence({ cron: "0 9 * * 1" }, "Europe/Amsterdam") // "Every Monday at 09:00 (Europe/Amsterdam time)"
 */
export function scheduleSentence(spec: ScheduleTrigger, workspaceZone: string): string {
  return describeSchedule({ ...spec, timezone: spec.timezone ?? workspaceZone });
}

/**
 * A schedule with some settings changed; `undefined` (or "") removes one.
 * Setting `cron` removes `every` and the other way round.
 * @example withSchedule({ every: "1h", timezone: "UTC" }, { cron: "0 9 * * 1" }) // { cron: "0 9 * * 1", timezone: "UTC" }
 */
export function withSchedule(
  spec: ScheduleTrigger,
  change: Partial<Record<keyof ScheduleTrigger, string | undefined>>,
): ScheduleTrigger {
  const merged: Record<string, string | undefined> = { ...spec, ...change };
  if (change.cron !== undefined) delete merged.every;
  if (change.every !== undefined) delete merged.cron;
  const out: Record<string, string> = {};
  for (const key of SCHEDULE_TRIGGER_KEYS) {
    const value = merged[key];
    if (value !== undefined && value !== "") out[key] = value;
  }
  return out as ScheduleTrigger;
}

// ---- dates for <input type="datetime-local"> ---------------------------------

/** The zone's offset at instant `at`, in minutes east of UTC (the engine's, in minutes). */
export function zoneOffsetMinutes(tz: string, at: number): number {
  return Math.round(offsetAt(tz, at) / 60_000);
}

/**
 * A local date-time in `tz` ("2026-04-01T09:00", as a datetime-local input
 * gives it) as the ISO instant a schedule's start or end holds; "" for "".
 * @example localToInstant("2026-04-01T09:00", "Europe/Amsterdam") // "2026-04-01T09:00:00+02:00"
 */
export function localToInstant(local: string, tz: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return "";
  const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  // Two passes find the offset in force at that wall time (once is wrong near a change).
  let offset = zoneOffsetMinutes(tz, wall);
  offset = zoneOffsetMinutes(tz, wall - offset * 60_000);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${formatOffset(offset * 60_000)}`;
}

/** An ISO instant as a datetime-local value in `tz`; "" when it is not one. */
export function instantToLocal(iso: string | undefined, tz: string): string {
  if (!iso) return "";
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return "";
  const wall = new Date(at + zoneOffsetMinutes(tz, at) * 60_000);
  return wall.toISOString().slice(0, 16);
}

// ---- the next fire times, in words ---------------------------------------------

const parseOffset = (text: string): number => {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(text);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
};
const clockOf = (local: string): string => local.slice(11);

/**
 * What daylight saving did to one fire time, in words; null when nothing.
 * `previousOffset`: the zone's offset (minutes) before it.
 * @example occurrenceNote({ dst: "skipped", intended: "2026-03-29 02:30", local: "2026-03-29 03:00", … }, 60)
 * // "Clocks go forward: 02:30 does not exist, runs at 03:00"
 */
export function occurrenceNote(o: Occurrence, previousOffset: number): string | null {
  if (o.dst === "skipped" && o.intended !== undefined) {
    return `Clocks go forward: ${clockOf(o.intended)} does not exist, runs at ${clockOf(o.local)}`;
  }
  if (o.dst === "repeated") {
    return `Clocks go back: ${clockOf(o.local)} happens twice, runs the first time only`;
  }
  if (o.offsetChanged) {
    const now = parseOffset(o.offset);
    const words = now > previousOffset ? "Clocks went forward" : "Clocks went back";
    return `${words} before this one (UTC${o.offset} from now on)`;
  }
  return null;
}

export interface PreviewRow {
  iso: string;
  /** The fire time in the schedule's zone, the workspace's way. */
  when: string;
  note: string | null;
}

/**
 * The rows of the "Next times" list: each occurrence written in the
 * workspace's locale on the schedule's clock, with daylight saving in words.
 */
export function previewRows(
  list: Occurrence[],
  tz: string,
  locale: string,
  from: number,
): PreviewRow[] {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat(locale, {
      dateStyle: "full",
      timeStyle: "short",
      timeZone: tz,
    });
  } catch {
    format = new Intl.DateTimeFormat("en", { dateStyle: "full", timeStyle: "short", timeZone: tz });
  }
  let previous = zoneOffsetMinutes(tz, from);
  return list.map((o) => {
    const row = {
      iso: new Date(o.at).toISOString(),
      when: format.format(o.at),
      note: occurrenceNote(o, previous),
    };
    previous = parseOffset(o.offset);
    return row;
  });
}

/** Every IANA zone this browser knows (a short list where it cannot say), with `current` kept in. */
export function timeZoneNames(current: string): string[] {
  let names: string[];
  try {
    names = Intl.supportedValuesOf("timeZone");
  } catch {
    names = ["UTC", "Europe/London", "Europe/Amsterdam", "America/New_York", "Asia/Tokyo"];
  }
  if (!names.includes("UTC")) names = ["UTC", ...names];
  return current && !names.includes(current) ? [current, ...names] : names;
}

/** "15m" as words for the jitter hint: "up to 15 minutes". */
export function durationWords(text: string): string | null {
  const ms = parseDuration(text);
  if (ms === null) return null;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hour${ms === 3_600_000 ? "" : "s"}`;
  if (ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? "" : "s"}`;
  if (ms % 1000 === 0) return `${ms / 1000} second${ms === 1000 ? "" : "s"}`;
  return formatDuration(ms);
}
