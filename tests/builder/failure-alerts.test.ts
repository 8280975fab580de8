// Failure alerts in the builder (issue 14): the workflow list shows a
// workflow that keeps failing, a workflow's settings choose who is told
// (the workspace's choice, the default people, chosen members by name, or
// nobody), and Settings holds the workspace's default.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  addMember,
  eventually,
  type Json,
  newTenant,
  PASSWORD,
  rand,
  type Tenant,
} from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let t: Tenant;
let robinId: string;
let workflowId: string;

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Alerts");
  robinId = await addMember(t.api, `robin-${rand()}@example.com`, "viewer", {
    password: PASSWORD,
    name: "Robin Viewer",
  });
  // Fails: the person it tells is not a member (not retried).
  const wf = await t.api.must("POST", "/v1/workflows", {
    name: "Order follow-up",
    trigger: { event: "order.created" },
    steps: [
      {
        id: "tell",
        name: "Tell the account manager",
        action: "notify_user",
        config: { user: "nobody@example.com", message: "Order {{ order.id }}" },
      },
    ],
  });
  workflowId = wf.id;
  await t.api.must("POST", "/v1/workflows", {
    name: "Failure handler",
    trigger: { event: "workflow.failed" },
    steps: [{ id: "pause", delay: "1m" }],
  });
  for (const id of [1, 2, 3]) {
    const ev = await t.api.must("POST", "/v1/events", { type: "order.created", data: { id } });
    await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${ev.id}`),
      (r: Json) => r.items?.[0]?.status === "failed",
      30_000,
      `run of event ${id} failed`,
    );
  }
});

afterAll(async () => {
  await browser?.close();
});

describe("failure alerts in the builder", () => {
  it("the list shows a failing workflow; its settings choose who is told, and Settings the workspace's default", async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);

    const failing = page.getByRole("link", { name: /^Failing since .+ — 3 failed runs$/ });
    await failing.waitFor();
    await expectAccessible(page, "workflow list with a failing workflow");

    // The workflow's own settings: from the workspace's choice to one person, by name.
    await page.getByRole("link", { name: "Settings of Order follow-up" }).click();
    await page.getByRole("heading", { name: "Settings of “Order follow-up”" }).waitFor();
    await expect
      .poll(() => page.getByTestId("failing").textContent())
      .toContain("last at step “Tell the account manager”");
    const group = page.getByRole("group", { name: "When a run fails, tell:" });
    expect(await group.getByLabel("The workspace's choice (Settings)").isChecked()).toBe(true);
    await group.getByLabel("These people:").check();
    await group.getByLabel(/Robin Viewer/).check();
    await expectAccessible(page, "workflow settings: alerts");
    await page.getByRole("button", { name: "Save alerts" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.alerts).toEqual({ enabled: true, recipients: [robinId] });

    // On failure, run: the handler, offered by name.
    await page.getByLabel("Workflow to run when a run fails").selectOption({
      label: "Failure handler",
    });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(async () => (await t.api.must("GET", `/v1/workflows/${workflowId}`)).onFailure)
      .toEqual({ workflowId: expect.stringMatching(/^wf_/) });

    // Picking "these people" and nobody is refused before it is sent.
    await group.getByLabel(/Robin Viewer/).uncheck();
    await page.getByRole("button", { name: "Save alerts" }).click();
    await page.getByRole("alert").filter({ hasText: "Pick at least one person" }).waitFor();

    // The workspace's default: nobody.
    await page.goto(`${base}/settings/workspace`);
    await page.getByRole("heading", { name: "Failure alerts" }).waitFor();
    const ws = page.getByRole("group", { name: "When a run fails, tell:" });
    expect(
      await ws
        .getByLabel("The person who last published it, and the admins and owners")
        .isChecked(),
    ).toBe(true);
    await ws.getByLabel("Nobody").check();
    await expectAccessible(page, "workspace settings: alerts");
    await page.getByRole("button", { name: "Save alerts" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const tenant = await t.api.must("GET", "/v1/settings/tenant");
    expect(tenant.alerts).toEqual({ enabled: false, recipients: "default" });

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("a workflow pauses itself when it keeps failing, shows why, and is turned back on; workflow.failed is offered as a trigger", async () => {
    const wf = await t.api.must("POST", "/v1/workflows", {
      name: "Stock sync",
      trigger: { event: "stock.changed" },
      steps: [
        {
          id: "tell",
          name: "Tell the buyer",
          action: "notify_user",
          config: { user: "stranger@example.com", message: "Stock {{ stock.id }}" },
        },
      ],
    });
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    await page.goto(`${base}/workflows/${wf.id}/settings`);
    const group = page.getByRole("group", { name: "Pause it when it keeps failing" });
    await group.getByLabel("Pause this workflow by itself when it keeps failing").check();
    await group.getByLabel("after").fill("2");
    await group.getByLabel("How long").fill("1");
    await group.getByLabel("Unit").selectOption({ label: "hours" });
    await page.getByRole("button", { name: "Save pausing" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: "Saved: it pauses after 2 failed runs within 1 hour." })
      .waitFor();
    expect((await t.api.must("GET", `/v1/workflows/${wf.id}`)).autoPause).toEqual({
      failures: 2,
      minutes: 60,
    });

    for (const id of [1, 2]) {
      await t.api.must("POST", "/v1/events", { type: "stock.changed", data: { id } });
    }
    await eventually(
      () => t.api.must("GET", `/v1/workflows/${wf.id}`),
      (w: Json) => w.paused !== null,
      30_000,
      "the workflow paused itself",
    );

    // The list says so, and leads to its settings, where it is turned back on.
    await page.goto(`${base}/workflows`);
    const paused = page.getByRole("link", { name: "Paused", exact: true });
    await paused.waitFor();
    expect(await paused.getAttribute("title")).toMatch(
      /^Paused on .+ after 2 failed runs within 1 hour$/,
    );
    await expectAccessible(page, "workflow list with a paused workflow");
    await paused.click();
    await expect
      .poll(() => page.getByTestId("paused").textContent())
      .toMatch(/Paused on .+ after 2 failed runs within 1 hour\. It starts no new runs/);
    await expectAccessible(page, "workflow settings: paused");
    await shoot(page, "60-workflow-paused");
    await page.getByRole("button", { name: "Turn it back on" }).click();
    await page.getByRole("status").filter({ hasText: "Turned back on" }).waitFor();
    expect(await page.getByTestId("paused").count()).toBe(0);
    expect(await t.api.must("GET", `/v1/workflows/${wf.id}`)).toMatchObject({
      enabled: true,
      paused: null,
    });

    // A new workflow's trigger picker offers workflow.failed, and says what it means.
    await page.goto(`${base}/workflows`);
    await page.getByRole("link", { name: "Failure handler", exact: true }).click();
    await page.getByTestId("trigger-card").click();
    const options = await page
      .locator("#event-types option")
      .evaluateAll((els) => els.map((e) => [(e as HTMLOptionElement).value, e.textContent]));
    expect(options).toContainEqual([
      "workflow.failed",
      expect.stringContaining("A run of another workflow failed"),
    ]);
    await expect
      .poll(() => page.getByTestId("trigger-meaning").textContent())
      .toContain("Choose which workflows hand their failures to this one in their Settings.");
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("a run retried into success still shows on its page that it failed, when, why and who retried it", async () => {
    const runs = await t.api.must("GET", `/v1/runs?workflowId=${workflowId}&status=failed`);
    const runId = runs.items[0].id as string;
    // The person the step tells joins; the run is retried with the API key.
    await addMember(t.api, "nobody@example.com", "viewer", { password: PASSWORD });
    await t.api.must("POST", `/v1/runs/${runId}/retry`, {});
    await eventually(
      () => t.api.must("GET", `/v1/runs/${runId}`),
      (r: Json) => r.status === "succeeded",
      30_000,
      "the retried run succeeded",
    );
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    await page.goto(`${base}/runs/${runId}`);
    const history = page.getByTestId("run-history");
    await history.getByRole("heading", { name: "History" }).waitFor();
    const lines = await history.getByRole("listitem").allTextContents();
    expect(lines.map((l) => l.replace(/\s+/g, " ").trim())).toEqual([
      expect.stringMatching(
        /^Failed .+ on version 1 at step “Tell the account manager”: “User”: 'nobody@example\.com' is not a member/,
      ),
      expect.stringMatching(/^Retried .+ by an API key on version 1$/),
      expect.stringMatching(/^Succeeded .+ on version 1$/),
    ]);
    await expectAccessible(page, "run page with its history");
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
