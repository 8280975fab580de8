// Five years of an alarm loop in simulated time: wake at `next` (sometimes
// late, sometimes after an outage), ask planFires, fire, repeat. No real
// clock anywhere; the whole walk is bounded by the test timeout.
import { describe, expect, it } from "vitest";
import { planFires } from "./plan.ts";
import type { ScheduleTrigger } from "./types.ts";
import { offsetAt } from "./zone.ts";

const AMS = "Europe/Amsterdam";
const FROM = Date.UTC(2026, 0, 1);
const UNTIL = Date.UTC(2031, 0, 1);
const DAY = 86_400_000;

/** A tiny deterministic generator (LCG) for wake-up delays. */
function lateness(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    // Mostly a few seconds late; one wake in fifty after a two-day outage.
    return state % 50 === 0 ? 2 * DAY : state % 5_000;
  };
}

function walk(spec: ScheduleTrigger): number[] {
  const fired: number[] = [];
  const delay = lateness(7);
  let last: number | null = null;
  let now = FROM;
  while (now < UNTIL) {
    const plan = planFires(spec, AMS, last, now);
    for (const nominal of plan.fire) {
      if (fired.length > 0) expect(nominal).toBeGreaterThan(fired[fired.length - 1]!);
      fired.push(nominal);
    }
    last = plan.cursor;
    if (plan.next === null) break;
    now = plan.next + delay();
  }
  return fired;
}

const localDate = (at: number): string =>
  new Date(at + offsetAt(AMS, at)).toISOString().slice(0, 10);
const localTime = (at: number): string =>
  new Date(at + offsetAt(AMS, at)).toISOString().slice(11, 16);

function everyLocalDate(): string[] {
  const dates: string[] = [];
  for (let t = FROM; t < UNTIL; t += DAY) dates.push(new Date(t).toISOString().slice(0, 10));
  return dates;
}

describe("five simulated years in Europe/Amsterdam", () => {
  it("30 2 * * * fires exactly once every local day, catching up the latest after outages", {
    timeout: 5_000,
  }, () => {
    const fired = walk({ cron: "30 2 * * *", catchUp: "all" });
    const days = fired.map(localDate);
    expect(new Set(days).size).toBe(days.length);
    expect(days).toEqual(everyLocalDate());
    // 02:30 everywhere but the spring-forward Sundays, which fire at 03:00.
    const moved = fired.filter((at) => localTime(at) !== "02:30");
    expect(moved.map(localDate)).toEqual([
      "2026-03-29",
      "2027-03-28",
      "2028-03-26",
      "2029-03-25",
      "2030-03-31",
    ]);
    expect(new Set(moved.map(localTime))).toEqual(new Set(["03:00"]));
  });

  it("0 9 * * 1 fires exactly once a week, Monday 09:00 local, across every clock change", {
    timeout: 5_000,
  }, () => {
    const fired = walk({ cron: "0 9 * * 1", catchUp: "all" });
    expect(fired).toHaveLength(261); // the Mondays of 2026–2030
    for (let i = 0; i < fired.length; i++) {
      const at = fired[i]!;
      expect(new Date(at + offsetAt(AMS, at)).getUTCDay()).toBe(1);
      expect(localTime(at)).toBe("09:00");
      if (i > 0) expect(at - fired[i - 1]!).toBeGreaterThanOrEqual(7 * DAY - 3_600_000);
      if (i > 0) expect(at - fired[i - 1]!).toBeLessThanOrEqual(7 * DAY + 3_600_000);
    }
  });

  it('with catchUp "latest", outages lose occurrences but never fire one twice', {
    timeout: 5_000,
  }, () => {
    const fired = walk({ cron: "30 2 * * *" });
    const days = fired.map(localDate);
    expect(new Set(days).size).toBe(days.length);
    expect(days.length).toBeLessThan(everyLocalDate().length);
    expect(days.length).toBeGreaterThan(everyLocalDate().length * 0.9);
  });
});
