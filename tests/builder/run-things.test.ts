// What a run's steps did, as the things they made and in people's words:
// checked without a browser (the browser test: peoples-words.test.ts).
import { describe, expect, it } from "vitest";
import type { Run } from "../../apps/web/src/lib/api.ts";
import { dataFacts, labelOf, thingOf } from "../../apps/web/src/lib/model/run-things.ts";
import {
  branchWords,
  effectOf,
  fieldLabel,
  plainPaths,
  runSummary,
  stepTitle,
  withoutTemplates,
} from "../../apps/web/src/lib/model/run-words.ts";

const people: Record<string, string> = { "ada@acme.example": "Ada Lovelace" };
const words = { person: (email: string) => people[email] };

describe("a step's output as the thing it is", () => {
  it("shows an email as an email, with the member's name and the outbox", () => {
    const thing = thingOf(
      {
        action: "send_email",
        status: "succeeded",
        input: { to: "ada@acme.example", subject: "Order 7", body: "Hello\nAda" },
        output: { messageId: "msg_1", provider: "outbox" },
      },
      words,
    );
    expect(thing?.headline).toBe("Email to Ada Lovelace (ada@acme.example)");
    expect(thing?.facts).toEqual([
      { label: "Subject", value: "Order 7" },
      { label: "Message", value: "Hello\nAda", long: true },
    ]);
    expect(thing?.link).toEqual({ href: "/outbox", text: "See the email in the outbox" });
    // Sent by another provider: no outbox to look in.
    const resend = thingOf({
      action: "send_email",
      status: "succeeded",
      input: { to: "x@y.z" },
      output: { provider: "resend" },
    });
    expect(resend?.headline).toBe("Email to x@y.z");
    expect(resend?.link).toBeUndefined();
  });

  it("shows a record as its fields, with what changed and a link to it", () => {
    const thing = thingOf({
      action: "update_record",
      status: "succeeded",
      input: { type: "order", id: "ord 1", fields: { status: "shipped", trackingCode: "Z9" } },
      output: { type: "order", id: "ord 1", version: 3, changed: ["trackingCode"] },
    });
    expect(thing?.headline).toBe("Order ord 1");
    expect(thing?.facts).toEqual([
      { label: "Status", value: "shipped" },
      { label: "Tracking code", value: "Z9" },
      { label: "Changed", value: "tracking code" },
    ]);
    expect(thing?.link).toEqual({ href: "/records/order/ord%201", text: "Open the record" });
  });

  it("shows a webhook call as method, address and answer — also when it failed", () => {
    const ok = thingOf({
      action: "call_webhook",
      status: "succeeded",
      input: { url: "https://erp.example/orders", body: { id: 7 } },
      output: { status: 200, headers: {}, body: { ok: true } },
    });
    expect(ok?.headline).toBe("POST https://erp.example/orders → 200");
    expect(ok?.facts.map((f) => f.label)).toEqual(["Sent", "Answer"]);
    const failed = thingOf({
      action: "call_webhook",
      status: "failed",
      input: { url: "http://127.0.0.1:9/x", method: "put" },
      error: { code: "http_error", message: "http://127.0.0.1:9 answered 503: busy" },
    });
    expect(failed?.headline).toBe("PUT http://127.0.0.1:9/x → 503");
    const silent = thingOf({
      action: "call_webhook",
      status: "failed",
      input: { url: "http://127.0.0.1:9/x" },
      error: { code: "network_error", message: "nothing answered at 127.0.0.1:9" },
    });
    expect(silent?.headline).toBe("POST http://127.0.0.1:9/x → no answer");
  });

  it("shows an approval as its decision and who, and a task as a task", () => {
    const decided = thingOf(
      {
        action: "request_approval",
        status: "succeeded",
        input: { approver: "ada@acme.example", title: "Big order" },
        output: {
          approvalId: "apr_1",
          decision: "rejected",
          decidedBy: "ada@acme.example",
          comment: "Too big",
        },
      },
      words,
    );
    expect(decided?.headline).toBe("Approval asked of Ada Lovelace: Big order");
    expect(decided?.facts).toEqual([
      { label: "Decision", value: "Rejected by Ada Lovelace" },
      { label: "Comment", value: "Too big", long: true },
    ]);
    expect(decided?.link?.href).toBe("/approvals/apr_1");
    // The facts the approver decided on, numbers the workspace's way.
    const withFacts = thingOf(
      {
        action: "request_approval",
        status: "waiting",
        input: {
          approver: "ada@acme.example",
          title: "Big order",
          summary: [
            { label: "Amount", value: 12500 },
            { label: "Customer", value: "Dana Buyer" },
            { label: "Rush", value: true },
            { label: "Note", value: null },
          ],
        },
      },
      { ...words, number: (n) => new Intl.NumberFormat("de-DE").format(n) },
    );
    expect(withFacts?.facts).toEqual([
      { label: "Amount", value: "12.500" },
      { label: "Customer", value: "Dana Buyer" },
      { label: "Rush", value: "yes" },
      { label: "Note", value: "—" },
    ]);
    const task = thingOf(
      {
        action: "create_task",
        status: "succeeded",
        input: { title: "Call back", assignee: "bob@acme.example" },
      },
      words,
    );
    expect(task?.headline).toBe("Task for bob@acme.example: Call back");
    expect(task?.link?.href).toBe("/inbox");
  });

  it("labels an event's nested data the editor's way", () => {
    expect(
      dataFacts({ id: "o1", customer: { email: "a@b.c", firstName: "Ada" }, items: [1, 2] }),
    ).toEqual([
      { label: "Id", value: "o1" },
      { label: "Customer email", value: "a@b.c" },
      { label: "Customer first name", value: "Ada" },
      { label: "Items", value: "[\n  1,\n  2\n]", long: true },
    ]);
    expect(labelOf("replyTo")).toBe("Reply to");
    expect(dataFacts({ paid: true, coupon: null })).toEqual([
      { label: "Paid", value: "yes" },
      { label: "Coupon", value: "(empty)" },
    ]);
  });
});

describe("steps and people by their names", () => {
  it("names a step by its name, else its action's title, never its id", () => {
    expect(stepTitle({ id: "tell", action: "send_email" }, "Tell the buyer", "Send email")).toBe(
      "Tell the buyer",
    );
    expect(stepTitle({ id: "tell", action: "send_email" }, undefined, "Send email")).toBe(
      "Send email",
    );
    expect(stepTitle({ id: "check", kind: "if" })).toBe("Condition");
    expect(plainPaths("config.user: 'x@y.z' is not a member")).toBe(
      "“User”: 'x@y.z' is not a member",
    );
    expect(fieldLabel("config.to")).toBe("To");
    expect(fieldLabel("config.fields.status")).toBe("Status");
    expect(branchWords("else")).toBe("the No branch");
  });

  it("says where a run failed by the step's name", () => {
    const run = {
      id: "run_1",
      workflowId: "wf_1",
      workflowVersion: 1,
      status: "failed",
      startedAt: "",
      steps: [{ id: "hook", action: "call_webhook", status: "failed" }],
    } as Run;
    expect(runSummary(run, () => "Tell the warehouse")).toBe(
      "Failed at step “Tell the warehouse”.",
    );
  });

  it("says a step's settings as written without their templates", () => {
    const email = { id: "tell", kind: "action", action: "send_email" };
    const written = withoutTemplates({
      to: "{{ order.email }}",
      subject: "Order {{ order.id }}",
      cc: "ops@acme.example",
    });
    expect(written).toEqual({ cc: "ops@acme.example" });
    expect(effectOf(email, written, "first_time", false).text).toBe(
      "sends an email to the recipient",
    );
  });

  it("says who a retried step reaches by name", () => {
    const step = { id: "ask", kind: "action", action: "request_approval" };
    expect(effectOf(step, { approver: "ada@acme.example" }, "first_time", false, words).text).toBe(
      "asks Ada Lovelace for approval",
    );
    const odd = { id: "x1", kind: "action", action: "future_action" };
    expect(effectOf(odd, {}, "first_time", false, { title: "Do the thing" }).text).toBe(
      "runs “Do the thing”",
    );
  });
});
