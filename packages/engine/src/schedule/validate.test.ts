import { describe, expect, it } from "vitest";
import { validateSchedule } from "./validate.ts";

const PATH = "trigger.schedule";
const problems = (input: unknown) => validateSchedule(input, PATH);

describe("validateSchedule", () => {
  it("accepts the shapes from the design", () => {
    expect(
      problems({
        cron: "0 9 * * 1",
        timezone: "Europe/Amsterdam",
        overlap: "skip",
        catchUp: "latest",
      }),
    ).toEqual([]);
    expect(problems({ every: "15m" })).toEqual([]);
    expect(
      problems({
        cron: "*/10 * * * * *",
        start: "2026-04-01T09:00:00+02:00",
        end: "2026-12-31T23:59:59Z",
        jitter: "5s",
        overlap: "buffer_one",
        catchUp: "all",
      }),
    ).toEqual([]);
  });

  it.each([
    [{}, PATH, "needs cron or every"],
    [
      { cron: "0 9 * * 1", every: "1h" },
      `${PATH}.every`,
      "cron and every cannot both be set; choose one",
    ],
    [{ cron: "61 * * * *" }, `${PATH}.cron`, "not a cron pattern: invalid value for minute: 61"],
    [
      { cron: "* * *" },
      `${PATH}.cron`,
      "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; found 3",
    ],
    [
      { cron: "0 0 0 1 1 * 2030" },
      `${PATH}.cron`,
      "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; found 7",
    ],
    [
      { cron: "*/0 * * * *" },
      `${PATH}.cron`,
      "not a cron pattern: syntax error, illegal stepping: 0",
    ],
    [{ cron: "0 0 30 2 *" }, `${PATH}.cron`, "never matches a date (e.g. 30 February)"],
    [
      { every: "500ms" },
      `${PATH}.every`,
      'expected a duration such as "30s", "15m" or "1h30m", at least 1s',
    ],
    [
      { every: "soon" },
      `${PATH}.every`,
      'expected a duration such as "30s", "15m" or "1h30m", at least 1s',
    ],
    [
      { every: "1h", timezone: "Mars/Olympus" },
      `${PATH}.timezone`,
      'expected an IANA time zone such as "Europe/Amsterdam"',
    ],
    [
      { every: "1h", start: "2026-04-01" },
      `${PATH}.start`,
      'expected an ISO-8601 instant with an offset, e.g. "2026-04-01T09:00:00Z"',
    ],
    [
      { every: "1h", end: "tomorrow" },
      `${PATH}.end`,
      'expected an ISO-8601 instant with an offset, e.g. "2026-04-01T09:00:00Z"',
    ],
    [
      { every: "1h", start: "2026-05-01T00:00:00Z", end: "2026-05-01T00:00:00Z" },
      `${PATH}.end`,
      "must be after start",
    ],
    [{ every: "10m", jitter: "10m" }, `${PATH}.jitter`, "must be shorter than every (10m)"],
    [
      { cron: "*/5 * * * *", jitter: "5m" },
      `${PATH}.jitter`,
      "must be shorter than the cron pattern's shortest gap between fires (5m)",
    ],
    [
      { every: "1h", jitter: "a bit" },
      `${PATH}.jitter`,
      'expected a duration such as "30s", "15m" or "1h30m"',
    ],
    [
      { every: "1h", overlap: "queue" },
      `${PATH}.overlap`,
      'expected "skip", "buffer_one" or "allow"',
    ],
    [{ every: "1h", catchUp: "some" }, `${PATH}.catchUp`, 'expected "none", "latest" or "all"'],
    [{ every: "1h", at: "09:00" }, `${PATH}.at`, "is not a schedule setting"],
    [{ cron: 5 }, `${PATH}.cron`, "Invalid input: expected string, received number"],
    ["0 9 * * 1", PATH, "Invalid input: expected object, received string"],
  ])("%j → %s: %s", (input, path, message) => {
    expect(problems(input)).toEqual([{ path, message }]);
  });

  it("reports every problem at once", () => {
    const found = problems({ cron: "0 9 * * 1", timezone: "Nowhere", jitter: "2w", foo: 1 });
    expect(found.map((p) => p.path).sort()).toEqual([
      `${PATH}.foo`,
      `${PATH}.jitter`,
      `${PATH}.timezone`,
    ]);
  });
});
