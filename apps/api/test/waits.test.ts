// Waiting for an event (issue 15, part 3): a waitFor step is resumed by the
// first event of its type whose match says yes — even one that arrived
// after the run started but before the wait began — or takes its onTimeout
// branch when it times out or is cancelled. The store finds an event's
// waits by their keys (the engine's bench measures that), never by a scan.
import { describe, expect, it } from "vitest";
import { call, eventually, type Json, newTenant, storeSql } from "./helpers.ts";

const quoteFlow = (opts: { timeout?: string; before?: Json[]; match?: string | null } = {}) => ({
  name: "Quote follow-up",
  trigger: { event: "quote.sent" },
  steps: [
    ...(opts.before ?? []),
    {
      id: "accepted",
      waitFor: {
        event: ["quote.accepted", "quote.signed"],
        ...(opts.match === null
          ? {}
          : { match: opts.match ?? "event.data.quote_id == quote.id && event.data.total >= 0" }),
        timeout: opts.timeout ?? "1h",
      },
      onTimeout: [
        {
          id: "nudge",
          action: "send_email",
          config: {
            to: "sales@example.com",
            subject: "Quote {{ quote.id }} not accepted",
            body: "-",
          },
        },
      ],
    },
    {
      id: "thanks",
      action: "send_email",
      config: {
        to: "sales@example.com",
        subject:
          "Quote {{ quote.id }} done: {{ has(steps.accepted.output.type) ? steps.accepted.output.type : 'timed out' }}",
        body: "-",
      },
    },
  ],
});

async function send(key: string, type: string, data: Json, id?: string): Promise<string> {
  const res = await call("POST", "/v1/events", {
    key,
    body: { type, data, ...(id ? { id } : {}) },
  });
  expect(res.status).toBe(202);
  return res.body.id;
}

async function runOf(key: string, eventId: string, status?: string): Promise<Json> {
  const event = await eventually(
    () => call("GET", `/v1/events/${encodeURIComponent(eventId)}`, { key }),
    (r) => r.body.runs?.length === 1,
  );
  const runId = event.body.runs[0].id;
  return (
    await eventually(
      () => call("GET", `/v1/runs/${runId}`, { key }),
      (r) => status === undefined || r.body.status === status,
      20_000,
    )
  ).body;
}

const matched = (key: string, id: string) =>
  eventually(
    () => call("GET", `/v1/events/${encodeURIComponent(id)}`, { key }),
    (r) => r.body.status === "matched",
  );

const step = (run: Json, id: string): Json => run.steps.find((s: Json) => s.id === id);

describe("waitFor", () => {
  it("is resumed by a later event with the matching key; one with another key does not resume it", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: quoteFlow() });
    expect(wf.status).toBe(201);
    const sent = await send(t.key, "quote.sent", { id: "q1" });
    const waiting = await runOf(t.key, sent, "waiting");
    expect(step(waiting, "accepted")).toMatchObject({ kind: "waitFor", status: "waiting" });
    expect(step(waiting, "nudge").status).toBe("pending");

    const other = await send(t.key, "quote.accepted", { quote_id: "q2", total: 5 });
    await matched(t.key, other);
    expect((await call("GET", `/v1/runs/${waiting.id}`, { key: t.key })).body.status).toBe(
      "waiting",
    );

    const ok = await send(t.key, "quote.signed", { quote_id: "q1", total: 5 });
    const done = await runOf(t.key, sent, "succeeded");
    expect(step(done, "accepted").output).toEqual({
      id: ok,
      type: "quote.signed",
      data: { quote_id: "q1", total: 5 },
      occurredAt: expect.any(String),
    });
    expect(step(done, "nudge").status).toBe("skipped");
    const mail = (await call("GET", "/v1/outbox?channel=email", { key: t.key })).body.items;
    expect(mail.map((m: Json) => m.subject)).toEqual(["Quote q1 done: quote.signed"]);
    expect(await storeSql(t.tenantId, "SELECT run_id FROM waits")).toEqual([]);
  });

  it("is resumed at once by a matching event that came after the run started but before the wait began", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: quoteFlow({ before: [{ id: "pause", delay: "2s" }] }),
    });
    const sent = await send(t.key, "quote.sent", { id: "q5" });
    const pausing = await runOf(t.key, sent, "waiting");
    expect(step(pausing, "pause").status).toBe("waiting");
    expect(step(pausing, "accepted").status).toBe("pending");
    // During the delay: the wait has not begun, nothing is indexed yet.
    const early = await send(t.key, "quote.accepted", { quote_id: "q5", total: 1 });
    await matched(t.key, early);
    expect(await storeSql(t.tenantId, "SELECT run_id FROM waits")).toEqual([]);
    const done = await runOf(t.key, sent, "succeeded");
    expect(step(done, "accepted").output.id).toBe(early);
    expect(step(done, "nudge").status).toBe("skipped");
  });

  it("one event resumes every run waiting for it", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", { key: t.key, body: quoteFlow() });
    const a = await send(t.key, "quote.sent", { id: "q7" });
    const b = await send(t.key, "quote.sent", { id: "q7" });
    const c = await send(t.key, "quote.sent", { id: "q8" });
    for (const e of [a, b, c]) await runOf(t.key, e, "waiting");
    const accepted = await send(t.key, "quote.accepted", { quote_id: "q7", total: 1 });
    for (const e of [a, b]) {
      expect(step(await runOf(t.key, e, "succeeded"), "accepted").output.id).toBe(accepted);
    }
    expect((await runOf(t.key, c)).status).toBe("waiting");
    const left = await call("GET", "/v1/waits", { key: t.key });
    expect(left.body.items.map((w: Json) => w.keys)).toEqual([{ "data.quote_id": "q8" }]);
  });

  it("times out and runs its onTimeout steps; the step succeeds with { timedOut: true }", async () => {
    const t = await newTenant();
    await call("POST", "/v1/workflows", {
      key: t.key,
      body: quoteFlow({ timeout: "2s", match: null }),
    });
    const sent = await send(t.key, "quote.sent", { id: "q9" });
    await runOf(t.key, sent, "waiting");
    const done = await runOf(t.key, sent, "succeeded");
    expect(step(done, "accepted").output).toEqual({ timedOut: true });
    expect(step(done, "nudge").status).toBe("succeeded");
    const mail = (await call("GET", "/v1/outbox?channel=email", { key: t.key })).body.items;
    expect(mail.map((m: Json) => m.subject).sort()).toEqual([
      "Quote q9 done: timed out",
      "Quote q9 not accepted",
    ]);
    expect(await storeSql(t.tenantId, "SELECT run_id FROM waits")).toEqual([]);
  });

  it("is listed with its keys and deadline, and cancelled by DELETE into its timeout branch, audited", async () => {
    const t = await newTenant();
    const wf = await call("POST", "/v1/workflows", { key: t.key, body: quoteFlow() });
    const sent = await send(t.key, "quote.sent", { id: "q3" });
    const run = await runOf(t.key, sent, "waiting");
    const before = Date.now();
    const list = await eventually(
      () => call("GET", `/v1/waits?workflowId=${wf.body.id}`, { key: t.key }),
      (r) => r.body.items?.length === 1,
    );
    const wait = list.body.items[0];
    expect(wait).toMatchObject({
      runId: run.id,
      stepId: "accepted",
      workflowId: wf.body.id,
      event: ["quote.accepted", "quote.signed"],
      match: "event.data.quote_id == quote.id && event.data.total >= 0",
      keys: { "data.quote_id": "q3" },
    });
    const deadline = Date.parse(wait.deadline);
    expect(deadline).toBeGreaterThan(before + 3_500_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect((await call("GET", "/v1/waits?workflowId=wf_other", { key: t.key })).body.items).toEqual(
      [],
    );

    const cancelled = await call("DELETE", `/v1/waits/${run.id}/accepted`, { key: t.key });
    expect(cancelled.status).toBe(202);
    const done = await runOf(t.key, sent, "succeeded");
    expect(step(done, "accepted").output).toEqual({ timedOut: true, cancelled: true });
    expect(step(done, "nudge").status).toBe("succeeded");
    expect((await call("GET", "/v1/waits", { key: t.key })).body.items).toEqual([]);
    expect((await call("DELETE", `/v1/waits/${run.id}/accepted`, { key: t.key })).status).toBe(404);
    const audit = await call("GET", "/v1/audit?type=wait.cancelled", { key: t.key });
    expect(audit.body.items).toEqual([
      expect.objectContaining({
        type: "wait.cancelled",
        subject: run.id,
        details: expect.objectContaining({ stepId: "accepted", workflowId: wf.body.id }),
      }),
    ]);
  });

  it("a failed onTimeout step: the retry preview and the retry go on with the branch, never waiting again", async () => {
    const t = await newTenant();
    const flow = quoteFlow({ timeout: "1s", match: null });
    const nudge = (flow.steps[0] as Json).onTimeout[0];
    nudge.config.subject = "{{ quote.missing }}";
    await call("POST", "/v1/workflows", { key: t.key, body: flow });
    const sent = await send(t.key, "quote.sent", { id: "q4" });
    const failed = await runOf(t.key, sent, "failed");
    expect(step(failed, "accepted")).toMatchObject({
      status: "failed",
      output: { timedOut: true },
    });
    const preview = await call("GET", `/v1/runs/${failed.id}/retry-preview`, { key: t.key });
    expect(preview.status).toBe(200);
    expect(preview.body.steps.map((s: Json) => [s.id, s.plan])).toEqual([
      ["accepted", "again"],
      ["nudge", "again"],
      ["thanks", "first_time"],
    ]);
    expect(
      (await call("POST", `/v1/runs/${failed.id}/retry`, { key: t.key, body: {} })).status,
    ).toBe(202);
    const again = await eventually(
      () => call("GET", `/v1/runs/${failed.id}`, { key: t.key }),
      (r) =>
        r.body.status === "failed" &&
        step(r.body, "nudge").finishedAt !== step(failed, "nudge").finishedAt,
    );
    // The wait did not open again: the branch went on from where it failed.
    expect(step(again.body, "accepted").output).toEqual({ timedOut: true });
    expect(await storeSql(t.tenantId, "SELECT run_id FROM waits")).toEqual([]);
  });

  it("refuses a definition with wait problems, each at its path", async () => {
    const t = await newTenant();
    const bad = await call("POST", "/v1/workflows", {
      key: t.key,
      body: {
        ...quoteFlow(),
        steps: [
          {
            id: "a",
            waitFor: {
              event: ["quote.accepted", "Nope"],
              match: "event.data.x == order.id",
              timeout: "31d",
            },
            onTimeout: [{ id: "b", delay: "forever" }],
          },
          { id: "c", waitFor: { event: "quote.accepted" } },
          { id: "d", delay: "1s", onTimeout: [] },
        ],
      },
    });
    expect(bad.status).toBe(422);
    const paths = bad.body.error.details.map((d: Json) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "steps[0].waitFor.event[1]",
        "steps[0].waitFor.timeout",
        "steps[0].waitFor.match",
        "steps[0].onTimeout[0].delay",
        "steps[1].waitFor.timeout",
        "steps[2].onTimeout",
      ]),
    );
    const match = bad.body.error.details.find((d: Json) => d.path === "steps[0].waitFor.match");
    expect(match.message).toContain("unknown variable 'order'");
    expect(match.position).toMatchObject({ offset: 16, length: 5 });
  });
});
