// Metrics in the builder (issue 16, item 5): after a few runs of a workflow
// (two succeed, one fails at a named step), the workflow list's 7-day chart
// shows its success rate and p95, and the editor's Metrics tab reads the
// figures in people's words — runs, success rate, p50/p95, the failing step
// by its name — for 24 hours and 7 days. Axe and a screenshot.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const ADMIN = "admin@acme.example";
const KEY = vars.SWITCHYARD_DEMO_API_KEY ?? "";
const tag = Date.now().toString(36);
const NAME = `Tell about orders ${tag}`;

let browser: Browser;
let page: Page;
let problems: string[];
let workflowId = "";

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`not reached in ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One run to its end: it tells `user`, so a stranger fails it (not a member). */
async function runFor(user: string, outcome: "succeeded" | "failed", n: number): Promise<void> {
  const ev = await call("POST", "/v1/events", {
    type: `metric${tag}.created`,
    data: { id: n, user },
  });
  expect(ev.status).toBe(202);
  await until(
    () => call("GET", `/v1/runs?eventId=${encodeURIComponent(ev.body.id)}`),
    (r) => r.body?.items?.[0]?.status === outcome,
  );
}

beforeAll(async () => {
  const wf = await call("POST", "/v1/workflows", {
    name: NAME,
    trigger: { event: `metric${tag}.created` },
    steps: [
      {
        id: "tell",
        name: "Tell the account manager",
        action: "notify_user",
        config: { user: `{{ metric${tag}.user }}`, message: "Order {{ event.data.id }}" },
      },
    ],
  });
  expect(wf.status).toBe(201);
  workflowId = wf.body.id;
  await runFor(ADMIN, "succeeded", 1);
  await runFor(ADMIN, "succeeded", 2);
  await runFor(`stranger-${tag}@example.com`, "failed", 3);
  await until(
    () => call("GET", `/v1/workflows/${workflowId}/metrics?window=24h`),
    (r) => r.body?.runs === 3,
  );
  browser = await launch();
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("metrics in the builder", () => {
  it("shows the week's chart with the success rate and p95 in the workflow list", async () => {
    await page.goto(`${base}/workflows`);
    const row = page.getByRole("row").filter({ hasText: NAME });
    await expect.poll(() => row.textContent()).toContain("67% succeeded");
    await expect.poll(() => row.textContent()).toMatch(/p95 \d/);
    const chart = row.getByRole("img", { name: /Runs per day for .*the last 7 days/ });
    // Today, the last of the seven days: 3 runs, 1 of them failed.
    expect(await chart.getAttribute("aria-label")).toMatch(/, 3 \(1 failed\)$/);
    await expectAccessible(page, "workflow list with charts");
    await row.scrollIntoViewIfNeeded();
    await shoot(page, "79-workflow-list-charts", false);
  });

  it("reads runs, success rate, durations and the failing step by name in the Metrics tab", async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    await page.getByRole("tab", { name: "Metrics" }).click();
    const panel = page.getByRole("tabpanel");
    const figure = (name: string) => panel.locator(`[data-figure="${name}"]`);
    await expect.poll(() => figure("runs").textContent()).toBe("3");
    expect(await figure("success").textContent()).toBe("67%");
    expect(await figure("failed").textContent()).toBe("1");
    expect(await figure("p50").textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    expect(await figure("p95").textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    await expect
      .poll(() => panel.getByRole("button", { name: "24 hours" }).getAttribute("aria-pressed"))
      .toBe("true");
    expect(await panel.getByRole("img").getAttribute("aria-label")).toBe(
      "Runs per hour over the last 24 hours: 3 runs, 1 failed",
    );
    const failing = panel.getByRole("list", { name: "Failing steps" });
    expect(await failing.textContent()).toContain("Tell the account manager");
    expect(await failing.textContent()).toContain("1 of 3 runs failed");
    const slow = panel.getByRole("list", { name: "Slowest steps" });
    expect(await slow.textContent()).toContain("Tell the account manager");
    // No ids or JSON on screen.
    expect(await panel.textContent()).not.toMatch(/"stepId"|\btell\b|wf_/);
    await expectAccessible(page, "metrics tab");
    await shoot(page, "78-workflow-metrics", false);

    await panel.getByRole("button", { name: "7 days" }).click();
    await expect
      .poll(() => panel.getByRole("img").getAttribute("aria-label"))
      .toBe("Runs per day over the last 7 days: 3 runs, 1 failed");
    expect(await figure("runs").textContent()).toBe("3");
    expect(await panel.textContent()).toContain("Runs per day (UTC)");
    expect(problems).toEqual([]);
  });
});
