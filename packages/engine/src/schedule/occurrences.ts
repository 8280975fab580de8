// Enumerating a schedule's nominal instants. Cron: walk croner's matches in
// wall time and resolve each through the daylight-saving rule (zone.ts);
// two wall times that resolve to the same instant (a skipped 02:30 and the
// real 03:00) fire once. Every: arithmetic from the anchor.
import { type CompiledSchedule, compileSchedule } from "./compile.ts";
import type { Occurrence, ScheduleTrigger } from "./types.ts";
import {
  formatOffset,
  formatWall,
  offsetAt,
  repeatedWallEnd,
  resolveWall,
  type WallResolution,
  wallAt,
} from "./zone.ts";

interface Hit {
  at: number;
  /** The wall time the pattern asked for (for every: the wall time at `at`). */
  wall: number;
  dst: WallResolution;
}

/** Occurrences in (after, until] in order, at most `limit`. */
function forward(
  compiled: CompiledSchedule,
  tz: string,
  afterExclusive: number,
  untilInclusive: number,
  limit: number,
): Hit[] {
  const lo = Math.max(afterExclusive, compiled.start - 1);
  const hi = Math.min(untilInclusive, compiled.end);
  const hits: Hit[] = [];
  if (!(hi > lo) || limit <= 0) return hits;
  const { source } = compiled;
  if (source.kind === "every") {
    let k = Math.floor((lo - source.anchor) / source.stepMs) + 1;
    for (let at = source.anchor + k * source.stepMs; at <= hi && hits.length < limit; ) {
      hits.push({ at, wall: wallAt(tz, at), dst: "exact" });
      k++;
      at = source.anchor + k * source.stepMs;
    }
    return hits;
  }
  // From inside a repeated hour, the rest of the repetition already fired in
  // its first pass: start after it instead of walking through it.
  const repeatEnd = repeatedWallEnd(tz, lo);
  let ref = repeatEnd === null ? wallAt(tz, lo) : repeatEnd - 1;
  while (hits.length < limit) {
    const next = source.cron.nextRun(new Date(ref));
    if (next === null) break;
    const wall = next.getTime();
    if (wall <= ref) break; // croner gave nothing new: never loop
    ref = wall;
    const { at, dst } = resolveWall(tz, wall);
    if (at <= lo) continue;
    if (at > hi) break;
    if (hits.length > 0 && hits[hits.length - 1]!.at === at) continue;
    hits.push({ at, wall, dst });
  }
  return hits;
}

/**
 * The nominal instants of a schedule in (afterExclusive, untilInclusive],
 * ascending, at most `limit`, within its start and end. `tz` is the zone to
 * use when the schedule names none (the tenant's).
 * @example occurrencesBetween({ every: "15m" }, "UTC", 0, 3_600_000, 10) // [900000, 1800000, 2700000, 3600000]
 */
export function occurrencesBetween(
  spec: ScheduleTrigger,
  tz: string,
  afterExclusive: number,
  untilInclusive: number,
  limit: number,
): number[] {
  const zone = spec.timezone ?? tz;
  return forward(compileSchedule(spec), zone, afterExclusive, untilInclusive, limit).map(
    (hit) => hit.at,
  );
}

/**
 * The last `count` nominal instants in (afterExclusive, untilInclusive],
 * ascending. Walks backwards, so a long outage of a busy schedule costs
 * `count` steps, not one per missed occurrence.
 */
export function occurrencesBefore(
  spec: ScheduleTrigger,
  tz: string,
  afterExclusive: number,
  untilInclusive: number,
  count: number,
): number[] {
  const zone = spec.timezone ?? tz;
  const compiled = compileSchedule(spec);
  const lo = Math.max(afterExclusive, compiled.start - 1);
  const hi = Math.min(untilInclusive, compiled.end);
  if (!(hi > lo) || count <= 0) return [];
  const { source } = compiled;
  const out: number[] = [];
  if (source.kind === "every") {
    let k = Math.floor((hi - source.anchor) / source.stepMs);
    for (let at = source.anchor + k * source.stepMs; at > lo && out.length < count; ) {
      out.push(at);
      k--;
      at = source.anchor + k * source.stepMs;
    }
    return out.reverse();
  }
  // croner's previousRuns excludes its reference; a repetition that ends
  // after `hi` still resolved entirely to instants before it.
  let ref = repeatedWallEnd(zone, hi) ?? wallAt(zone, hi) + 1;
  // Usually one or two are due; grow the batch only when more are.
  let size = 2;
  while (out.length < count) {
    const batch = source.cron.previousRuns(Math.min(count - out.length + 1, size), new Date(ref));
    size = Math.min(size * 4, 64);
    if (batch.length === 0) break;
    for (const date of batch) {
      const wall = date.getTime();
      if (wall >= ref) return out.reverse(); // never loop
      ref = wall;
      const { at } = resolveWall(zone, wall);
      if (at > hi) continue;
      if (at <= lo) return out.reverse();
      if (out.length > 0 && out[out.length - 1] === at) continue;
      out.push(at);
      if (out.length === count) break;
    }
  }
  return out.reverse();
}

/** How many occurrences fall in (after, until]; a cron walk stops counting at `budget`. */
export function countBetween(
  spec: ScheduleTrigger,
  tz: string,
  afterExclusive: number,
  untilInclusive: number,
  budget: number,
): { count: number; capped: boolean } {
  const compiled = compileSchedule(spec);
  const { source } = compiled;
  if (source.kind === "every") {
    const lo = Math.max(afterExclusive, compiled.start - 1);
    const hi = Math.min(untilInclusive, compiled.end);
    if (!(hi > lo)) return { count: 0, capped: false };
    const count =
      Math.floor((hi - source.anchor) / source.stepMs) -
      Math.floor((lo - source.anchor) / source.stepMs);
    // Arithmetic is as cheap for a million as for one: always exact.
    return { count, capped: false };
  }
  const hits = forward(compiled, spec.timezone ?? tz, afterExclusive, untilInclusive, budget + 1);
  return hits.length > budget
    ? { count: budget, capped: true }
    : { count: hits.length, capped: false };
}

/**
 * The next `count` fire times after `from` (exclusive), for a person: local
 * time, offset, and which ones daylight saving moved.
 * @example nextOccurrences({ cron: "30 2 * * *" }, "Europe/Amsterdam", Date.parse("2026-03-28T12:00Z"), 1)
 * // [{ at: Date.parse("2026-03-29T01:00Z"), local: "2026-03-29 03:00", offset: "+02:00",
 * //    dst: "skipped", intended: "2026-03-29 02:30", offsetChanged: true }]
 */
export function nextOccurrences(
  spec: ScheduleTrigger,
  tz: string,
  from: number,
  count: number,
): Occurrence[] {
  const zone = spec.timezone ?? tz;
  const hits = forward(compileSchedule(spec), zone, from, Infinity, count);
  let previousOffset = offsetAt(zone, from);
  return hits.map((hit) => {
    const offsetMs = offsetAt(zone, hit.at);
    const occurrence: Occurrence = {
      at: hit.at,
      local: formatWall(hit.at + offsetMs),
      offset: formatOffset(offsetMs),
      offsetChanged: offsetMs !== previousOffset,
    };
    if (hit.dst === "skipped") {
      occurrence.dst = "skipped";
      occurrence.intended = formatWall(hit.wall);
    } else if (hit.dst === "repeated") occurrence.dst = "repeated";
    previousOffset = offsetMs;
    return occurrence;
  });
}
