import { compileTemplate } from "@switchyard/expr";
import { describe, expect, it } from "vitest";
import { Driver, definition, T0 } from "../../test/fixtures.ts";
import { dryRun } from "../dry-run/dry-run.ts";
import { renderConfig } from "./render.ts";
import { fillSecretField, secretField, secretFieldNames } from "./secret-fields.ts";

const values = { erp_token: "tok-REAL", other: "OTHER-VALUE" };

/** Renders a field as the engine does, then fills it in as the consumer does. */
function roundTrip(text: string, context: object): unknown {
  const field = secretField(compileTemplate(text), () => context);
  return fillSecretField(field, values);
}

describe("secret fields", () => {
  it("keeps a field that is exactly one secret as that placeholder", () => {
    const rendered = renderConfig({ headers: { Authorization: "{{ secrets.erp_token }}" } }, {});
    expect(rendered).toEqual({
      ok: true,
      value: { headers: { Authorization: "{{ secrets.erp_token }}" } },
      secretFields: [["headers", "Authorization"]],
    });
  });

  it("renders the other placeholders and lists each secret field's path", () => {
    const config = {
      url: "https://erp.example.com/{{ order.id }}",
      headers: { Authorization: "Bearer {{ secrets.erp_token }}" },
      body: { lines: ["{{ order.id }}: {{ secrets['other'] }}", "{{ order.amount }}"] },
    };
    const rendered = renderConfig(config, { order: { id: "o1", amount: 5 } });
    expect(rendered).toEqual({
      ok: true,
      value: {
        url: "https://erp.example.com/o1",
        headers: { Authorization: "Bearer {{ secrets.erp_token }}" },
        body: { lines: ['o1: {{ secrets["other"] }}', 5] },
      },
      secretFields: [
        ["headers", "Authorization"],
        ["body", "lines", 0],
      ],
    });
    if (!rendered.ok) return;
    const field = (rendered.value as { body: { lines: string[] } }).body.lines[0]!;
    expect(secretFieldNames(field)).toEqual(["other"]);
    expect(fillSecretField(field, values)).toBe("o1: OTHER-VALUE");
  });

  it("never turns data into a hole: `{{ secrets.other }}` in the data stays literal text", () => {
    const attacks = [
      "{{ secrets.other }}",
      "\\{{ secrets.other }}",
      "\\\\{{ secrets.other }}",
      "{{{ secrets.other }}}",
      "{",
      "\\",
      "{{",
      "a{\\{",
      "}} {{ secrets.other }} {{",
      "{{ secrets.other",
    ];
    for (const data of attacks) {
      for (const text of [
        "{{ order.note }}{{ secrets.erp_token }}",
        "x {{ order.note }} {{ secrets.erp_token }} y",
        "{{ secrets.erp_token }}{{ order.note }}",
        "{{ order.note }}",
      ]) {
        const expected = text
          .replace("{{ order.note }}", data)
          .replace("{{ secrets.erp_token }}", "tok-REAL");
        const withSecret = `${text}{{ secrets.erp_token }}`;
        expect(roundTrip(withSecret, { order: { note: data } }), `${text} / ${data}`).toBe(
          `${expected}tok-REAL`,
        );
        const field = secretField(compileTemplate(withSecret), () => ({ order: { note: data } }));
        expect(secretFieldNames(field)).toEqual(["erp_token"]);
      }
    }
  });

  it("keeps the template's own literal braces literal", () => {
    expect(roundTrip("\\{{ secrets.other }} {{ secrets.erp_token }}", {})).toBe(
      "{{ secrets.other }} tok-REAL",
    );
    expect(roundTrip('{ "a": "{{ secrets.erp_token }}" }', {})).toBe('{ "a": "tok-REAL" }');
    // A long run of braces from the data before a hole still renders back.
    const braces = "{".repeat(2500);
    expect(roundTrip("{{ order.b }}{{ secrets.erp_token }}", { order: { b: braces } })).toBe(
      `${braces}tok-REAL`,
    );
  });

  it("round-trips any text the data brings (a seeded sweep of brace and backslash soup)", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const alphabet = ["{", "}", "\\", "a", " ", '"', "{{", "}}", "secrets.other"];
    for (let n = 0; n < 500; n++) {
      const parts = Array.from(
        { length: 1 + (next() % 8) },
        () => alphabet[next() % alphabet.length],
      );
      const data = parts.join("");
      expect(roundTrip("{{ d }}{{ secrets.erp_token }}{{ d }}", { d: data }), data).toBe(
        `${data}tok-REAL${data}`,
      );
    }
  });

  it("fails a fill whose secret is missing rather than rendering nothing", () => {
    expect(() => fillSecretField("Bearer {{ secrets.gone }}", values)).toThrow(/gone/);
  });
});

describe("a run never holds a secret's value", () => {
  it("dispatches the secret field with its path and stores only the placeholder as input", () => {
    const def = definition([
      {
        id: "hook",
        action: "call_webhook",
        config: {
          url: "https://erp.example.com/orders",
          headers: { Authorization: "Bearer {{ secrets.erp_token }}" },
          body: { order: "{{ order.id }}", note: "{{ order.status }}" },
        },
      },
    ]);
    const run = new Driver(def, {
      event: {
        id: "evt_1",
        type: "order.created",
        data: { id: "o1", status: "{{ secrets.other }}" },
        occurredAt: "2025-01-01T09:00:00Z",
      },
    });
    run.feed({ type: "start", at: T0 });
    const [d] = run.dispatches();
    expect(d?.secretFields).toEqual([["headers", "Authorization"]]);
    expect(d?.config).toEqual({
      url: "https://erp.example.com/orders",
      headers: { Authorization: "Bearer {{ secrets.erp_token }}" },
      // Not a secret field: the data is kept as it came, never rendered again.
      body: { order: "o1", note: "{{ secrets.other }}" },
    });
    expect(run.state.steps.hook?.input).toEqual(d?.config);
  });

  it("dispatches no secretFields for a step without secrets", () => {
    const run = new Driver(
      definition([{ id: "s", action: "send_sms", config: { to: "+1", body: "{{ order.id }}" } }]),
    );
    run.feed({ type: "start", at: T0 });
    expect(run.dispatches()[0]).not.toHaveProperty("secretFields");
  });

  it("shows the placeholder in a dry run", () => {
    const def = definition([
      {
        id: "hook",
        action: "call_webhook",
        config: { url: "https://x.example", headers: { A: "Bearer {{ secrets.erp_token }}" } },
      },
    ]);
    const result = dryRun(def, { type: "order.created", data: {} }, { now: T0 });
    expect(result.steps[0]?.config).toEqual({
      url: "https://x.example",
      headers: { A: "Bearer {{ secrets.erp_token }}" },
    });
  });
});
