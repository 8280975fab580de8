// What a schedule's alarm does when it wakes, and the event each fire emits.
// Pure: `now` and the last fired nominal time come from the caller (the
// scheduler's Durable Object), which also applies `overlap`, since that
// depends on whether the previous run is still going.
import { parseDuration } from "../util/duration.ts";
import { countBetween, occurrencesBefore, occurrencesBetween } from "./occurrences.ts";
import {
  type FirePlan,
  MAX_CATCH_UP,
  MAX_MISSED_COUNT,
  ON_TIME_GRACE_MS,
  SCHEDULE_DEFAULTS,
  type ScheduleTrigger,
} from "./types.ts";

export const SCHEDULE_EVENT_TYPE = "schedule.fired";

/**
 * Which occurrences to fire at `now`. Due: the occurrences after
 * `lastNominal` (the previous plan's `cursor`) up to and including `now`; a
 * new schedule (`lastNominal` null) has no back-fill, only an occurrence
 * exactly at `now` is due. Then by
 * `catchUp`: "none" fires the on-time ones (nominal ≥ now − 60 s), "latest"
 * the newest, "all" the newest `cap`; every other due one is missed.
 * @example planFires({ cron: "0 * * * *", catchUp: "latest" }, "UTC", lastHour, now)
 * // { fire: [thisHour], missed: [], missedCount: 0, missedCountCapped: false, next: nextHour, cursor: now }
 */
export function planFires(
  spec: ScheduleTrigger,
  tz: string,
  lastNominal: number | null,
  now: number,
  cap: number = MAX_CATCH_UP,
): FirePlan {
  const after = lastNominal ?? now - 1;
  // Twice the cap: enough for the fires and a full list of the missed ones
  // before them, fetched backwards so a long outage costs no more.
  const window = occurrencesBefore(spec, tz, after, now, 2 * cap);
  const mode = spec.catchUp ?? SCHEDULE_DEFAULTS.catchUp;
  let fire: number[];
  switch (mode) {
    case "none":
      fire = window.filter((nominal) => nominal >= now - ON_TIME_GRACE_MS).slice(-cap);
      break;
    case "latest":
      fire = window.slice(-1);
      break;
    case "all":
      fire = window.slice(-cap);
      break;
  }
  const missedInWindow = window.slice(0, window.length - fire.length);
  let missedCount = missedInWindow.length;
  let missedCountCapped = false;
  const oldest = window[0];
  if (window.length === 2 * cap && oldest !== undefined) {
    const older = countBetween(spec, tz, after, oldest - 1, MAX_MISSED_COUNT);
    missedCount += older.count;
    missedCountCapped = older.capped;
  }
  return {
    fire,
    missed: missedInWindow.slice(-cap),
    missedCount,
    missedCountCapped,
    next: occurrencesBetween(spec, tz, now, Infinity, 1)[0] ?? null,
    cursor: now,
  };
}

/** FNV-1a, 32 bits, over the UTF-16 code units (low byte, then high byte). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    hash = Math.imul(hash ^ (unit & 0xff), 0x01000193);
    hash = Math.imul(hash ^ (unit >>> 8), 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The delay to add to a nominal time before firing: the same fraction of the
 * schedule's `jitter` every time (from a hash of its id, no randomness), so
 * many schedules at 09:00 spread out while each stays regular. Within
 * [0, jitter] and strictly less than the gap to the next occurrence.
 * @example jitterMs("sch_1", { cron: "0 9 * * *", jitter: "5m" }, nominal, next) // e.g. 137_512
 */
export function jitterMs(
  scheduleId: string,
  spec: ScheduleTrigger,
  nominal: number,
  nextNominal: number | null,
): number {
  const jitter = spec.jitter === undefined ? 0 : (parseDuration(spec.jitter) ?? 0);
  const max = nextNominal === null ? jitter : Math.min(jitter, nextNominal - nominal - 1);
  if (max <= 0) return 0;
  return Math.floor((fnv1a(scheduleId) / 0x1_0000_0000) * (max + 1));
}

/**
 * The id of the event one occurrence emits: the same for every attempt to
 * fire it, so a retried alarm cannot start a second run.
 * @example scheduleEventId("sch_1", Date.UTC(2026, 0, 5, 8)) // "sch_1:2026-01-05T08:00:00.000Z"
 */
export function scheduleEventId(scheduleId: string, nominal: number): string {
  return `${scheduleId}:${new Date(nominal).toISOString()}`;
}

export interface ScheduleEventData {
  scheduleId: string;
  workflowId?: string;
  /** When the occurrence was due (ISO). */
  nominal: string;
  /** When it fired, after jitter and any delay (ISO). */
  actual: string;
  /** The occurrence fired before it (ISO), null for the first. */
  previousNominal: string | null;
}

/**
 * The `data` of a `schedule.fired` event.
 * @example scheduleEventData({ scheduleId: "sch_1", nominal: 0, actual: 1500, previousNominal: null })
 * // { scheduleId: "sch_1", nominal: "1970-01-01T00:00:00.000Z", actual: "1970-01-01T00:00:01.500Z", previousNominal: null }
 */
export function scheduleEventData(params: {
  scheduleId: string;
  workflowId?: string;
  nominal: number;
  actual: number;
  previousNominal: number | null;
}): ScheduleEventData {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    scheduleId: params.scheduleId,
    ...(params.workflowId === undefined ? {} : { workflowId: params.workflowId }),
    nominal: iso(params.nominal),
    actual: iso(params.actual),
    previousNominal: params.previousNominal === null ? null : iso(params.previousNominal),
  };
}
