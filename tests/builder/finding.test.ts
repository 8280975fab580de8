// Finding things in the builder (issue 14, item 8): runs found by a field of
// their event and listed with its key, filters kept in the URL across Back
// and reload, the Events page with "Send again" for a failed event, the
// Records page with a record's history, and event types as a table of
// fields in words.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  fieldRows,
  kindWords,
  searchExpression,
} from "../../apps/web/src/lib/model/event-fields.ts";
import { eventually, type Json, newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let t: Tenant;

/**
 * Marks an event failed in the running Worker's store, as its alarm does
 * after 13 tries (about 11 hours): the shared `wrangler dev`'s state is the
 * temporary directory whose env file names this base URL.
 */
function failEvent(eventId: string): void {
  const dir = readdirSync(tmpdir())
    .filter((d) => d.startsWith("switchyard-state-"))
    .map((d) => join(tmpdir(), d))
    .find((d) => {
      const env = join(d, "e2e.env");
      return (
        existsSync(env) && readFileSync(env, "utf8").includes(`SWITCHYARD_PUBLIC_URL=${base}\n`)
      );
    });
  if (!dir) throw new Error(`no state directory for ${base}`);
  const stores = join(dir, "v3", "do");
  const files = readdirSync(stores, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".sqlite"))
    .map((f) => join(stores, f));
  const id = eventId.replace(/'/g, "''");
  // Each object's own SQLite file; other files (the namespace's metadata,
  // run objects) have no events table and are passed over.
  for (const file of files) {
    let changed = "";
    try {
      changed = execFileSync(
        "sqlite3",
        [
          file,
          `UPDATE events SET status = 'failed', error = 'not matched after 13 tries', retry_at = NULL WHERE id = '${id}' AND status = 'matched'; SELECT changes();`,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      )
        .toString()
        .trim();
    } catch (err) {
      if (!String((err as { stderr?: Buffer }).stderr ?? err).includes("no such table")) throw err;
    }
    if (changed === "1") return;
  }
  throw new Error(`event ${eventId} not found in ${stores}`);
}

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Finding");
  await t.api.must("POST", "/v1/workflows", {
    name: "Failed payments",
    trigger: { event: "payment.failed" },
    steps: [
      {
        id: "mark",
        name: "Mark the order unpaid",
        action: "update_record",
        config: { type: "order", id: "{{ payment.order }}", fields: { status: "unpaid" } },
      },
    ],
  });
  await t.api.must("PUT", "/v1/records/order/o-2", { fields: { status: "new", amount: 5000 } });
  for (const [id, order] of [
    ["pay_9001", "o-1"],
    ["pay_9004", "o-2"],
  ]) {
    const ev = await t.api.must("POST", "/v1/events", {
      type: "payment.failed",
      data: { id, order },
    });
    await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${ev.id}`),
      (r: Json) => r.items?.[0]?.status === "succeeded",
      30_000,
      `run of ${id}`,
    );
  }
});

afterAll(async () => {
  await browser?.close();
});

describe("event fields in words", () => {
  it("names kinds in words and writes the search a person asks for", () => {
    expect(kindWords({ type: "string" })).toBe("text");
    expect(kindWords({ type: ["number", "null"] })).toBe("number or empty");
    expect(kindWords({ type: "array", items: { type: "boolean" } })).toBe("list of yes/no");
    expect(
      fieldRows(
        {
          type: "object",
          properties: { customer: { type: "object", properties: { email: { type: "string" } } } },
          required: ["customer"],
        },
        "order",
      ).map((f) => [f.label, f.kind, f.required, f.path]),
    ).toEqual([
      ["customer", "group of fields", true, "order.customer"],
      ["customer › email", "text", false, "order.customer.email"],
    ]);
    expect(searchExpression("payment.id", "pay_9004")).toBe('payment.id == "pay_9004"');
    expect(searchExpression("order.amount", "5,000")).toBe(
      '(order.amount == 5000 || order.amount == "5,000")',
    );
    expect(searchExpression("order.note", 'say "hi"')).toBe('order.note == "say \\"hi\\""');
    expect(searchExpression("order.rush", "yes")).toBe("order.rush == true");
    expect(searchExpression("order.bad-field", "x")).toBeNull();
  });
});

describe("finding things", () => {
  it("finds runs by an event field; the filters stay in the URL across Back and reload", async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    await page.goto(`${base}/runs`);
    const rows = page.getByTestId("runs").locator("tbody tr");
    await page.getByRole("link", { name: "payment pay_9004" }).waitFor();
    expect(await rows.count()).toBe(2);
    expect(await page.getByRole("link", { name: "payment pay_9001" }).count()).toBe(1);

    const search = page.getByRole("form", { name: "Find runs by their event" });
    await expect
      .poll(() => search.getByLabel("Event field").locator("option").allTextContents(), {
        timeout: 10_000,
      })
      .toContain("payment.id (text)");
    await search.getByLabel("Event field").selectOption("payment.id");
    await search.getByLabel("Value").fill("pay_9004");
    await search.getByRole("button", { name: "Find runs" }).click();
    await page.waitForURL(/field=payment\.id&value=pay_9004/);
    await page.getByRole("button", { name: "Clear search" }).waitFor();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await rows.first().textContent()).toContain("payment pay_9004");
    await expectAccessible(page, "runs found by an event field");
    await shoot(page, "45-runs-search");

    // Another filter on top: a new history entry; Back brings the search alone back.
    const filters = page.getByRole("form", { name: "Filter runs" });
    await filters.getByLabel("Status").selectOption("failed");
    await page.waitForURL(/status=failed/);
    await page.getByText("No run whose event has payment.id = pay_9004").waitFor();
    await page.goBack();
    await page.waitForURL(
      (u) => !u.search.includes("status=") && u.search.includes("value=pay_9004"),
    );
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    expect(await filters.getByLabel("Status").inputValue()).toBe("");
    await page.reload();
    await page.getByRole("link", { name: "payment pay_9004" }).waitFor();
    expect(await rows.count()).toBe(1);
    expect(await search.getByLabel("Value").inputValue()).toBe("pay_9004");
    expect(await search.getByLabel("Event field").inputValue()).toBe("payment.id");
    expect(problems).toEqual([]);
  });

  it("the Events page lists events with their runs and sends a failed one again", async () => {
    const lonely = await t.api.must("POST", "/v1/events", {
      type: "invoice.paid",
      data: { id: "in_77" },
    });
    await eventually(
      () => t.api.must("GET", `/v1/events/${lonely.id}`),
      (e: Json) => e.status === "matched",
      30_000,
      "invoice matched",
    );
    failEvent(lonely.id);
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Events" })
      .click();
    const table = page.getByTestId("events");
    const invoice = table.locator(`tr[data-event="${lonely.id}"]`);
    await invoice.getByText("Failed: could not be matched to workflows").waitFor();
    const payment = table.locator("tr").filter({ hasText: "payment pay_9004" });
    expect(await payment.getByText("Matched: started 1 run").count()).toBe(1);
    expect(await payment.getByRole("link", { name: "Failed payments" }).count()).toBe(1);
    await expectAccessible(page, "events");
    await shoot(page, "46-events");

    await invoice.getByRole("button", { name: "Send again: invoice in_77" }).click();
    await page.getByRole("status").filter({ hasText: "Sent invoice in_77 again" }).waitFor();
    await expect
      .poll(async () => (await t.api.must("GET", `/v1/events/${lonely.id}`)).status, {
        timeout: 30_000,
      })
      .toBe("matched");
    expect(problems).toEqual([]);
  });

  it("the Records page browses by type and shows a record's history with the run that changed it", async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Records" })
      .click();
    await page
      .getByRole("navigation", { name: "Record types" })
      .getByRole("link", { name: "order" })
      .click();
    await page.waitForURL(/\/records\?type=order/);
    await page.getByRole("link", { name: "order o-2" }).waitFor();
    await expectAccessible(page, "records of a type");
    await shoot(page, "47-records");

    await page.getByRole("link", { name: "order o-2" }).click();
    await page.getByRole("heading", { name: "order o-2" }).waitFor();
    const fields = page.getByTestId("fields");
    expect(await fields.locator("tr").filter({ hasText: "status" }).textContent()).toContain(
      "unpaid",
    );
    const v2 = page.locator('li[data-version="2"]');
    await v2.waitFor();
    expect(await v2.textContent()).toContain(
      "changed by “Mark the order unpaid” of the workflow “Failed payments”",
    );
    const change = v2.locator("tbody tr").filter({ hasText: "status" });
    expect(
      await change.locator("th, td").evaluateAll((cells) => cells.map((c) => c.textContent)),
    ).toEqual(["status", "new", "unpaid"]);
    expect(await page.locator('li[data-version="1"]').textContent()).toContain(
      "created by the API key “Initial key”",
    );
    await expectAccessible(page, "a record's history");
    await shoot(page, "48-record-history");
    await v2.getByRole("link", { name: "see the run" }).click();
    await page.waitForURL(/\/runs\/run_/);
    expect(problems).toEqual([]);
  });

  it("the event-type page shows fields and their kinds in words, the JSON behind a toggle", async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    await page.goto(`${base}/event-types`);
    const table = page.getByRole("table", {
      name: "Fields of payment.failed (as seen in recent events)",
    });
    await table.waitFor();
    const id = table.locator("tbody tr").filter({ hasText: "payment.id" });
    expect(
      await id.locator("th, td").evaluateAll((cells) => cells.map((c) => c.textContent)),
    ).toEqual(["id", "text", "not known", "payment.id"]);
    const schema = page
      .locator('[data-event-type="payment.failed"]')
      .getByText("Schema (inferred from recent events)");
    expect(await schema.isVisible()).toBe(false);
    await page
      .locator('[data-event-type="payment.failed"]')
      .getByText("Show the JSON behind it")
      .click();
    expect(await schema.isVisible()).toBe(true);
    await expectAccessible(page, "event types");
    await shoot(page, "49-event-types");
    expect(problems).toEqual([]);
  });
});
