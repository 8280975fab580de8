import { describe, expect, it } from "vitest";
import { describeSchedule } from "./describe.ts";

describe("describeSchedule", () => {
  it.each([
    [{ every: "15m" }, "Every 15 minutes"],
    [{ every: "1h" }, "Every hour"],
    [{ every: "90s" }, "Every 90 seconds"],
    [{ every: "1h30m" }, "Every 90 minutes"],
    [{ cron: "* * * * *" }, "Every minute"],
    [{ cron: "*/5 * * * *" }, "Every 5 minutes"],
    [{ cron: "5 * * * *" }, "Every hour at :05"],
    [{ cron: "0 */2 * * *" }, "Every 2 hours at :00"],
    [{ cron: "0 9 * * *" }, "Every day at 09:00"],
    [{ cron: "0 9,17 * * *" }, "Every day at 09:00 and 17:00"],
    [{ cron: "0 9 * * 1" }, "Every Monday at 09:00"],
    [{ cron: "0 9 * * MON" }, "Every Monday at 09:00"],
    [{ cron: "30 8 * * 1-5" }, "Every weekday at 08:30"],
    [{ cron: "0 10 * * 1,3,5" }, "Every Monday, Wednesday and Friday at 10:00"],
    [{ cron: "0 10 * * 6,0" }, "Every Saturday and Sunday at 10:00"],
    [{ cron: "30 6 1 * *" }, "On the 1st of every month at 06:30"],
    [{ cron: "0 0 9 * * 1" }, "Every Monday at 09:00"],
    [
      { cron: "0 9 * * 1", timezone: "Europe/Amsterdam" },
      "Every Monday at 09:00 (Europe/Amsterdam time)",
    ],
    [{ cron: "0 9 1-7 * 1" }, "On the schedule 0 9 1-7 * 1"],
    [{ cron: "15 0 9 * * *" }, "On the schedule 15 0 9 * * *"],
  ])("%j → %s", (spec, sentence) => {
    expect(describeSchedule(spec)).toBe(sentence);
  });

  it("writes times of day in the locale's style when given one", () => {
    // ICU versions differ on the space before PM (U+0020 or U+202F).
    expect(describeSchedule({ cron: "30 14 * * 1" }, "en-US")).toMatch(
      /^Every Monday at 2:30\sPM$/,
    );
  });
});
