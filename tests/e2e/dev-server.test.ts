import { describe, expect, inject, it } from "vitest";

const base = inject("baseUrl");
const vars = inject("vars");

describe("the Worker under wrangler dev", () => {
  it("serves health, the OpenAPI document, the reference page and the builder", async () => {
    expect(await (await fetch(`${base}/v1/health`)).json()).toEqual({ ok: true });
    const doc = (await (await fetch(`${base}/v1/openapi.json`)).json()) as { openapi: string };
    expect(doc.openapi).toBe("3.1.0");
    const docs = await fetch(`${base}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("Switchyard API");
    for (const path of ["/", "/workflows/some-deep-link"]) {
      const page = await fetch(`${base}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<title>Switchyard</title>");
    }
  });

  it("seeds the demo tenant idempotently, with a working login and API key", async () => {
    const again = await fetch(`${base}/v1/platform/demo-seed`, {
      method: "POST",
      headers: { authorization: `Bearer ${vars.SWITCHYARD_PLATFORM_TOKEN}` },
    });
    expect(await again.json()).toEqual({ created: [] });
    const list = await fetch(`${base}/v1/workflows?limit=200`, {
      headers: { authorization: `Bearer ${vars.SWITCHYARD_DEMO_API_KEY}` },
    });
    const body = (await list.json()) as { items: Array<{ name: string }> };
    // Other suites share this tenant, so only the two seeded ones are certain.
    expect(body.items.map((w) => w.name)).toEqual(
      expect.arrayContaining(["Big order approval", "Payment received"]),
    );
    const login = await fetch(`${base}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        email: "admin@acme.example",
        password: vars.SWITCHYARD_DEMO_PASSWORD,
      }),
    });
    expect(login.status).toBe(200);
    expect(((await login.json()) as { tenant: { name: string } }).tenant.name).toBe(
      "Acme Operations",
    );
  });
});
