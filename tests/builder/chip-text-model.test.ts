// A template field's text as the chip editor holds it (issue 14, item 5),
// checked without a browser (the browser test: data-pills.test.ts).
import { describe, expect, it } from "vitest";
import {
  chipCount,
  chipParts,
  chipText,
  outsideChips,
  splice,
  typedText,
} from "../../apps/web/src/lib/model/chip-text.ts";

describe("template text as text and chips", () => {
  it("keeps each chip's exact text, so text → chips → text changes nothing", () => {
    const text = "Hi {{order.customer.name}}, order {{ order.id }} for {{ order.amount * 2 }}";
    const parts = chipParts(text);
    expect(parts).toEqual([
      { kind: "text", text: "Hi " },
      { kind: "chip", source: "order.customer.name", raw: "{{order.customer.name}}" },
      { kind: "text", text: ", order " },
      { kind: "chip", source: "order.id", raw: "{{ order.id }}" },
      { kind: "text", text: " for " },
      { kind: "chip", source: "order.amount * 2", raw: "{{ order.amount * 2 }}" },
    ]);
    expect(parts.map((p) => (p.kind === "text" ? p.text : p.raw)).join("")).toBe(text);
    expect(chipCount(text)).toBe(3);
  });

  it("leaves a `{{` without its `}}` as text, and line breaks in the text", () => {
    expect(chipParts("a {{ order.\nb")).toEqual([{ kind: "text", text: "a {{ order.\nb" }]);
    expect(chipCount("a {{ order.")).toBe(0);
    expect(chipParts("")).toEqual([]);
  });

  it("inserts at the caret, never inside a chip", () => {
    expect(chipText("order.id")).toBe("{{ order.id }}");
    expect(splice("Order {{ order.id }}", 6, 6, "{{ x }}")).toEqual({
      text: "Order {{ x }}{{ order.id }}",
      caret: 13,
    });
    // An offset inside a chip's `{{ … }}` counts as its end.
    expect(outsideChips("Order {{ order.id }}!", 9)).toBe(20);
    expect(splice("Order {{ order.id }}!", 9, 9, "?")).toEqual({
      text: "Order {{ order.id }}?!",
      caret: 21,
    });
    // A selection is replaced; out-of-range offsets are clamped.
    expect(splice("abc", 1, 2, "X")).toEqual({ text: "aXc", caret: 2 });
    expect(splice("abc", 10, 20, "!")).toEqual({ text: "abc!", caret: 4 });
  });

  it("takes line breaks only in a multiline field", () => {
    expect(typedText("a\r\nb\rc", true)).toBe("a\nb\nc");
    expect(typedText("a\r\n\nb", false)).toBe("a b");
  });
});
