import { describe, expect, it } from "vitest";
import { formatOffset, formatWall, isValidTimeZone, resolveWall } from "./zone.ts";

describe("zone arithmetic", () => {
  it("knows IANA names and refuses the rest", () => {
    expect(isValidTimeZone("Europe/Amsterdam")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });

  it("writes offsets and wall times as the builder shows them", () => {
    expect(formatOffset(2 * 3_600_000)).toBe("+02:00");
    expect(formatOffset(-5 * 3_600_000)).toBe("-05:00");
    expect(formatOffset(10.5 * 3_600_000)).toBe("+10:30");
    expect(formatWall(Date.UTC(2026, 2, 29, 3, 0))).toBe("2026-03-29 03:00");
    expect(formatWall(Date.UTC(2026, 2, 29, 3, 0, 15))).toBe("2026-03-29 03:00:15");
  });

  it("resolves wall times by the daylight-saving rule", () => {
    const ams = "Europe/Amsterdam";
    expect(resolveWall(ams, Date.UTC(2026, 2, 29, 2, 30))).toEqual({
      at: Date.parse("2026-03-29T01:00:00Z"),
      dst: "skipped",
    });
    expect(resolveWall(ams, Date.UTC(2026, 9, 25, 2, 30))).toEqual({
      at: Date.parse("2026-10-25T00:30:00Z"),
      dst: "repeated",
    });
    expect(resolveWall(ams, Date.UTC(2026, 5, 1, 9, 0))).toEqual({
      at: Date.parse("2026-06-01T07:00:00Z"),
      dst: "exact",
    });
  });
});
