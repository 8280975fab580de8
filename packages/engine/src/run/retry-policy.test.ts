import { describe, expect, it } from "vitest";
import { resolveRetryPolicy, retryDelayMs } from "./retry-policy.ts";

describe("retry policy", () => {
  it("defaults to 3 attempts from 2 s, at most 5 min apart", () => {
    expect(resolveRetryPolicy(undefined)).toEqual({
      attempts: 3,
      backoff: "exponential",
      initialMs: 2_000,
      maxMs: 300_000,
    });
  });

  it("doubles, caps at max, and jitters between half and all of the base", () => {
    const policy = resolveRetryPolicy({ initial: "2s", max: "10s" });
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, 0))).toEqual([
      1_000, 2_000, 4_000, 5_000,
    ]);
    expect([1, 2, 3, 4].map((n) => retryDelayMs(policy, n, 0.999999))).toEqual([
      2_000, 4_000, 8_000, 10_000,
    ]);
    expect(retryDelayMs(resolveRetryPolicy({ backoff: "fixed", initial: "3s" }), 5, 0.5)).toBe(
      2_250,
    );
  });

  it("lets a longer Retry-After win", () => {
    expect(retryDelayMs(resolveRetryPolicy(undefined), 1, 0.5, 90_000)).toBe(90_000);
    expect(retryDelayMs(resolveRetryPolicy(undefined), 1, 0.5, 10)).toBe(1_500);
  });
});
