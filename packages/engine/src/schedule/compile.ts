// A schedule trigger turned into something cheap to enumerate. Cron patterns
// are parsed by croner once and kept: croner matches wall times (utcOffset 0,
// so it never consults a zone or the clock), zone.ts turns them into instants.
import { Cron } from "croner";
import { parseDuration } from "../util/duration.ts";
import type { ScheduleTrigger } from "./types.ts";

/** "2026-03-29T01:00:00Z", "2026-03-29T03:00+02:00": a date, a time and an offset. */
const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** An ISO-8601 instant (with Z or an offset) to epoch ms; null when it is not one. */
export function parseInstant(text: string): number | null {
  if (typeof text !== "string" || !INSTANT_PATTERN.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : null;
}

export type CompiledSource =
  | { kind: "cron"; cron: Cron; seconds: boolean }
  | { kind: "every"; stepMs: number; anchor: number };

export interface CompiledSchedule {
  source: CompiledSource;
  /** Inclusive bounds, epoch ms; ±Infinity when open. */
  start: number;
  end: number;
}

const crons = new Map<string, Cron>();

/**
 * croner's parse of a 5- or 6-field pattern; throws croner's TypeError when
 * the pattern is not one. Parsed patterns are kept (bounded) because alarms
 * ask about the same few schedules over and over.
 */
export function parseCron(pattern: string): Cron {
  let cron = crons.get(pattern);
  if (cron === undefined) {
    cron = new Cron(pattern, { utcOffset: 0, paused: true, mode: "5-or-6-parts" });
    if (crons.size > 1000) crons.clear();
    crons.set(pattern, cron);
  }
  return cron;
}

/** Whether a cron pattern has a seconds field (6 fields, seconds first). */
export function hasSecondsField(pattern: string): boolean {
  return pattern.trim().split(/\s+/).length === 6;
}

/**
 * Compiles a schedule that validateSchedule accepted; throws on one it would
 * not, so a caller that skipped validation hears about it at once.
 */
export function compileSchedule(spec: ScheduleTrigger): CompiledSchedule {
  const start = spec.start === undefined ? null : parseInstant(spec.start);
  const end = spec.end === undefined ? null : parseInstant(spec.end);
  if (spec.start !== undefined && start === null) throw new Error("schedule: invalid start");
  if (spec.end !== undefined && end === null) throw new Error("schedule: invalid end");
  const bounds = { start: start ?? -Infinity, end: end ?? Infinity };
  if (spec.cron !== undefined && spec.every === undefined) {
    return {
      source: { kind: "cron", cron: parseCron(spec.cron), seconds: hasSecondsField(spec.cron) },
      ...bounds,
    };
  }
  if (spec.every !== undefined && spec.cron === undefined) {
    const stepMs = parseDuration(spec.every);
    if (stepMs === null || stepMs < 1000) throw new Error("schedule: invalid every");
    // Anchored at start, else at the epoch: the same instants whoever asks, whenever.
    return { source: { kind: "every", stepMs, anchor: start ?? 0 }, ...bounds };
  }
  throw new Error("schedule: exactly one of cron and every is required");
}
