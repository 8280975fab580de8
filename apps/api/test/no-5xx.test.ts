import { describe, expect, it } from "vitest";
import { call, newTenant, sampleDefinition } from "./helpers.ts";

// Every body a client can send to the control-plane routes gets a 2xx or a
// 4xx in the error shape: a 5xx is a bug.
const junk: unknown[] = [
  null,
  [],
  "text",
  42,
  {},
  { name: 1 },
  { steps: "x", trigger: null },
  { ...sampleDefinition(), steps: [{}] },
  { ...sampleDefinition(), steps: [{ id: "a", action: "send_email", config: null }] },
  { ...sampleDefinition(), filter: "(".repeat(5000) },
  { ...sampleDefinition(), filter: 12 },
  { ...sampleDefinition(), name: "\u0000\ud800" },
  {
    ...sampleDefinition(),
    steps: Array.from({ length: 150 }, (_, i) => ({ id: `s${i}`, delay: "1s" })),
  },
  { ...sampleDefinition(), publish: "yes" },
  { ...sampleDefinition(), baseVersion: -1 },
  { version: 2 ** 60 },
  { event: { data: { a: 1 } } },
  { event: { type: "x", data: 1 } },
  { email: "a", password: 1 },
  { name: "k", scopes: ["root"] },
  { role: "god" },
  { fields: { a: 1 } },
];

describe("no 5xx from client input", () => {
  it("on every workflow, key, member, auth, event and run route", async () => {
    const t = await newTenant();
    const wf = (await call("POST", "/v1/workflows", { key: t.key, body: sampleDefinition() })).body
      .id;
    const paths: Array<[string, string]> = [
      ["POST", "/v1/workflows"],
      ["PUT", `/v1/workflows/${wf}`],
      ["POST", `/v1/workflows/${wf}/publish`],
      ["POST", `/v1/workflows/${wf}/test`],
      ["POST", `/v1/workflows/${wf}/runs`],
      ["POST", "/v1/api-keys"],
      ["POST", "/v1/members"],
      ["PATCH", "/v1/members/us_nobody"],
      ["POST", "/v1/auth/login"],
      ["POST", "/v1/auth/switch-tenant"],
      ["POST", "/v1/events"],
      ["POST", "/v1/runs/run_nope/retry"],
      ["POST", "/v1/tenants"],
    ];
    for (const [method, path] of paths) {
      for (const body of junk) {
        const res = await call(method, path, { key: t.key, body });
        expect(res.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 80)}`).toBeLessThan(
          500,
        );
        if (res.status >= 400) expect(res.body.error.code).toEqual(expect.any(String));
      }
    }
    for (const q of [
      "limit=0",
      "limit=abc",
      "cursor=%%%",
      "enabled=maybe",
      "since=x",
      "status=odd",
    ]) {
      for (const path of [
        "/v1/workflows",
        "/v1/audit",
        "/v1/runs",
        `/v1/workflows/${wf}/versions`,
      ]) {
        const res = await call("GET", `${path}?${q}`, { key: t.key });
        expect(res.status, `${path}?${q}`).toBeLessThan(500);
      }
    }
    expect((await call("GET", `/v1/workflows/${wf}/versions/abc`, { key: t.key })).status).toBe(
      400,
    );
  });
});
