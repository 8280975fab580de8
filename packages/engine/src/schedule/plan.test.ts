import { describe, expect, it } from "vitest";
import {
  jitterMs,
  planFires,
  SCHEDULE_EVENT_TYPE,
  scheduleEventData,
  scheduleEventId,
} from "./plan.ts";
import { MAX_CATCH_UP, MAX_MISSED_COUNT } from "./types.ts";

const at = (iso: string): number => Date.parse(iso);
const HOUR = 3_600_000;

describe("planFires after a 3-day outage of an hourly schedule", () => {
  // Last fired Friday 10:00; the alarm wakes Monday 10:00:30: 72 came due.
  const last = at("2026-05-01T10:00Z");
  const now = at("2026-05-04T10:00:30Z");
  const hourly = { cron: "0 * * * *" };

  it('"none" fires only the on-time 10:00 and reports the 71 before it missed', () => {
    const plan = planFires({ ...hourly, catchUp: "none" }, "UTC", last, now);
    expect(plan.fire).toEqual([at("2026-05-04T10:00Z")]);
    expect(plan.missed).toHaveLength(71);
    expect(plan.missed[0]).toBe(last + HOUR);
    expect(plan.missedCount).toBe(71);
    expect(plan.next).toBe(at("2026-05-04T11:00Z"));
  });

  it('"none" fires nothing when even the newest is past the 60 s grace', () => {
    const plan = planFires({ ...hourly, catchUp: "none" }, "UTC", last, now + 60_000);
    expect(plan.fire).toEqual([]);
    expect(plan.missedCount).toBe(72);
  });

  it('"latest" (the default) fires the newest due one, however late', () => {
    const plan = planFires(hourly, "UTC", last, now + 30 * 60_000);
    expect(plan.fire).toEqual([at("2026-05-04T10:00Z")]);
    expect(plan.missed).toHaveLength(71);
    expect(plan.missedCountCapped).toBe(false);
  });

  it('"all" fires every due one, oldest first', () => {
    const plan = planFires({ ...hourly, catchUp: "all" }, "UTC", last, now);
    expect(plan.fire).toHaveLength(72);
    expect(plan.fire[0]).toBe(last + HOUR);
    expect(plan.fire[71]).toBe(at("2026-05-04T10:00Z"));
    expect(plan.missed).toEqual([]);
    expect(plan.missedCount).toBe(0);
  });

  it('"all" fires at most the newest cap; the oldest beyond it are missed', () => {
    const plan = planFires({ ...hourly, catchUp: "all" }, "UTC", last, now, 50);
    expect(plan.fire).toHaveLength(50);
    expect(plan.fire[0]).toBe(at("2026-05-02T09:00Z"));
    expect(plan.missed).toHaveLength(22);
    expect(plan.missed[0]).toBe(at("2026-05-01T11:00Z"));
    expect(plan.missed[21]).toBe(at("2026-05-02T08:00Z"));
  });

  it("keeps the lists bounded and the count honest after a long outage of a busy schedule", () => {
    const everySecond = { cron: "* * * * * *", catchUp: "all" as const };
    const plan = planFires(everySecond, "UTC", at("2026-04-01T00:00Z"), now);
    expect(plan.fire).toHaveLength(MAX_CATCH_UP);
    expect(plan.fire[MAX_CATCH_UP - 1]).toBe(at("2026-05-04T10:00:30Z"));
    expect(plan.missed).toHaveLength(MAX_CATCH_UP);
    expect(plan.missedCountCapped).toBe(true);
    expect(plan.missedCount).toBe(MAX_CATCH_UP + MAX_MISSED_COUNT);
    // every: the count is arithmetic and exact.
    const every = planFires({ every: "1s", catchUp: "all" }, "UTC", at("2026-04-01T00:00Z"), now);
    expect(every.missedCount).toBe((now - at("2026-04-01T00:00Z")) / 1000 - MAX_CATCH_UP);
    expect(every.missedCountCapped).toBe(false);
  });
});

describe("planFires for a new schedule", () => {
  it("does not back-fill: nothing before now is due", () => {
    const plan = planFires(
      { cron: "0 * * * *", catchUp: "all" },
      "UTC",
      null,
      at("2026-05-04T10:20Z"),
    );
    expect(plan).toEqual({
      fire: [],
      missed: [],
      missedCount: 0,
      missedCountCapped: false,
      next: at("2026-05-04T11:00Z"),
      cursor: at("2026-05-04T10:20Z"),
    });
  });

  it('does not report the same missed ones twice when the cursor is passed back ("none")', () => {
    const spec = { cron: "0 * * * *", catchUp: "none" as const };
    const first = planFires(spec, "UTC", at("2026-05-04T07:00Z"), at("2026-05-04T10:05Z"));
    expect(first.missedCount).toBe(3);
    const second = planFires(spec, "UTC", first.cursor, at("2026-05-04T11:00:10Z"));
    expect(second).toMatchObject({ fire: [at("2026-05-04T11:00Z")], missed: [], missedCount: 0 });
  });

  it("fires an occurrence exactly at now", () => {
    const plan = planFires({ cron: "0 * * * *" }, "UTC", null, at("2026-05-04T10:00Z"));
    expect(plan.fire).toEqual([at("2026-05-04T10:00Z")]);
  });

  it("reports no next once the schedule has ended", () => {
    const spec = { every: "1h", end: "2026-05-04T10:00:00Z" };
    const plan = planFires(spec, "UTC", at("2026-05-04T09:00Z"), at("2026-05-04T10:00Z"));
    expect(plan.fire).toEqual([at("2026-05-04T10:00Z")]);
    expect(plan.next).toBeNull();
  });
});

describe("jitterMs", () => {
  const spec = { cron: "0 9 * * *", jitter: "5m" };
  const nominal = at("2026-05-04T09:00Z");
  const next = nominal + 24 * HOUR;

  it("is the same for a schedule every time, and spreads different schedules", () => {
    const first = jitterMs("sch_1", spec, nominal, next);
    expect(jitterMs("sch_1", spec, nominal + 24 * HOUR, next + 24 * HOUR)).toBe(first);
    const spread = new Set(
      Array.from({ length: 50 }, (_, i) => jitterMs(`sch_${i}`, spec, nominal, next)),
    );
    expect(spread.size).toBeGreaterThan(45);
  });

  it("stays within [0, jitter] and strictly before the next occurrence", () => {
    for (let i = 0; i < 500; i++) {
      const id = `schedule-${i}`;
      const ms = jitterMs(id, spec, nominal, next);
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThanOrEqual(5 * 60_000);
      expect(jitterMs(id, { every: "1m", jitter: "5m" }, nominal, nominal + 60_000)).toBeLessThan(
        60_000,
      );
    }
    expect(jitterMs("x", { every: "1m" }, nominal, nominal + 60_000)).toBe(0);
    expect(jitterMs("x", spec, nominal, nominal + 1)).toBe(0);
  });
});

describe("the event of a fire", () => {
  it("has a stable id from the schedule and the nominal time", () => {
    expect(SCHEDULE_EVENT_TYPE).toBe("schedule.fired");
    expect(scheduleEventId("sch_1", at("2026-01-05T08:00Z"))).toBe(
      "sch_1:2026-01-05T08:00:00.000Z",
    );
  });

  it("carries the nominal, actual and previous times as ISO strings", () => {
    expect(
      scheduleEventData({
        scheduleId: "sch_1",
        workflowId: "wf_1",
        nominal: at("2026-01-05T08:00Z"),
        actual: at("2026-01-05T08:02:17Z"),
        previousNominal: null,
      }),
    ).toEqual({
      scheduleId: "sch_1",
      workflowId: "wf_1",
      nominal: "2026-01-05T08:00:00.000Z",
      actual: "2026-01-05T08:02:17.000Z",
      previousNominal: null,
    });
  });
});
