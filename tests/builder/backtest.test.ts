// "Try it on past events" (issue 16, item 4), acted out in a browser: Orders
// is live with "amount is greater than 100" and five orders have arrived. A
// person opens it, changes the filter's value to 50 as they would (the
// condition row), opens Preview and tries the change on past events: the
// summary says 4 would match now and 2 matched then, the two orders the change
// lets in come first, and "Why?" shows the amount the filter read. The change
// is saved as a draft; the live version is untouched (the words themselves:
// backtest-model.test.ts).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually, type Json, newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let t: Tenant;
let page: Page;
let problems: string[];
let workflowId = "";

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Backtest");
  await t.api.must("PUT", "/v1/event-types/order.created", {
    sample: { id: "1040", amount: 120, customer: { email: "c@example.com" } },
  });
  const wf = await t.api.must("POST", "/v1/workflows", {
    name: "Orders",
    trigger: { event: "order.created" },
    filter: "order.amount > 100",
    steps: [
      {
        id: "big",
        name: "Is it big?",
        if: "order.amount > 150",
        then: [
          {
            id: "tell",
            name: "Thank the customer",
            action: "send_email",
            config: {
              to: "{{ order.customer.email }}",
              subject: "Order {{ order.id }}",
              body: "Hi",
            },
          },
        ],
      },
    ],
  });
  workflowId = wf.id;
  for (const [i, amount] of [30, 70, 120, 200, 80].entries()) {
    await t.api.must("POST", "/v1/events", {
      type: "order.created",
      data: { id: `${1040 + i}`, amount, customer: { email: "c@example.com" } },
    });
  }
  await eventually(
    () => t.api.must("GET", "/v1/events?type=order.created&limit=10"),
    (r: Json) => r.items.length === 5 && r.items.every((e: Json) => e.status === "matched"),
    30_000,
    "the five orders are matched",
  );
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

describe("try a draft on past events", () => {
  it("changes the filter, tries it on past orders and reads now against then", async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    await page.getByTestId("filter-card").click();
    await page.getByLabel("Value 1", { exact: true }).fill("50");
    await expect
      .poll(() => page.getByTestId("filter-expression").textContent())
      .toBe("order.amount > 50");

    await page.getByRole("tab", { name: "Preview" }).click();
    const panel = page.getByTestId("backtest");
    await panel.getByRole("button", { name: "Try it on the last 100 events" }).click();
    await expect
      .poll(() => panel.getByTestId("backtest-summary").textContent(), { timeout: 15_000 })
      .toBe("4 would match now; 2 matched then (of the last 5 orders created)");
    await expect
      .poll(() => panel.getByTestId("backtest-differ").textContent())
      .toBe("2 events are answered differently now.");

    // The two orders the change lets in come first; the steps in words, no ids.
    const rows = panel.getByTestId("backtest-event");
    await expect.poll(() => rows.count()).toBe(5);
    const first = rows.nth(0);
    expect(await first.textContent()).toMatch(
      /order 1044.*Would match now.*did not match then.*changed/s,
    );
    expect(await first.textContent()).toContain("Would run: Is it big? — takes the No branch");
    expect(await rows.nth(1).textContent()).toMatch(
      /order 1041.*Would match now.*did not match then/s,
    );
    const big = rows.filter({ hasText: "order 1043" });
    expect(await big.textContent()).toContain(
      "Is it big? — takes the Yes branch → Thank the customer",
    );
    expect(await big.textContent()).not.toContain("changed");

    // The filter's explanation on demand.
    await first.getByRole("button", { name: "Why?" }).click();
    await first.getByText("The filter says yes: order.amount is 80.").waitFor();
    const small = rows.filter({ hasText: "order 1040" });
    await small.getByRole("button", { name: "Why?" }).click();
    await small.getByText("order.amount > 50 said no — order.amount is 30").waitFor();

    await expectAccessible(page, "backtest");
    await page.getByRole("heading", { name: "Try it on past events" }).scrollIntoViewIfNeeded();
    await panel.evaluate((el) => el.scrollIntoView({ block: "start" }));
    await shoot(page, "77-backtest");

    // What was tried is saved as a draft; the live version and its runs are as they were.
    const wf = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(wf).toMatchObject({ liveVersion: 1, draftVersion: 2 });
    expect(wf.definition.filter).toBe("order.amount > 50");
    const runs = await t.api.must("GET", `/v1/runs?workflowId=${workflowId}&limit=100`);
    expect(runs.items.length).toBeLessThanOrEqual(5);
    expect(problems).toEqual([]);
  });
});
