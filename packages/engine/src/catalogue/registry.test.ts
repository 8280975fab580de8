import { describe, expect, it } from "vitest";
import { getAction, listActions } from "./registry.ts";

describe("the action catalogue", () => {
  it("lists the seven actions of DESIGN.md with JSON Schemas", () => {
    const actions = listActions();
    // Wave 2's actions follow them (chat.test.ts and their own tests).
    expect(actions.map((a) => a.name).slice(0, 7)).toEqual([
      "send_email",
      "send_sms",
      "update_record",
      "call_webhook",
      "create_task",
      "notify_user",
      "request_approval",
    ]);
    const email = actions[0]!;
    expect(email.configSchema).toMatchObject({
      type: "object",
      required: ["to", "subject", "body"],
      additionalProperties: false,
    });
    expect(Object.keys(email.configSchema.properties as object)).toEqual([
      "to",
      "subject",
      "body",
      "cc",
      "replyTo",
    ]);
  });

  it("has sample outputs that satisfy each output schema", () => {
    for (const info of listActions()) {
      const action = getAction(info.name)!;
      expect(action.output.safeParse(info.sampleOutput).success).toBe(true);
    }
  });

  it("accepts templates in every field, also typed ones", () => {
    const webhook = getAction("call_webhook")!;
    expect(
      webhook.config.safeParse({ url: "{{ order.url }}", method: "{{ order.verb }}" }).success,
    ).toBe(true);
    expect(webhook.config.safeParse({ url: "https://x.test", method: "FETCH" }).success).toBe(
      false,
    );
    const approval = getAction("request_approval")!;
    expect(approval.completion).toBe("decision");
    expect(
      approval.config.safeParse({ approver: "a@b.c", title: "t", timeout: "soon" }).success,
    ).toBe(false);
  });
});
