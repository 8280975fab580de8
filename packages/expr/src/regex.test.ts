import fc from "fast-check";
import { RE2JS } from "re2js";
import { describe, expect, it } from "vitest";
import { compileRegex, translate } from "./regex.ts";
import { estimateProgram } from "./regex-size.ts";

const FAST = [
  "^[a-z0-9.]+@(example|acme)\\.(com|org)$",
  "^ORD-\\d+$",
  "^\\w+\\s\\d{2,4}$",
  "^(a|b)*c$",
  "^[^@]+@x\\.y$",
  "^a.c$",
  "^[\\-+]?\\d+(\\.\\d+)?$",
];
const SLOW = ["(a+)+$", "b+", "^(a+)+$", "(?i)^abc", "^a+?b", "^(a|ab)c", "^[[:alpha:]]+$", "\\bx"];

describe("matches fast path", () => {
  it("takes the native path only for one-pass plain patterns", () => {
    for (const p of FAST) expect(compileRegex(p), p).toMatchObject({ native: true });
    for (const p of SLOW) expect(compileRegex(p), p).toMatchObject({ native: false });
  });

  it("agrees with re2js on every input", () => {
    const alphabet = fc.constantFrom(
      ..."abcxyz019.-+@_ \n\t".split(""),
      "é",
      "😀",
      "ORD-",
      "example.com",
      "acme.org",
    );
    const input = fc.array(alphabet, { maxLength: 30 }).map((a) => a.join(""));
    for (const p of FAST) {
      const fast = compileRegex(p) as { test(s: string): boolean };
      const re2 = RE2JS.compile(p);
      fc.assert(
        fc.property(input, (s) => fast.test(s) === re2.test(s)),
        { numRuns: 400 },
      );
    }
  });

  it("keeps RE2's meaning of ., \\s and code points", () => {
    expect(translate("^a.c$")).toBe("^a[^\\n]c$");
    expect((compileRegex("^.$") as { test(s: string): boolean }).test("😀")).toBe(true);
    expect((compileRegex("^a.c$") as { test(s: string): boolean }).test("a\rc")).toBe(true);
    expect((compileRegex("^\\s$") as { test(s: string): boolean }).test("\u00a0")).toBe(false);
  });

  it("stays linear on long inputs", () => {
    const long = `${"ab".repeat(200_000)}!`;
    const start = Date.now();
    expect((compileRegex("^(a|b)*c$") as { test(s: string): boolean }).test(long)).toBe(false);
    expect(
      (
        compileRegex("^[a-z0-9.]+@(example|acme)\\.(com|org)$") as { test(s: string): boolean }
      ).test(long),
    ).toBe(false);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describe("regex program size", () => {
  it("the estimate from the text bounds the compiled program", () => {
    for (const p of [...FAST, ...SLOW, "a{990}", "(?:[a-z]{10}){20}", "\\Qa.b\\E{3}", "[\\]]{5}"]) {
      const re = compileRegex(p);
      expect(re, p).toHaveProperty("size");
      const size = (re as { size: number }).size;
      expect(estimateProgram(p).size, p).toBeGreaterThanOrEqual(size);
      expect(estimateProgram(p).size, p).toBeLessThanOrEqual(size * 3 + 8);
    }
  });

  it("refuses a long pattern without compiling it", () => {
    let p = "";
    for (let i = 0; p.length < 50_000; i++) p += `(a${i}|b)`;
    expect(estimateProgram(p).size).toBeGreaterThan(4000);
    expect(compileRegex(p)).toMatchObject({ code: "too_complex" });
  });

  it("leaves nested repeats over 1,000 to re2js, which calls them invalid", () => {
    expect(estimateProgram("(a{100}){100}").nestedRepeat).toBe(true);
    expect(compileRegex("(a{100}){100}")).toMatchObject({ code: "invalid_regex" });
  });
});
