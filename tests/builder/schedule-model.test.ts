// The builder's schedule editor without a browser (issue 15): the friendly
// repeat choices ⇄ cron / every, start and end on the schedule's clock, and
// the next fire times with daylight saving said in words. The browser test:
// schedule-editor.test.ts.
import { nextOccurrences } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_REPEAT,
  instantToLocal,
  localToInstant,
  occurrenceNote,
  previewRows,
  type RepeatForm,
  repeatFormOf,
  repeatSource,
  withSchedule,
} from "../../apps/web/src/lib/model/schedule.ts";

const form = (change: Partial<RepeatForm>): RepeatForm => ({ ...DEFAULT_REPEAT, ...change });
const AMS = "Europe/Amsterdam";

describe("the repeat choices as cron or every", () => {
  it.each([
    [form({ kind: "minutes", minutes: 15 }), { every: "15m" }],
    [form({ kind: "hours", hours: 2 }), { every: "2h" }],
    [form({ kind: "daily", time: "07:30" }), { cron: "30 7 * * *" }],
    [form({ kind: "weekly", days: [1], time: "09:00" }), { cron: "0 9 * * 1" }],
    [form({ kind: "weekly", days: [5, 1, 2, 3, 4], time: "08:05" }), { cron: "5 8 * * 1-5" }],
    [form({ kind: "weekly", days: [0, 6], time: "10:00" }), { cron: "0 10 * * 0,6" }],
    [form({ kind: "weekly", days: [1, 3, 4, 5], time: "10:00" }), { cron: "0 10 * * 1,3-5" }],
    [form({ kind: "monthly", monthDay: 15, time: "23:59" }), { cron: "59 23 15 * *" }],
    [form({ kind: "custom", cron: " */5 * * * * " }), { cron: "*/5 * * * *" }],
    [form({ kind: "interval", every: "90s" }), { every: "90s" }],
  ])("%j → %j", (repeat, source) => {
    expect(repeatSource(repeat)).toEqual(source);
  });

  it("says what is missing instead of writing a broken schedule", () => {
    expect(repeatSource(form({ kind: "weekly", days: [] }))).toEqual({
      problem: "Choose at least one day of the week.",
    });
    expect(repeatSource(form({ kind: "daily", time: "" }))).toEqual({
      problem: "Choose a time of day, such as 09:00.",
    });
    expect(repeatSource(form({ kind: "minutes", minutes: Number.NaN }))).toHaveProperty("problem");
    expect(repeatSource(form({ kind: "hours", hours: 0 }))).toHaveProperty("problem");
    expect(repeatSource(form({ kind: "monthly", monthDay: 32 }))).toHaveProperty("problem");
  });
});

describe("an existing schedule read back into the friendly choice", () => {
  it.each([
    [{ every: "15m" }, { kind: "minutes", minutes: 15 }],
    [{ every: "1h30m" }, { kind: "minutes", minutes: 90 }],
    [{ every: "3h" }, { kind: "hours", hours: 3 }],
    [{ every: "90s" }, { kind: "interval", every: "90s" }],
    [{ cron: "30 7 * * *" }, { kind: "daily", time: "07:30" }],
    [{ cron: "0 9 * * 1" }, { kind: "weekly", days: [1], time: "09:00" }],
    [{ cron: "0 9 * * 1-5" }, { kind: "weekly", days: [1, 2, 3, 4, 5] }],
    [{ cron: "59 23 15 * *" }, { kind: "monthly", monthDay: 15, time: "23:59" }],
  ])("%j → %j", (spec, expected) => {
    expect(repeatFormOf(spec)).toMatchObject(expected);
  });

  it.each([
    "*/5 * * * *",
    "0 */2 * * *",
    "0 9,17 * * *",
    "0 9 1-7 * 1",
    "0 9 * 1 *",
    "0 0 9 * * 1",
    "0 9 * * MON", // friendly, but it would be written back as "0 9 * * 1"
    "00 9 * * *",
    "0 9 * * 5-7",
    "not a cron",
  ])("%s stays Custom, exactly as written", (cron) => {
    expect(repeatFormOf({ cron })).toMatchObject({ kind: "custom", cron });
  });

  it("round-trips every friendly choice", () => {
    for (const cron of ["0 9 * * 1", "5 8 * * 1-5", "0 10 * * 0,6", "30 6 1 * *", "0 0 * * *"]) {
      expect(repeatSource(repeatFormOf({ cron }))).toEqual({ cron });
    }
  });
});

describe("changing a schedule's settings", () => {
  it("keeps the contract's key order, and one of cron and every", () => {
    const spec = { every: "1h", timezone: AMS, overlap: "allow" as const };
    expect(JSON.stringify(withSchedule(spec, { cron: "0 9 * * 1" }))).toBe(
      '{"cron":"0 9 * * 1","timezone":"Europe/Amsterdam","overlap":"allow"}',
    );
    expect(withSchedule({ cron: "0 9 * * 1", jitter: "5m" }, { every: "15m", jitter: "" })).toEqual(
      { every: "15m" },
    );
  });

  it("writes start and end as instants on the schedule's clock", () => {
    expect(localToInstant("2026-04-01T09:00", AMS)).toBe("2026-04-01T09:00:00+02:00");
    expect(localToInstant("2026-01-15T09:00", AMS)).toBe("2026-01-15T09:00:00+01:00");
    expect(localToInstant("2026-01-15T09:00", "America/New_York")).toBe(
      "2026-01-15T09:00:00-05:00",
    );
    expect(localToInstant("", AMS)).toBe("");
    expect(instantToLocal("2026-04-01T07:00:00Z", AMS)).toBe("2026-04-01T09:00");
    expect(instantToLocal(undefined, AMS)).toBe("");
  });
});

describe("the next fire times, daylight saving in words", () => {
  it("a weekly 09:00 across the spring change: the Monday after says the clocks went forward", () => {
    const from = Date.parse("2026-03-20T00:00Z");
    const list = nextOccurrences({ cron: "0 9 * * 1" }, AMS, from, 10);
    const rows = previewRows(list, AMS, "en-GB", from);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ iso: "2026-03-23T08:00:00.000Z", note: null });
    expect(rows[0]!.when).toMatch(/Monday.*23 March 2026.*09:00/);
    expect(rows[1]).toMatchObject({
      iso: "2026-03-30T07:00:00.000Z",
      note: "Clocks went forward before this one (UTC+02:00 from now on)",
    });
    expect(rows[1]!.when).toMatch(/Monday.*30 March 2026.*09:00/);
    expect(rows.slice(2).every((row) => row.note === null)).toBe(true);
  });

  it("a daily 02:30 on the spring-forward night: 02:30 does not exist, runs at 03:00", () => {
    const from = Date.parse("2026-03-27T12:00Z");
    const rows = previewRows(
      nextOccurrences({ cron: "30 2 * * *" }, AMS, from, 3),
      AMS,
      "en-GB",
      from,
    );
    expect(rows.map((row) => row.note)).toEqual([
      null,
      "Clocks go forward: 02:30 does not exist, runs at 03:00",
      null,
    ]);
    expect(rows[1]!.when).toMatch(/29 March 2026.*03:00/);
  });

  it("a daily 02:30 on the fall-back night: runs the first time only", () => {
    const from = Date.parse("2026-10-23T12:00Z");
    const list = nextOccurrences({ cron: "30 2 * * *" }, AMS, from, 3);
    expect(occurrenceNote(list[1]!, 120)).toBe(
      "Clocks go back: 02:30 happens twice, runs the first time only",
    );
    const rows = previewRows(list, AMS, "en-GB", from);
    expect(rows[2]!.note).toBe("Clocks went back before this one (UTC+01:00 from now on)");
  });

  it("writes the times the workspace's way", () => {
    const from = Date.parse("2026-03-20T00:00Z");
    const [row] = previewRows(
      nextOccurrences({ cron: "30 14 * * 1" }, AMS, from, 1),
      AMS,
      "de",
      from,
    );
    expect(row!.when).toMatch(/Montag, 23\. März 2026.*14:30/);
  });
});
