// "For each" (issue 15, part 2), acted out in a browser: a person builds
// "Reserve each line" by visible labels — for each line of the order's
// lines, 5 at a time, carrying on when one fails, update the stock record
// named by the line's sku — choosing the list and the line's sku with the
// data picker, and publishes it. An order whose fourth line has no sku is
// placed through the API: the run page sums up the loop's items, filters
// the failed one, opens it onto its steps, and the retry dialog says which
// item runs again.
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
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Loops");
  // The data picker infers the line's fields from the sample's first line.
  await t.api.must("PUT", "/v1/event-types/order.placed", {
    sample: {
      id: "ord_1",
      customer: "Acme",
      lines: [
        { sku: "A-1", qty: 2 },
        { sku: "B-17", qty: 1 },
        { sku: "C-3", qty: 4 },
      ],
    },
  });
  ({ page: owner, problems: ownerProblems } = await newPage(browser));
  await signIn(owner, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

describe("for each, built and run in the builder", () => {
  it("builds Reserve each line by its labels, with the data picker, and publishes it", async () => {
    const page = owner;
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill("Reserve each line");
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("order.placed");

    await page
      .getByRole("button", { name: "Add Repeat for each item of a list at the end" })
      .click();
    const card = page.locator('[data-step="for_each"]');
    await card.waitFor();
    await page.locator("#loop-list-problems").getByText("Choose the list to go through.").waitFor();

    // The list, with the data picker: only lists are offered.
    await page.getByRole("button", { name: "Choose a list: the list to go through" }).click();
    const lists = page.getByRole("group", { name: "Data available for the list to go through" });
    await lists.waitFor();
    const offered = await lists.locator("button.field").allTextContents();
    expect(offered.some((t) => t.includes("The order's lines"))).toBe(true);
    expect(offered.some((t) => t.includes("order.id"))).toBe(false);
    await lists.locator("button.field", { hasText: "order.lines" }).click();
    await expect
      .poll(() => page.getByTestId("loop-list").textContent())
      .toMatch(/The order's lines\s+\(3 in the sample\)/);
    // The item's name follows the list's.
    expect(await page.getByLabel("Call each item").inputValue()).toBe("line");

    // How many at once: problems in words under the field.
    await page.getByLabel("How many at once").fill("80");
    await page
      .locator("#loop-concurrency-problems")
      .getByText("Choose from 1 to 50 at once.")
      .waitFor();
    await page.getByLabel("How many at once").fill("5");
    await expect
      .poll(async () => (await page.locator("#loop-concurrency-problems").textContent())?.trim())
      .toBe("");
    expect(await page.getByLabel("At most this many items").inputValue()).toBe("1000");
    await page.getByRole("radio", { name: "Carry on with the other items, then fail" }).check();
    await expect
      .poll(() => card.locator(".summary").textContent())
      .toBe("For each line of the order's lines, 5 at a time");
    await page
      .getByTestId("loop-steps-problem")
      .getByText("Add at least one step to repeat for each item.")
      .waitFor();

    // A step inside the loop, added with its + like in Yes / No.
    const body = page.locator('[data-branch="loop"]');
    expect(await body.locator(".branch-label").first().textContent()).toBe(
      "Repeat for each line, 5 at a time",
    );
    await page.getByRole("button", { name: "Add step in the repeated steps of For each" }).click();
    await page
      .getByRole("group", { name: "Choose a step to add in the repeated steps of For each" })
      .getByRole("button", { name: "Update a record" })
      .click();
    await body.locator('[data-step="update_record"]').waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Reserve stock");
    await page.locator("#cfg-type").fill("stock");
    // Inside the loop the data picker offers the line's fields and its position.
    await page.getByRole("button", { name: "Insert data into Id" }).click();
    const data = page.getByRole("group", { name: "Data available for Id" });
    await data.waitFor();
    expect(await data.getByText("Position in the list (the first is 0)").count()).toBe(1);
    await shoot(page, "76-for-each-data-picker", false);
    await data.locator("button.field", { hasText: "line.sku" }).click();
    await page.getByRole("button", { name: "Add fields entry" }).click();
    await page.getByLabel("Fields: name 1").fill("reserved");
    await page.getByLabel("Fields: value 1").fill("{{ line.qty }}");
    await expect.poll(() => page.locator("#problem-count").count()).toBe(0);

    // The loop's side panel, for the picture and axe.
    await card.locator(".select").first().click();
    await page.getByRole("heading", { name: "For each" }).waitFor();
    await expectAccessible(page, "the for each block and its side panel");
    await shoot(page, "72-for-each-block");

    // The preview: the list's length and the first items' steps.
    await page.getByRole("tab", { name: "Preview" }).click();
    await expect
      .poll(() => page.getByTestId("preview-loop").textContent())
      .toBe("Goes through 3 items, 5 at a time.");
    expect(await page.getByTestId("preview-item").allTextContents()).toEqual([
      "for item 1 (sku A-1)",
      "for item 2 (sku B-17)",
      "for item 3 (sku C-3)",
    ]);
    await shoot(page, "73-for-each-preview");
    await page.getByRole("tab", { name: "Configure" }).click();

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");
    const workflowId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.steps).toEqual([
      {
        id: "for_each",
        name: "For each",
        forEach: "order.lines",
        as: "line",
        concurrency: 5,
        onItemFailure: "continue",
        steps: [
          {
            id: "update_record",
            name: "Reserve stock",
            action: "update_record",
            config: { type: "stock", id: "{{ line.sku }}", fields: { reserved: "{{ line.qty }}" } },
          },
        ],
      },
    ]);
    expect(ownerProblems).toEqual([]);
  });

  it("tells the run's items, filters the failed one, opens its steps, and says what a retry runs again", async () => {
    const page = owner;
    const placed = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: {
        id: "ord_42",
        customer: "Acme",
        lines: [
          { sku: "A-1", qty: 2 },
          { sku: "B-17", qty: 1 },
          { sku: "C-3", qty: 4 },
          { qty: 3 },
          { sku: "E-5", qty: 1 },
        ],
      },
    });
    const runs = await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${placed.id}`),
      (r: Json) => r.items?.[0]?.status === "failed",
      30_000,
      "the run ends, failed by its item without a sku",
    );
    const run = runs.items[0];
    await page.goto(`${base}/runs/${run.id}`);
    const loop = page.getByTestId("loop-items");
    await loop.waitFor();
    await expect
      .poll(() => loop.getByTestId("loop-summary").textContent())
      .toBe("5 items: 4 done, 1 failed.");
    expect(await page.getByTestId("run-summary").textContent()).toBe("Failed at step “For each”.");
    await expect.poll(() => loop.locator("[data-item]").count()).toBe(5);

    // Failed: only the fourth line, named by its position and its value.
    await loop.getByRole("radio", { name: "Failed" }).check();
    await expect.poll(() => loop.locator("[data-item]").count()).toBe(1);
    const item = loop.locator('[data-item="3"]');
    expect(await item.locator(".name").textContent()).toBe("Item 4 (qty 3)");
    expect(await item.locator(".why").textContent()).toBe(
      "“Reserve stock” failed: no such key 'sku'.",
    );
    await item.locator("summary.item-head").click();
    const step = item.locator('[data-run-step="update_record[3]"]');
    await step.waitFor();
    expect(await step.locator("h2").textContent()).toBe("Reserve stock");
    await step.getByTestId("step-error").waitFor();
    // The loop's own error, in words: the item counted from 1, the step by its name.
    expect(
      await page
        .locator('[data-run-step="for_each"] > [data-testid="step-error"] p')
        .first()
        .textContent(),
    ).toBe(
      "Why it failed: 1 of 5 items failed (every item ran). It was item 4, which failed at “Reserve stock”: no such key 'sku'.",
    );
    await expectAccessible(page, "a run's loop items");
    await shoot(page, "74-run-loop-items");

    // The retry dialog lists the failed item that runs again.
    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    const again = page.getByTestId("items-again");
    await again.waitFor();
    await expect
      .poll(() => again.locator("li").allTextContents())
      .toEqual(["Item 4 (qty 3): Reserve stock runs again"]);
    await expectAccessible(page, "the retry preview of a loop");
    await shoot(page, "75-retry-loop-items");
    expect(ownerProblems).toEqual([]);
  });
  it("pages through a long list's items", async () => {
    const page = owner;
    const lines = Array.from({ length: 45 }, (_, i) => ({ sku: `S-${i + 1}`, qty: 1 }));
    const placed = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_43", customer: "Acme", lines },
    });
    const runs = await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${placed.id}`),
      (r: Json) => r.items?.[0]?.status === "succeeded",
      60_000,
      "the run goes through its 45 lines",
    );
    await page.goto(`${base}/runs/${runs.items[0].id}`);
    const loop = page.getByTestId("loop-items");
    await expect
      .poll(() => loop.getByTestId("loop-summary").textContent())
      .toBe("45 items: 45 done.");
    await expect.poll(() => loop.locator("[data-item]").count()).toBe(20);
    expect(await loop.locator('[data-item="19"] .name').textContent()).toBe("Item 20 (sku S-20)");
    await loop.getByRole("button", { name: "Show more items" }).click();
    await expect.poll(() => loop.locator("[data-item]").count()).toBe(40);
    await loop.getByRole("button", { name: "Show more items" }).click();
    await expect.poll(() => loop.locator("[data-item]").count()).toBe(45);
    expect(await loop.getByRole("button", { name: "Show more items" }).count()).toBe(0);
    await loop.getByRole("radio", { name: "Failed" }).check();
    await loop.getByText("No item failed.").waitFor();
    expect(ownerProblems).toEqual([]);
  });
  it("keeps the chosen filter while a loop is running and the page follows it", async () => {
    const page = owner;
    await t.api.must("POST", "/v1/workflows", {
      name: "Pack each box",
      trigger: { event: "shipment.packed" },
      steps: [
        {
          id: "boxes",
          name: "Each box",
          forEach: "shipment.boxes",
          as: "box",
          steps: [{ id: "settle", name: "Let it settle", delay: "10m" }],
        },
      ],
    });
    const sent = await t.api.must("POST", "/v1/events", {
      type: "shipment.packed",
      data: { id: "shp_1", boxes: [{ label: "Box A" }, { label: "Box B" }, { label: "Box C" }] },
    });
    const runs = await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${sent.id}`),
      (r: Json) => r.items?.[0]?.status === "waiting" || r.items?.[0]?.status === "running",
      30_000,
      "the loop's first box settles",
    );
    await page.goto(`${base}/runs/${runs.items[0].id}`);
    const loop = page.getByTestId("loop-items");
    await expect
      .poll(() => loop.getByTestId("loop-summary").textContent())
      .toBe("3 items: 1 running, 2 waiting their turn.");
    await loop.getByRole("radio", { name: "Running" }).check();
    await expect.poll(() => loop.locator("[data-item]").count()).toBe(1);
    expect(await loop.locator('[data-item="0"] .name').textContent()).toBe("Item 1 (label Box A)");
    // The run page polls every 1.5 s: the filter and the list stay as chosen.
    await page.waitForTimeout(4000);
    expect(await loop.getByRole("radio", { name: "Running" }).isChecked()).toBe(true);
    expect(await loop.locator("[data-item]").count()).toBe(1);
    expect(ownerProblems).toEqual([]);
  });
});
