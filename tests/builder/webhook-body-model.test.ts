// The call_webhook body editor's modes and the moves between them, checked
// without a browser (the browser test: webhook-body.test.ts).
import { describe, expect, it } from "vitest";
import {
  bodyOfRows,
  bodyOfText,
  modeOf,
  repeatedNames,
  rowsOf,
  rowsOfText,
  textOf,
} from "../../apps/web/src/lib/model/webhook-body.ts";

describe("the webhook body editor's model", () => {
  it("opens a flat object as fields, anything else as JSON", () => {
    expect(modeOf(undefined)).toBe("fields");
    expect(modeOf({ payment: "{{ payment.id }}", amount: 12000, paid: true })).toBe("fields");
    expect(rowsOf({ amount: 12000, note: null })).toEqual({
      rows: [
        { key: "amount", value: "{{ 12000 }}" },
        { key: "note", value: "{{ null }}" },
      ],
    });
    expect(modeOf({ items: [1] })).toBe("json");
    expect(modeOf('{"a": {{ x }}}')).toBe("json");
    expect(modeOf("{{ webhook.payload }}")).toBe("json");
  });

  it("saves fields as an object, and no fields as no body", () => {
    expect(
      bodyOfRows([
        { key: " payment ", value: "{{ payment.id }}" },
        { key: "", value: "x" },
      ]),
    ).toEqual({
      payment: "{{ payment.id }}",
    });
    expect(bodyOfRows([])).toBeUndefined();
    expect(
      repeatedNames([
        { key: "a", value: "" },
        { key: "a ", value: "" },
      ]),
    ).toEqual(["a"]);
  });

  it("saves JSON text as the data it stands for, text that is not JSON as text", () => {
    expect(bodyOfText('{"payment": "{{ payment.id }}", "amount": {{ payment.amount }}}')).toEqual({
      payment: "{{ payment.id }}",
      amount: "{{ payment.amount }}",
    });
    expect(bodyOfText("{{ webhook.payload }}")).toBe("{{ webhook.payload }}");
    expect(bodyOfText('"just text"')).toBe('"just text"');
    expect(bodyOfText('{"a": 1,}')).toBe('{"a": 1,}');
    expect(bodyOfText("  ")).toBeUndefined();
  });

  it("moves between the modes keeping the content where it can", () => {
    const rows = [
      { key: "payment", value: "{{ payment.id }}" },
      { key: "amount", value: "{{ payment.amount }}" },
    ];
    const text = textOf(bodyOfRows(rows));
    expect(rowsOfText(text)).toEqual({ rows });
    expect(rowsOfText('{"a": 1,}')).toEqual({ why: "the JSON has a problem to fix first" });
    expect(rowsOfText('{"items": [1]}')).toEqual({
      why: "“items” holds a list or more fields, which only JSON can show",
    });
    expect(textOf('{"kept": "as typed"}')).toBe('{"kept": "as typed"}');
  });
});
