import { describe, expect, it } from "vitest";
import { validateDefinition } from "../definition/validate.ts";
import { describeJsonProblem, jsonTextProblem, parseJsonTemplate } from "./json-text.ts";
import { getAction } from "./registry.ts";

const problemOf = (text: string, placeholders = false) => {
  const p = jsonTextProblem(text, { placeholders });
  return p && { message: p.message, line: p.position.line, column: p.position.column };
};

describe("jsonTextProblem agrees with JSON.parse", () => {
  it.each([
    "{}",
    "[]",
    '{"a": 1, "b": [true, false, null], "c": {"d": "e\\n\\u00e9"}}',
    " -0.5e+3 ",
    '"text"',
    "12000",
  ])("accepts %s", (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonTextProblem(text)).toBeNull();
  });

  it.each([
    ["", "the JSON is empty", 1, 1],
    ['{"payment": "pay_9004" "amount": 1}', "expected a comma (,) or a closing }", 1, 24],
    ['{"a": 1,}', "remove the comma before }", 1, 8],
    ["[1, 2,]", "remove the comma before ]", 1, 6],
    ["{'a': 1}", 'use double quotes (") around names, not single quotes', 1, 2],
    ['{"a" 1}', "expected a colon (:) after the name", 1, 6],
    [
      '{"a": pay_9004}',
      "'pay_9004' is not a value: put text in double quotes (\"pay_9004\")",
      1,
      7,
    ],
    ['{\n  "a": 1\n', "the JSON ends too soon: a } is missing", 3, 1],
    ['{"a": "open}', 'the text in quotes is not closed: a " is missing', 1, 7],
    [
      '{"a": "line\nbreak"}',
      "a line break inside quotes: close the quotes, or write \\n for a new line",
      1,
      12,
    ],
    [
      '{"zip": 01234}',
      "a number cannot start with 0 (put it in double quotes if it is a code)",
      1,
      9,
    ],
    ['{"a": 1} x', "there is more after the end of the JSON: remove it", 1, 10],
    ['{"a": "\\x"}', "'\\x' is not allowed in JSON text: write \\\\ for a backslash", 1, 8],
  ])("refuses %j: %s at %i:%i", (text, message, line, column) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(problemOf(text)).toEqual({ message, line, column });
  });

  it("treats placeholders as values outside quotes and as text inside them", () => {
    const body =
      '{"payment": "{{ payment.id }}", "amount": {{ payment.amount }}, "all": {{ payment }}}';
    expect(jsonTextProblem(body, { placeholders: true })).toBeNull();
    expect(jsonTextProblem("{{ webhook.payload }}", { placeholders: true })).toBeNull();
    expect(jsonTextProblem('{"x": "a \\{{ literal"}', { placeholders: true })).toBeNull();
    // Without the option, a rendered body's `{{` is just a character.
    expect(problemOf("{{ x }}")?.message).toBe(
      'expected a name in double quotes, such as "amount"',
    );
    expect(problemOf('{"a": {{ x }} "b": 1}', true)).toEqual({
      message: "expected a comma (,) or a closing }",
      line: 1,
      column: 15,
    });
  });

  it("says where in one line of words", () => {
    const p = jsonTextProblem('{"a": 1,}')!;
    expect(describeJsonProblem(p)).toBe("remove the comma before } at line 1, column 8");
  });
});

describe("parseJsonTemplate", () => {
  it("reads bare placeholders as the values they stand for, quoted ones as text", () => {
    expect(
      parseJsonTemplate(
        '{"payment": "{{ payment.id }}", "amount": {{ payment.amount }}, "k": {{ a["b"] }}}',
      ),
    ).toEqual({
      ok: true,
      value: { payment: "{{ payment.id }}", amount: "{{ payment.amount }}", k: '{{ a["b"] }}' },
    });
    expect(parseJsonTemplate("[{{ x }}, 1]")).toEqual({ ok: true, value: ["{{ x }}", 1] });
    expect(parseJsonTemplate('{"a": 1,}')).toMatchObject({
      ok: false,
      problem: { message: "remove the comma before }", position: { line: 1, column: 8 } },
    });
  });
});

describe("call_webhook's body and content type", () => {
  const config = getAction("call_webhook")!.config;
  const ok = (c: object) => config.safeParse({ url: "https://x.test/", ...c }).success;

  it("takes an object, any JSON, or text that is JSON once its placeholders are values", () => {
    expect(ok({ body: { payment: "{{ payment.id }}", amount: "{{ payment.amount }}" } })).toBe(
      true,
    );
    expect(ok({ body: [1, 2] })).toBe(true);
    expect(ok({ body: '{"amount": {{ payment.amount }}}' })).toBe(true);
    expect(ok({ body: "{{ payment }}" })).toBe(true);
    expect(ok({ body: "not json" })).toBe(false);
    expect(ok({ body: "not json", contentType: "text/plain" })).toBe(true);
    expect(
      ok({ body: "a=1&b=2", headers: { "Content-Type": "application/x-www-form-urlencoded" } }),
    ).toBe(true);
    expect(ok({ body: "a=1", contentType: "{{ payment.type }}" })).toBe(true);
    expect(ok({ contentType: "json" })).toBe(false);
    expect(ok({ body: { a: 1 }, contentType: "text/plain" })).toBe(false);
    expect(ok({ body: { a: 1 }, contentType: "application/vnd.api+json" })).toBe(true);
  });

  it("a definition whose text body is not JSON is a problem with its position", () => {
    const result = validateDefinition({
      name: "Hook",
      trigger: { event: "payment.received" },
      steps: [
        {
          id: "hook",
          action: "call_webhook",
          config: { url: "https://x.test/", body: '{"payment": "{{ payment.id }}",}' },
        },
      ],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        path: "steps[0].config.body",
        message: "is not valid JSON: remove the comma before } at line 1, column 31",
        position: { offset: 30, line: 1, column: 31, length: 1 },
      },
    ]);
  });
});
