import { describe, expect, inject, it } from "vitest";

// The README's "Send an event and follow its run" walk-through, step by
// step, against the real Worker: if this fails, the README is wrong.
const base = inject("baseUrl");
const key = inject("vars").SWITCHYARD_DEMO_API_KEY!;

// biome-ignore lint/suspicious/noExplicitAny: the API answers arbitrary JSON
type Json = any;

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

describe("README walk-through", () => {
  it("creates a workflow, sends an event (twice), follows the run and finds the email in the outbox", async () => {
    const wf = await api("POST", "/v1/workflows", {
      name: "Order confirmation",
      trigger: { event: "order.placed" },
      filter: "order.amount > 100",
      steps: [
        {
          id: "confirm",
          action: "send_email",
          config: {
            to: "{{ order.email }}",
            subject: "Order {{ order.id }} confirmed",
            body: "We received {{ order.amount }} for order {{ order.id }}.",
          },
        },
      ],
    });
    expect(wf.status).toBe(201);
    const event = {
      id: "order-1001",
      type: "order.placed",
      data: { id: "1001", amount: 250, email: "ada@example.com" },
    };
    expect((await api("POST", "/v1/events", event)).body).toEqual({
      id: "order-1001",
      duplicate: false,
    });
    expect((await api("POST", "/v1/events", event)).body).toEqual({
      id: "order-1001",
      duplicate: true,
    });
    let ev: Json;
    for (let i = 0; i < 120; i++) {
      ev = (await api("GET", "/v1/events/order-1001")).body;
      if (ev.runs?.[0]?.status === "succeeded") break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(ev.runs).toHaveLength(1);
    expect(ev.runs[0].status).toBe("succeeded");
    const run = await api("GET", `/v1/runs/${ev.runs[0].id}`);
    expect(run.body.steps[0]).toMatchObject({
      id: "confirm",
      status: "succeeded",
      input: { to: "ada@example.com", subject: "Order 1001 confirmed" },
    });
    const outbox = await api("GET", "/v1/outbox?channel=email");
    const mail = outbox.body.items.find((m: Json) => m.runId === ev.runs[0].id);
    expect(mail).toMatchObject({
      to: "ada@example.com",
      subject: "Order 1001 confirmed",
      body: "We received 250 for order 1001.",
    });
    const dry = await api("POST", `/v1/workflows/${wf.body.id}/test`, {
      event: { data: { id: "7", amount: 50 } },
    });
    expect(dry.body.filter.result).toBe(false);
  });
});
