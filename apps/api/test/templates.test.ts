import { sampleValues } from "@switchyard/engine";
import { describe, expect, it } from "vitest";
import { listTemplates } from "../src/templates/registry.ts";
import { call, type Json, newTenant } from "./helpers.ts";

declare global {
  interface ImportMeta {
    glob<T>(pattern: string, options: { eager: true; import: "default" }): Record<string, T>;
  }
}

const files = import.meta.glob<{ id: string }>("../../../templates/*.json", {
  eager: true,
  import: "default",
});

const readKey = async (key: string) =>
  (await call("POST", "/v1/api-keys", { key, body: { name: "viewer", scopes: ["read"] } })).body
    .key as string;

describe("the bundled templates", () => {
  it("are exactly the files of templates/, each under its own name", () => {
    const onDisk = Object.keys(files)
      .map((path) => path.replace(/^.*\//, "").replace(/\.json$/, ""))
      .sort();
    expect(onDisk.length).toBeGreaterThanOrEqual(10);
    expect(
      listTemplates()
        .map((t) => t.id)
        .sort(),
    ).toEqual(onDisk);
    for (const [path, json] of Object.entries(files)) expect(path).toContain(`/${json.id}.json`);
  });
});

describe("OpenAPI", () => {
  it("describes the three template routes", async () => {
    const doc = (await call("GET", "/v1/openapi.json")).body;
    expect(Object.keys(doc.paths["/v1/templates"])).toEqual(["get"]);
    expect(Object.keys(doc.paths["/v1/templates/{id}"])).toEqual(["get"]);
    expect(doc.paths["/v1/templates/{id}/use"].post.responses).toHaveProperty("201");
    expect(doc.components.schemas.TemplateParam.properties.type.enum).toContain("secret");
  });
});

describe("GET /v1/templates", () => {
  it("lists the gallery for a viewer, with what this workspace lacks", async () => {
    const t = await newTenant();
    const viewer = await readKey(t.key);
    const res = await call("GET", "/v1/templates", { key: viewer });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(listTemplates().length);
    expect(res.body.nextCursor).toBeNull();
    const lead = res.body.items.find((i: Json) => i.id === "new-lead-slack");
    expect(lead).toMatchObject({
      title: "New lead → Slack",
      category: "Sales",
      requires: { connections: [], secrets: ["slack_webhook"] },
      ready: { missingConnections: [], missingSecrets: ["slack_webhook"] },
    });
    expect(lead.params.map((p: Json) => [p.name, p.type])).toEqual([
      ["lead_event", "event_type"],
      ["slack_webhook", "secret"],
      ["owner", "person"],
      ["within", "duration"],
    ]);
    expect(lead).not.toHaveProperty("definition");
    const erp = res.body.items.find((i: Json) => i.id === "sync-order-to-erp");
    expect(erp.ready).toEqual({ missingConnections: ["erp"], missingSecrets: [] });

    const put = await call("PUT", "/v1/secrets/slack_webhook", {
      key: t.key,
      body: { value: "https://hooks.slack.com/services/T0/B0/x" },
    });
    expect(put.status).toBeLessThan(300);
    const again = await call("GET", "/v1/templates", { key: viewer });
    const ready = again.body.items.find((i: Json) => i.id === "new-lead-slack").ready;
    expect(ready).toEqual({ missingConnections: [], missingSecrets: [] });
  });

  it("shows one template with its workflow, blanks in place; 404 for an unknown one", async () => {
    const t = await newTenant();
    const res = await call("GET", "/v1/templates/big-order-approval", { key: t.key });
    expect(res.status).toBe(200);
    expect(res.body.definition).toMatchObject({
      name: "Approve orders over [[threshold]]",
      trigger: { event: { $param: "order_event" } },
      filter: "event.data.amount > [[threshold]]",
    });
    expect(res.body.ready).toEqual({ missingConnections: [], missingSecrets: [] });
    const missing = await call("GET", "/v1/templates/no-such-template", { key: t.key });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
  });
});

describe("POST /v1/templates/:id/use", () => {
  it("makes a draft (never live) that publishes once its secret exists; audited with the template", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/templates/new-lead-slack/use", {
      key: t.key,
      body: { params: { owner: t.email, within: "8h" }, name: "Leads to #sales" },
    });
    expect(res.status).toBe(201);
    const wf = res.body;
    expect(wf).toMatchObject({
      name: "Leads to #sales",
      liveVersion: null,
      draftVersion: 1,
      latestVersion: 1,
      trigger: { event: "lead.created" },
    });
    expect(wf.definition.steps[0].config.webhookUrl).toBe("{{ secrets.slack_webhook }}");
    expect(wf.definition.steps[1].config).toMatchObject({ assignee: t.email, due: "8h" });
    // Its only problem: the secret this workspace does not have yet.
    expect(wf.problems).toEqual([
      expect.objectContaining({
        path: "steps[0].config.webhookUrl",
        message: expect.stringContaining("slack_webhook"),
      }),
    ]);
    const early = await call("POST", `/v1/workflows/${wf.id}/publish`, {
      key: t.key,
      body: { version: 1 },
    });
    expect(early.status).toBe(422);

    await call("PUT", "/v1/secrets/slack_webhook", {
      key: t.key,
      body: { value: "https://hooks.slack.com/services/T0/B0/x" },
    });
    const live = await call("POST", `/v1/workflows/${wf.id}/publish`, {
      key: t.key,
      body: { version: 1 },
    });
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ liveVersion: 1, problems: [] });

    const audit = await call("GET", "/v1/audit?type=workflow.created", { key: t.key });
    const entry = audit.body.items.find((e: Json) => e.subject === wf.id);
    expect(entry.details).toMatchObject({
      name: "Leads to #sales",
      published: false,
      template: "new-lead-slack",
    });
  });

  it("answers 422 with each bad parameter at params.<name>, and creates nothing", async () => {
    const t = await newTenant();
    const res = await call("POST", "/v1/templates/big-order-approval/use", {
      key: t.key,
      body: { params: { threshold: "ten thousand", wait: "2 days", colour: "red" } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.details.map((d: Json) => d.path).sort()).toEqual([
      "params.approver",
      "params.colour",
      "params.threshold",
      "params.wait",
    ]);
    expect((await call("GET", "/v1/workflows", { key: t.key })).body.items).toHaveLength(0);
    const bad = await call("POST", "/v1/templates/big-order-approval/use", {
      key: t.key,
      body: { params: [] },
    });
    expect(bad.status).toBe(400);
  });

  it("is an editor's: a viewer is refused, an unknown template is 404", async () => {
    const t = await newTenant();
    const viewer = await readKey(t.key);
    const refused = await call("POST", "/v1/templates/order-shipped-sms/use", {
      key: viewer,
      body: { params: {} },
    });
    expect(refused.status).toBe(403);
    const missing = await call("POST", "/v1/templates/nope/use", { key: t.key, body: {} });
    expect(missing.status).toBe(404);
  });

  it("every template, filled with its defaults and examples, drafts with no problem but a missing connection or secret", async () => {
    const t = await newTenant();
    for (const template of listTemplates()) {
      const res = await call("POST", `/v1/templates/${template.id}/use`, {
        key: t.key,
        body: { params: sampleValues(template.params) },
      });
      expect(res.status, template.id).toBe(201);
      const missing = [...template.requires.connections, ...template.requires.secrets];
      for (const p of res.body.problems as Json[]) {
        expect(
          missing.some((name) => p.message.includes(`'${name}'`)),
          `${template.id}: ${p.path}: ${p.message}`,
        ).toBe(true);
      }
      expect(res.body.problems.length > 0).toBe(missing.length > 0);
    }
  });
});
