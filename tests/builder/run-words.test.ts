// The words the run screens use, and the example request the webhook
// settings sign in the browser, checked without a browser.
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  cutParts,
  cutWords,
  differingWords,
  effectOf,
  errorWords,
  markAt,
} from "../../apps/web/src/lib/model/run-words.ts";
import { exampleRequest, sign } from "../../apps/web/src/lib/model/webhook-sign.ts";

const email = { id: "tell", kind: "action", action: "send_email" };
const hook = { id: "hook", kind: "action", action: "call_webhook" };
const record = { id: "mark", kind: "action", action: "update_record" };

describe("retry effects in words", () => {
  it("says what runs again, to whom, and why it is or is not a duplicate", () => {
    const e = effectOf(email, { to: "ops@acme.example", subject: "Hi" }, "again", true);
    expect(e.text).toBe("sends an email again to ops@acme.example (“Hi”)");
    expect(e.safety).toContain("never sent twice");
    const w = effectOf(hook, { url: "https://erp.example.com/orders" }, "again", true);
    expect(w.text).toBe("calls POST https://erp.example.com/orders again");
    expect(w.safety).toContain("same webhook-id");
    const r = effectOf(record, { type: "order", id: "123" }, "again", true);
    // The record as the records page names it, not "order/123".
    expect(r.text).toBe("updates Order 123 again");
    expect(r.safety).toContain("exactly once per step");
  });

  it("does not say 'again' for a step that failed before acting", () => {
    const e = effectOf(email, { to: "ops@acme.example" }, "again", false);
    expect(e.text).toBe("sends an email to ops@acme.example");
    expect(e.safety).toContain("did not happen before");
  });

  it("explains an incompatible version's differing steps", () => {
    expect(differingWords({ stepId: "mark", reason: "changed" })).toContain(
      "its settings were changed",
    );
  });
});

describe("errors in words", () => {
  it("names the template field and what is missing", () => {
    const text = errorWords({
      code: "template_error",
      message: "no such key 'carrier'",
      path: "config.body",
    });
    // The field's label as the editor shows it, not "config.body".
    expect(text).toContain("“Body” could not be filled in: no such key 'carrier'");
    expect(text).not.toContain("config");
  });

  it("says once that nothing answered, with one full stop (issue 14)", () => {
    expect(errorWords({ code: "network_error", message: "nothing answered at 127.0.0.1:9" })).toBe(
      "The receiver could not be reached: nothing answered at 127.0.0.1:9.",
    );
    // A message that ends its own sentence gets no second full stop.
    expect(errorWords({ code: "http_error", message: "erp.example answered 500: down." })).toBe(
      "The receiver answered with an error: erp.example answered 500: down.",
    );
  });

  it("marks the position an error points at", () => {
    expect(markAt("Carrier {{ ship.carrier.name }}", { offset: 16, length: 7 })).toEqual([
      "Carrier {{ ship.",
      "carrier",
      ".name }}",
    ]);
  });
});

describe("the example webhook request", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  it("signs like Standard Webhooks", async () => {
    const at = new Date("2026-01-01T00:00:00Z");
    const ours = await sign(secret, "msg_1", at.getTime() / 1000, '{"a":1}');
    expect(ours).toBe(new Webhook(secret).sign("msg_1", at, '{"a":1}'));
  });

  it("is a request the receiver verifies", async () => {
    const ex = await exampleRequest("http://localhost:8787", "/hooks/whs_1", secret, null);
    expect(ex.curl).toContain("http://localhost:8787/hooks/whs_1");
    expect(() =>
      new Webhook(secret).verify(ex.body, {
        "webhook-id": ex.id,
        "webhook-timestamp": String(ex.timestamp),
        "webhook-signature": ex.signature,
      }),
    ).not.toThrow();
  });
});

describe("inputs kept in short", () => {
  it("names each part the run cut, with its size and hash, and nothing else", () => {
    const input = {
      to: "a@example.com",
      body: { $truncated: { bytes: 200_000, sha256: "3f2a9c".padEnd(64, "0"), preview: "xxx" } },
    };
    expect(cutParts(input)).toEqual([
      { where: "body", bytes: 200_000, sha256: "3f2a9c".padEnd(64, "0") },
    ]);
    expect(cutWords(cutParts(input)[0]!)).toBe(
      "body: 200,000 bytes, kept only in short (SHA-256 3f2a9c000000…)",
    );
    expect(cutParts({ $truncated: { bytes: 5, sha256: "ab".repeat(32) } })[0]!.where).toBe(
      "the whole input",
    );
    expect(cutParts({ to: "a@example.com", body: "short" })).toEqual([]);
    expect(cutParts(null)).toEqual([]);
  });
});
