import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { nextOccurrences, occurrencesBefore, occurrencesBetween } from "./occurrences.ts";
import type { ScheduleTrigger } from "./types.ts";

const AMS = "Europe/Amsterdam";
const NYC = "America/New_York";
const LHI = "Australia/Lord_Howe";
const at = (iso: string): number => Date.parse(iso);
const isos = (list: number[]): string[] => list.map((ms) => new Date(ms).toISOString());
const between = (spec: ScheduleTrigger, tz: string, from: string, to: string): string[] =>
  isos(occurrencesBetween(spec, tz, at(from), at(to), 1000));

describe("daylight saving: a skipped local time fires once, at the first valid instant after it", () => {
  it("Amsterdam, 2026-03-29: 02:30 does not exist, fires at 03:00 CEST (01:00Z)", () => {
    expect(between({ cron: "30 2 * * *" }, AMS, "2026-03-27T00:00Z", "2026-03-31T00:00Z")).toEqual([
      "2026-03-27T01:30:00.000Z",
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z",
    ]);
  });

  it("New York, 2026-03-08: 02:30 fires at 03:00 EDT (07:00Z)", () => {
    expect(between({ cron: "30 2 * * *" }, NYC, "2026-03-07T00:00Z", "2026-03-10T00:00Z")).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-09T06:30:00.000Z",
    ]);
  });

  it("Lord Howe (a half-hour shift), 2026-10-04: 02:15 fires at 02:30 +11:00", () => {
    const [, moved] = nextOccurrences({ cron: "15 2 * * *" }, LHI, at("2026-10-02T12:00Z"), 3);
    expect(moved).toMatchObject({
      local: "2026-10-04 02:30",
      offset: "+11:00",
      dst: "skipped",
      intended: "2026-10-04 02:15",
      offsetChanged: true,
    });
  });

  it("hourly: the missing 02:00 and the real 03:00 are one fire (23 that day)", () => {
    const fires = between({ cron: "0 * * * *" }, AMS, "2026-03-28T23:00Z", "2026-03-29T22:00Z");
    expect(fires).toHaveLength(23);
    expect(fires.slice(0, 3)).toEqual([
      "2026-03-29T00:00:00.000Z", // 01:00 CET
      "2026-03-29T01:00:00.000Z", // 03:00 CEST, standing in for 02:00 too
      "2026-03-29T02:00:00.000Z", // 04:00 CEST
    ]);
  });

  it("a schedule inside the gap collapses to one fire at its end", () => {
    expect(
      between({ cron: "*/15 2 * * *" }, AMS, "2026-03-29T00:30Z", "2026-03-29T02:00Z"),
    ).toEqual(["2026-03-29T01:00:00.000Z"]);
  });
});

describe("daylight saving: a repeated local time fires once, the first time", () => {
  it("Amsterdam, 2026-10-25: 02:30 fires in CEST (00:30Z), not again in CET", () => {
    expect(between({ cron: "30 2 * * *" }, AMS, "2026-10-23T12:00Z", "2026-10-26T12:00Z")).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z",
    ]);
  });

  it("New York, 2026-11-01: 01:30 fires in EDT (05:30Z) only", () => {
    expect(between({ cron: "30 1 * * *" }, NYC, "2026-10-31T00:00Z", "2026-11-03T00:00Z")).toEqual([
      "2026-10-31T05:30:00.000Z",
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
    ]);
  });

  it("Lord Howe, 2026-04-05: 01:45 fires at +11:00 only", () => {
    const list = nextOccurrences({ cron: "45 1 * * *" }, LHI, at("2026-04-03T12:00Z"), 3);
    expect(list.map((o) => [o.local, o.offset, o.dst])).toEqual([
      ["2026-04-04 01:45", "+11:00", undefined],
      ["2026-04-05 01:45", "+11:00", "repeated"],
      ["2026-04-06 01:45", "+10:30", undefined],
    ]);
  });

  it("hourly: the repeated 02:00 fires once (24 fires on the 25-hour day); croner alone fires it twice", () => {
    const fires = between({ cron: "0 * * * *" }, AMS, "2026-10-24T22:00Z", "2026-10-25T23:00Z");
    expect(fires).toHaveLength(24);
    expect(fires.slice(0, 3)).toEqual([
      "2026-10-24T23:00:00.000Z", // 01:00 CEST
      "2026-10-25T00:00:00.000Z", // 02:00 CEST; 02:00 CET (01:00Z) does not fire
      "2026-10-25T02:00:00.000Z", // 03:00 CET
    ]);
    // Why we resolve wall times ourselves: croner treats wildcard-hour
    // patterns as interval jobs and fires both 02:00s.
    const croner = new Cron("0 * * * *", { timezone: AMS, paused: true });
    const cronerRuns = croner.nextRuns(3, new Date(at("2026-10-24T23:30Z")));
    expect(isos(cronerRuns.map((date) => date.getTime()))).toContain("2026-10-25T01:00:00.000Z");
  });

  it("asking from inside the second pass skips the rest of the repetition", () => {
    // 01:10Z is 02:10 CET: 02:20 and 02:40 already fired in CEST.
    expect(
      between({ cron: "*/20 * * * *" }, AMS, "2026-10-25T01:10Z", "2026-10-25T02:30Z"),
    ).toEqual(["2026-10-25T02:00:00.000Z", "2026-10-25T02:20:00.000Z"]);
    expect(
      isos(
        occurrencesBefore(
          { cron: "*/20 * * * *" },
          AMS,
          at("2026-10-24T23:50Z"),
          at("2026-10-25T01:30Z"),
          10,
        ),
      ),
    ).toEqual(["2026-10-25T00:00:00.000Z", "2026-10-25T00:20:00.000Z", "2026-10-25T00:40:00.000Z"]);
  });
});

describe("occurrences", () => {
  it("reads a 6-field cron with seconds first", () => {
    expect(
      between({ cron: "*/20 * * * * *" }, "UTC", "2026-01-01T00:00Z", "2026-01-01T00:01Z"),
    ).toEqual(["2026-01-01T00:00:20.000Z", "2026-01-01T00:00:40.000Z", "2026-01-01T00:01:00.000Z"]);
    expect(
      nextOccurrences({ cron: "30 0 9 * * *" }, "UTC", at("2026-01-01T00:00Z"), 1)[0]?.local,
    ).toBe("2026-01-01 09:00:30");
  });

  it("anchors every at start, else at the epoch, and ignores the zone's clock", () => {
    const anchored = { every: "45m", start: "2026-01-01T00:10:00Z" };
    expect(between(anchored, AMS, "2025-12-31T00:00Z", "2026-01-01T02:00Z")).toEqual([
      "2026-01-01T00:10:00.000Z",
      "2026-01-01T00:55:00.000Z",
      "2026-01-01T01:40:00.000Z",
    ]);
    expect(between({ every: "7m" }, AMS, "2026-01-01T00:00Z", "2026-01-01T00:15Z")).toEqual([
      // 2026-01-01T00:00Z is 4,207,680 × 7 min after the epoch (and excluded: after, not at)
      "2026-01-01T00:07:00.000Z",
      "2026-01-01T00:14:00.000Z",
    ]);
    expect(between({ every: "1h" }, AMS, "2026-03-29T00:30Z", "2026-03-29T03:00Z")).toHaveLength(3);
  });

  it("keeps within start and end, both inclusive", () => {
    const spec = { cron: "0 9 * * *", start: "2026-01-02T09:00:00Z", end: "2026-01-04T09:00:00Z" };
    expect(between(spec, "UTC", "2026-01-01T00:00Z", "2026-01-10T00:00Z")).toEqual([
      "2026-01-02T09:00:00.000Z",
      "2026-01-03T09:00:00.000Z",
      "2026-01-04T09:00:00.000Z",
    ]);
    expect(nextOccurrences(spec, "UTC", at("2026-01-04T09:00Z"), 5)).toEqual([]);
  });

  it("uses the schedule's own zone over the tenant's, and honours the limit", () => {
    const spec = { cron: "0 9 * * 1", timezone: NYC };
    expect(between(spec, AMS, "2026-01-01T00:00Z", "2026-01-06T00:00Z")).toEqual([
      "2026-01-05T14:00:00.000Z",
    ]);
    expect(occurrencesBetween({ every: "1s" }, "UTC", 0, 1e12, 5)).toHaveLength(5);
  });

  it("lists the next fire times with local time and offset, marking the shift", () => {
    const list = nextOccurrences({ cron: "0 9 * * 1" }, AMS, at("2026-03-20T00:00Z"), 3);
    expect(list.map((o) => [o.local, o.offset, o.offsetChanged])).toEqual([
      ["2026-03-23 09:00", "+01:00", false],
      ["2026-03-30 09:00", "+02:00", true],
      ["2026-04-06 09:00", "+02:00", false],
    ]);
  });

  it("walks backwards to the same instants it walks forwards to", () => {
    const spec = { cron: "*/30 * * * *", timezone: AMS };
    const from = at("2026-10-24T20:00Z");
    const to = at("2026-10-25T06:00Z");
    expect(occurrencesBefore(spec, "UTC", from, to, 1000)).toEqual(
      occurrencesBetween(spec, "UTC", from, to, 1000),
    );
    expect(occurrencesBefore(spec, "UTC", from, to, 2)).toEqual([at("2026-10-25T05:30Z"), to]);
  });
});
