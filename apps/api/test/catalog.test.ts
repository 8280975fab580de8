import { describe, expect, it } from "vitest";
import { call, newTenant } from "./helpers.ts";

describe("catalogue", () => {
  it("lists every action with its JSON Schemas and this tenant's event types", async () => {
    const a = await newTenant();
    const b = await newTenant();
    await call("PUT", "/v1/event-types/order.created", {
      key: a.key,
      body: { sample: { id: "o-1", amount: 5 } },
    });
    await call("PUT", "/v1/event-types/secret.thing", { key: b.key, body: {} });
    const res = await call("GET", "/v1/catalog", { key: a.key });
    expect(res.status).toBe(200);
    const names = res.body.actions.map((x: { name: string }) => x.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "send_email",
        "send_sms",
        "update_record",
        "call_webhook",
        "create_task",
        "notify_user",
        "request_approval",
      ]),
    );
    const email = res.body.actions.find((x: { name: string }) => x.name === "send_email");
    expect(email).toMatchObject({
      title: expect.any(String),
      description: expect.any(String),
      configSchema: { type: "object", required: expect.arrayContaining(["to", "subject", "body"]) },
      outputSchema: { type: "object", properties: { messageId: {}, provider: {} } },
      sampleOutput: { provider: "outbox" },
    });
    expect(res.body.eventTypes).toEqual([
      {
        type: "order.created",
        sample: { id: "o-1", amount: 5 },
        schema: expect.objectContaining({ type: "object" }),
        declared: true,
      },
      // The platform's own: offered as a trigger from the start, with its shape in words.
      {
        type: "workflow.failed",
        sample: expect.objectContaining({
          run: expect.objectContaining({ id: expect.any(String) }),
          workflow: expect.objectContaining({ name: expect.any(String) }),
          error: expect.any(String),
        }),
        schema: expect.objectContaining({
          type: "object",
          properties: expect.objectContaining({ run: expect.anything(), step: expect.anything() }),
        }),
        declared: true,
        description: expect.stringContaining("A run of another workflow failed"),
      },
    ]);
  });

  it("needs credentials", async () => {
    expect((await call("GET", "/v1/catalog")).status).toBe(401);
  });

  it("every route of this part is in the OpenAPI document", async () => {
    const doc = await call("GET", "/v1/openapi.json");
    const paths = doc.body.paths as Record<string, Record<string, unknown>>;
    const expected: Array<[string, string[]]> = [
      ["/v1/records/{type}/{id}", ["put", "patch", "get"]],
      ["/v1/records/{type}", ["get"]],
      ["/v1/tasks", ["get"]],
      ["/v1/tasks/{id}", ["get", "patch"]],
      ["/v1/notifications", ["get"]],
      ["/v1/notifications/{id}/read", ["post"]],
      ["/v1/outbox", ["get"]],
      ["/v1/event-types", ["get"]],
      ["/v1/event-types/{type}", ["put"]],
      ["/v1/catalog", ["get"]],
    ];
    for (const [path, methods] of expected) {
      expect(Object.keys(paths[path] ?? {}), path).toEqual(expect.arrayContaining(methods));
    }
  });
});
