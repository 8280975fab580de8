// Flow control (issue 16, item 1), acted out in a browser the way a person
// who never writes code would: "Run one at a time … for each customer"
// chosen with the data picker (no braces typed), a rate limit and "wait
// until the events stop" the same way, a problem shown at its control, the
// line on the trigger card, and the definition read back through the API.
// Then runs held back by "one at a time": the runs list and the run page say
// why a run waits, and approving the first run lets the next one start.
// Last, the workspace's cap on runs running at once, saved in settings.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, type Json, newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let t: Tenant;
let owner: Page;
let ownerProblems: string[];

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Flow control");
  // The data picker offers the trigger's fields from the event type's sample.
  await t.api.must("PUT", "/v1/event-types/order.placed", {
    sample: { id: "ord_1", customer_id: "c-17", total: 120 },
  });
  ({ page: owner, problems: ownerProblems } = await newPage(browser));
  await signIn(owner, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

/** Chooses a field with the data picker of one sentence ("one at a time for each"). */
async function pick(page: Page, sentence: string, path: string): Promise<void> {
  // "Choose a field" at first, "Change" once one is chosen (or carried over from another setting).
  await page
    .getByRole("button", { name: new RegExp(`^(Choose a field|Change): ${sentence}$`) })
    .click();
  const group = page.getByRole("group", { name: `Data available for ${sentence}` });
  await group.waitFor();
  await group.locator("button.field", { hasText: path }).click();
}

describe("how often it runs, set in the builder", () => {
  let workflowId = "";

  it("sets one at a time per customer with the data picker, and saves it", async () => {
    const page = owner;
    await page.goto(`${base}/workflows`);
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill("One order at a time");
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("order.placed");
    await page.getByRole("button", { name: "Add Wait at the end" }).click();
    await page.getByTestId("trigger-card").click();

    const flow = page.getByTestId("flow-control");
    await flow.waitFor();
    await page.getByLabel("Run one at a time").check();
    // One at a time for the whole workflow until a field is chosen.
    expect(await page.getByTestId("flow-concurrency-key-label").textContent()).toBe(
      "for the whole workflow",
    );
    expect(await page.getByLabel("At most", { exact: true }).inputValue()).toBe("1");
    await pick(page, "one at a time for each", "order.customer_id");
    await expect
      .poll(() => page.getByTestId("flow-concurrency-key-label").textContent())
      .toBe("customer");
    await expect
      .poll(() => page.getByTestId("trigger-flow").textContent())
      .toBe("One at a time per customer");
    // "Whole workflow" takes the field away again; the picker puts it back.
    await page
      .getByTestId("flow-concurrency-key")
      .getByRole("button", { name: "Whole workflow" })
      .click();
    await expect
      .poll(() => page.getByTestId("flow-concurrency-key-label").textContent())
      .toBe("for the whole workflow");
    await expect.poll(() => page.getByTestId("trigger-flow").textContent()).toBe("One at a time");
    await pick(page, "one at a time for each", "order.customer_id");
    await expect
      .poll(() => page.getByTestId("trigger-flow").textContent())
      .toBe("One at a time per customer");
    await expectAccessible(page, "keeping runs in check, in the trigger's panel");

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");
    workflowId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.concurrency).toEqual({ key: "{{ order.customer_id }}", limit: 1 });
    expect(saved.definition.throttle).toBeUndefined();
    expect(ownerProblems).toEqual([]);
  });

  it("adds a rate limit and waiting for the events to stop, in sentences", async () => {
    const page = owner;
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("Limit the number of starts").check();
    // The field chosen for one at a time is the likely one here too.
    expect(await page.getByTestId("flow-throttle-key-label").textContent()).toBe("customer");
    await page.getByLabel("Start at most", { exact: true }).fill("30");
    await page.getByLabel("runs per", { exact: true }).selectOption({ label: "hour" });
    // The engine spreads the starts evenly, and the form says so.
    await page
      .getByText("Starts are spread out, one every 2 minutes, so no hour ever has more")
      .waitFor();

    await page.getByLabel("Wait until the events stop").check();
    expect(await page.getByTestId("flow-debounce-key-label").textContent()).toBe("customer");
    await pick(page, "events about the same", "order.id");
    await expect
      .poll(() => page.getByTestId("flow-debounce-key-label").textContent())
      .toBe("order");
    await page.getByLabel("stop for: amount").fill("45");
    await page.getByLabel("stop for: unit").selectOption("s");
    await page.getByLabel("but no longer than: amount").fill("20");
    await page.getByLabel("but no longer than: unit").selectOption("m");
    await expect
      .poll(() => page.getByTestId("trigger-flow").textContent())
      .toBe(
        "One at a time per customer · at most 30 an hour per customer · waits for 45 seconds of quiet per order (at most 20 minutes)",
      );
    await shoot(page, "80-flow-control-editor");

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 2");
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.throttle).toEqual({
      key: "{{ order.customer_id }}",
      limit: 30,
      period: "1h",
    });
    expect(saved.definition.debounce).toEqual({
      key: "{{ order.id }}",
      quiet: "45s",
      maxWait: "20m",
    });
    expect(ownerProblems).toEqual([]);
  });

  it("shows a problem at the control it is about, and in the problem list", async () => {
    const page = owner;
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("At most", { exact: true }).fill("5000");
    const at = page.locator("#flow-concurrency-limit-problems .error");
    await expect.poll(() => at.count()).toBe(1);
    const message = (await at.textContent()) ?? "";
    expect(message).not.toBe("");
    await expect
      .poll(() => page.locator("#problem-list li").first().textContent())
      .toBe(`Keeping runs in check — how many at a time: ${message}`);
    expect(await page.getByRole("button", { name: "Publish" }).isDisabled()).toBe(true);
    await expect.poll(() => page.getByTestId("trigger-card").getByText("problem").count()).toBe(1);

    // The server says the same, at the same path: publishing it is refused.
    const refused = await t.api.put(`/v1/workflows/${workflowId}`, {
      name: "One order at a time",
      trigger: { event: "order.placed" },
      concurrency: { key: "{{ order.customer_id }}", limit: 5000 },
      steps: [{ id: "wait", delay: "1h" }],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.map((d: Json) => d.path)).toContain("concurrency.limit");

    // The problem list's link opens the trigger's panel at the control.
    await page.locator("#problem-list li button", { hasText: "Keeping runs in check" }).click();
    await page.getByLabel("At most", { exact: true }).fill("1");
    await expect.poll(() => at.count()).toBe(0);
    await expect.poll(() => page.locator("#problem-count").count()).toBe(0);
    expect(ownerProblems).toEqual([]);
  });
});

describe("runs that wait their turn", () => {
  const customer = "c-17";

  it("says in the runs list and on the run page why a run waits, and starts it when the one before ends", async () => {
    const page = owner;
    const wf = await t.api.must("POST", "/v1/workflows", {
      name: "Check each order",
      trigger: { event: "order.placed" },
      concurrency: { key: "{{ order.customer_id }}", limit: 1 },
      steps: [
        {
          id: "check",
          name: "Check the order",
          action: "request_approval",
          config: { approver: t.email, title: "Check order {{ order.id }}" },
        },
      ],
    });
    // Three orders of one customer: the first holds the line open (its approval).
    const sent: string[] = [];
    for (const n of [1, 2, 3]) {
      const ev = await t.api.must("POST", "/v1/events", {
        id: `ord-${n}-${wf.id}`,
        type: "order.placed",
        data: { id: `ord_${n}`, customer_id: customer, total: 10 * n },
      });
      sent.push(ev.id);
    }
    const runOf = (list: Json, eventId: string) =>
      list.items?.find((r: Json) => r.eventId === eventId);
    const listed = await eventually(
      () => t.api.must("GET", `/v1/runs?workflowId=${wf.id}`),
      (r: Json) =>
        runOf(r, sent[0] as string) !== undefined &&
        runOf(r, sent[1] as string)?.waitingFor &&
        runOf(r, sent[2] as string)?.waitingFor?.ahead === 1,
      60_000,
      "the second and third orders wait behind the first",
    );
    const first = runOf(listed, sent[0] as string);
    const second = runOf(listed, sent[1] as string);
    const third = runOf(listed, sent[2] as string);
    expect(first.waitingFor ?? null).toBeNull();
    expect(third.waitingFor.reason).toBe("concurrency");

    await page.goto(`${base}/runs?workflowId=${wf.id}`);
    const line = (run: Json) =>
      page.locator(`tr[data-run="${run.id}"] [data-testid="waiting-for"]`);
    await expect
      .poll(() => line(third).textContent())
      .toBe(`Waiting: 1 run for customer ${customer} ahead`);
    expect(await line(second).textContent()).toMatch(/^Waiting: .*customer c-17/);
    expect(
      await page.locator(`tr[data-run="${first.id}"] [data-testid="waiting-for"]`).count(),
    ).toBe(0);
    await expectAccessible(page, "waiting runs in the runs list");
    await shoot(page, "81-runs-waiting");

    await page.goto(`${base}/runs/${third.id}`);
    await expect
      .poll(() => page.getByTestId("waiting-banner").textContent())
      .toBe(
        `This run has not started yet: 1 run for customer ${customer} is ahead of it. It starts when it finishes.`,
      );
    await expectAccessible(page, "a waiting run's page");
    await shoot(page, "82-run-waiting-banner");

    // The first order approved: its run ends, and the second starts (its own approval).
    const approvals = await eventually(
      () => t.api.must("GET", "/v1/approvals?status=pending"),
      (r: Json) => r.items?.some((a: Json) => a.runId === first.id),
      60_000,
      "the first run's approval",
    );
    const approval = approvals.items.find((a: Json) => a.runId === first.id);
    await t.api.must("POST", `/v1/approvals/${approval.id}/decide`, { decision: "approved" });
    await page.goto(`${base}/runs/${second.id}`);
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByTestId("run-status").waitFor();
          return page.getByTestId("waiting-banner").count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(0);
    await eventually(
      () => t.api.must("GET", "/v1/approvals?status=pending"),
      (r: Json) => r.items?.some((a: Json) => a.runId === second.id),
      60_000,
      "the second run starts and asks for its approval",
    );
    // The third now has no one queued ahead of it, only the second running.
    const after = await t.api.must("GET", `/v1/runs/${third.id}`);
    expect(after.status).toBe("waiting");
    expect(after.waitingFor.ahead).toBe(0);
    expect(ownerProblems).toEqual([]);
  });
});

describe("events that replace each other", () => {
  it("says a replaced run was not run, links the later event, and when the last one starts", async () => {
    const page = owner;
    const wf = await t.api.must("POST", "/v1/workflows", {
      name: "Sync each order once it settles",
      trigger: { event: "order.placed" },
      debounce: { key: "{{ order.id }}", quiet: "10m", maxWait: "1h" },
      steps: [{ id: "wait", delay: "1h" }],
    });
    const sent: string[] = [];
    for (const total of [10, 20]) {
      const ev = await t.api.must("POST", "/v1/events", {
        id: `edit-${total}-${wf.id}`,
        type: "order.placed",
        data: { id: "ord_9", customer_id: "c-3", total },
      });
      sent.push(ev.id);
    }
    const runOf = (list: Json, eventId: string) =>
      list.items?.find((r: Json) => r.eventId === eventId);
    const listed = await eventually(
      () => t.api.must("GET", `/v1/runs?workflowId=${wf.id}`),
      (r: Json) =>
        runOf(r, sent[0] as string)?.status === "skipped" &&
        runOf(r, sent[1] as string)?.waitingFor?.reason === "debounce",
      60_000,
      "the first edit's run is replaced by the second's, which waits for quiet",
    );
    const replaced = runOf(listed, sent[0] as string);
    const last = runOf(listed, sent[1] as string);

    await page.goto(`${base}/runs?workflowId=${wf.id}`);
    await expect
      .poll(() =>
        page.locator(`tr[data-run="${replaced.id}"] [data-testid="debounced"]`).textContent(),
      )
      .toMatch(/^Not run: a later event about order ord_9 replaced this one$/);
    expect(
      await page.locator(`tr[data-run="${last.id}"] [data-testid="waiting-for"]`).textContent(),
    ).toMatch(/^Waiting: waiting for events about order ord_9 to stop/);

    await page.goto(`${base}/runs/${replaced.id}`);
    const said = page.getByTestId("debounced");
    await said.waitFor();
    expect(await said.textContent()).toBe(
      "Not run: a later event about order ord_9 replaced this one (see the later event).",
    );
    await said.getByRole("link", { name: "see the later event" }).click();
    await page.waitForURL(`${base}/events/${encodeURIComponent(sent[1] as string)}`);

    await page.goto(`${base}/runs/${last.id}`);
    const at = new Date(last.waitingFor.until);
    expect(at.getTime()).toBeGreaterThan(Date.now());
    await expect
      .poll(() => page.getByTestId("waiting-banner").textContent())
      .toMatch(
        /^This run has not started yet: waiting for events about order ord_9 to stop\. It starts at .+ unless a later event replaces it\.$/,
      );
    expect(ownerProblems).toEqual([]);
  });
});

describe("the workspace's cap on runs at once", () => {
  it("is saved from the workspace settings with the other settings", async () => {
    const page = owner;
    await page.goto(`${base}/settings/workspace`);
    const field = page.locator("#max-running-runs");
    await field.waitFor();
    expect(await field.inputValue()).toBe("100");
    await page.getByText("So one workflow's burst cannot hold up the others").waitFor();
    await expectAccessible(page, "the workspace's cap on runs at once");
    await field.fill("20");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect
      .poll(() => page.locator("form .notice").textContent())
      .toContain("at most 20 runs run at once");
    const settings = await t.api.must("GET", "/v1/settings/tenant");
    expect(settings.maxRunningRuns).toBe(20);
    expect(ownerProblems).toEqual([]);
  });
});
