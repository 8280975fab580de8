// Numbers as people write them, and data shown as named chips (issue 14,
// item 5), checked without a browser (the browser test: data-pills.test.ts).
import { describe, expect, it } from "vitest";
import { formatNumber, parseNumber } from "../../apps/web/src/lib/model/numbers.ts";
import { pillName, segments } from "../../apps/web/src/lib/model/pills.ts";

describe("numbers in the workspace's locale", () => {
  it.each([
    ["5000", "en", 5000],
    ["5,000", "en", 5000],
    ["5,000.50", "en", 5000.5],
    ["-12.5", "en", -12.5],
    [".5", "en", 0.5],
    ["5.000", "de", 5000],
    ["5.000,50", "de", 5000.5],
    ["1,5", "de", 1.5],
    ["5 000,50", "fr", 5000.5],
    ["5\u202f000,50", "fr", 5000.5],
    ["5'000.50", "de-CH", 5000.5],
  ])("%s in %s is %d", (text, locale, value) => {
    expect(parseNumber(text, locale)).toEqual({ ok: true, value });
  });

  it.each([
    [
      "5.000,50",
      "en",
      "“5.000,50” is not a number in this workspace (it writes decimals with “.”); write it like 5,000.50.",
    ],
    [
      "5,000.50",
      "de",
      "“5,000.50” is not a number in this workspace (it writes decimals with “,”); write it like 5.000,50.",
    ],
    [
      "5,00",
      "en",
      "“5,00” is not a number (a “,” separates groups of three digits here); write it like 5,000.50.",
    ],
    ["five", "en", "“five” is not a number; write it like 5,000.50."],
    ["1e3", "en", "“1e3” is not a number; write it like 5,000.50."],
  ])("%s in %s says why not", (text, locale, message) => {
    expect(parseNumber(text, locale)).toEqual({ ok: false, message });
  });

  it("writes a number the workspace's way", () => {
    expect(formatNumber(5000.5, "de", 2)).toBe("5.000,50");
    expect(formatNumber(5000, "en")).toBe("5,000");
    expect(formatNumber(5000, "not a locale")).toBe("5,000");
  });
});

describe("data as named chips", () => {
  const names: Record<string, string> = { check: "Check the stock" };
  const stepName = (id: string) => names[id];

  it("names a path in words, a step's output by the step's name", () => {
    expect(pillName("order.customer.email", stepName)).toBe("order › customer › email");
    expect(pillName("steps.check.output.status", stepName)).toBe("Check the stock › status");
    expect(pillName("steps.gone.output.id", stepName)).toBe("gone › id");
    expect(pillName("order.items[0].sku", stepName)).toBe("order › items › 0 › sku");
    expect(pillName("order.amount * 2", stepName)).toBe("order.amount * 2");
  });

  it("splits a template into text and chips", () => {
    expect(segments("Order {{ order.id }} for {{order.customer.name}}.", stepName)).toEqual([
      { kind: "text", text: "Order " },
      { kind: "pill", name: "order › id", source: "order.id" },
      { kind: "text", text: " for " },
      { kind: "pill", name: "order › customer › name", source: "order.customer.name" },
      { kind: "text", text: "." },
    ]);
    expect(segments("No data", stepName)).toEqual([{ kind: "text", text: "No data" }]);
  });
});
