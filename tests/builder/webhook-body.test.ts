// Issue 14, item 2, acted out in a browser: someone who never writes code
// builds a "Call a webhook" step whose body is two fields, one picked from
// the event's data, publishes it, and a real HTTP receiver gets that JSON
// (not a JSON string). Then a typo in the body written as JSON is flagged
// as they type, and a workflow saved with a text body opens as that text.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const KEY = vars.SWITCHYARD_DEMO_API_KEY ?? "";
const tag = Date.now().toString(36);
const EVENT = "payment.settled";

let browser: Browser;
let page: Page;
let problems: string[];
let receiver: Server;
let receiverUrl = "";
const got: Array<{ path: string; headers: IncomingHttpHeaders; body: string }> = [];

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      got.push({
        path: req.url ?? "/",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"received":true}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // The data picker offers what the event type's sample holds.
  const declared = await api("PUT", `/v1/event-types/${EVENT}`, {
    sample: { id: "pay_1", amount: 10, currency: "EUR" },
  });
  expect(declared.status).toBe(200);

  browser = await launch();
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, "admin@acme.example", vars.SWITCHYARD_DEMO_PASSWORD ?? "");
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => receiver?.close(r));
});

describe("a webhook body built in the builder", () => {
  it("sends two fields, one picked from the event, as JSON to a real receiver", async () => {
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill(`Tell the ledger ${tag}`);
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill(EVENT);
    await page.getByRole("button", { name: "Add Call a webhook at the end" }).click();
    await page.locator('[data-step="call_webhook"]').waitFor();
    await page.locator("#cfg-url").fill(`${receiverUrl}/ledger`);

    // Fields is where a new body starts.
    expect(await page.getByRole("radio", { name: "Fields" }).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Add a field" }).click();
    await page.locator("#cfg-body-k0").fill("payment");
    await page.getByRole("button", { name: "Insert data into Value of payment" }).click();
    await page.getByRole("button", { name: /^payment\.id\b/ }).click();
    await expect
      .poll(() => page.locator("#cfg-body-v0").getAttribute("data-value"))
      .toBe("{{ payment.id }}");
    await page.getByRole("button", { name: "Add a field" }).click();
    await page.locator("#cfg-body-k1").fill("amount");
    await page.locator("#cfg-body-v1").fill("{{ payment.amount }}");
    expect(await page.locator("#problem-count").count()).toBe(0);
    await expectAccessible(page, "webhook body as fields");
    await shoot(page, "63-webhook-body-fields");

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");

    const sent = await api("POST", "/v1/events", {
      type: EVENT,
      data: { id: "pay_9004", amount: 12000, currency: "EUR" },
    });
    expect(sent.status).toBe(202);
    await expect.poll(() => got.length, { timeout: 30_000 }).toBe(1);
    expect(got[0]!.path).toBe("/ledger");
    expect(got[0]!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(got[0]!.body)).toEqual({ payment: "pay_9004", amount: 12000 });
  });

  it("flags a typo in the body written as JSON as it is typed", async () => {
    await page.getByRole("radio", { name: "JSON" }).check();
    const box = page.getByLabel("Body as JSON");
    // The fields, carried over as JSON.
    expect(JSON.parse(await box.inputValue())).toEqual({
      payment: "{{ payment.id }}",
      amount: "{{ payment.amount }}",
    });
    await box.fill('{"payment": "{{ payment.id }}" "amount": {{ payment.amount }}}');
    const diag = page.locator("#cfg-body-json-diag");
    await expect
      .poll(() => diag.textContent())
      .toContain("Error at line 1, column 32: expected a comma (,) or a closing }");
    expect(await diag.locator("mark").textContent()).toBe('"');
    expect(await box.getAttribute("aria-invalid")).toBe("true");
    // The step shows it has a problem, and it cannot become fields yet.
    await expect.poll(() => page.locator("#problem-count").count()).toBe(1);
    await page.getByRole("radio", { name: "Fields" }).click();
    await page
      .getByText("This body cannot be shown as fields: the JSON has a problem to fix first")
      .waitFor();
    expect(await page.getByRole("radio", { name: "JSON" }).isChecked()).toBe(true);
    await expectAccessible(page, "webhook body with a JSON typo");
    await shoot(page, "64-webhook-body-json-typo");

    await box.fill('{"payment": "{{ payment.id }}", "amount": {{ payment.amount }}}');
    await expect.poll(() => diag.count()).toBe(0);
    await expect.poll(() => page.locator("#problem-count").count()).toBe(0);
    await page.getByRole("radio", { name: "Fields" }).check();
    await expect
      .poll(() => page.locator("#cfg-body-v1").getAttribute("data-value"))
      .toBe("{{ payment.amount }}");
  });

  it("opens a workflow saved with a text body as that text, and it still sends it", async () => {
    const text = '{"payment": "{{ payment.id }}", "amount": {{ payment.amount }}}';
    const created = await api("POST", "/v1/workflows", {
      name: `Text body ${tag}`,
      trigger: { event: EVENT },
      filter: 'payment.currency == "USD"',
      steps: [
        { id: "hook", action: "call_webhook", config: { url: `${receiverUrl}/text`, body: text } },
      ],
    });
    expect(created.status).toBe(201);
    await page.goto(`${base}/workflows/${created.body.id}`);
    await page.locator('[data-step="hook"] .select').click();
    expect(await page.getByRole("radio", { name: "JSON" }).isChecked()).toBe(true);
    expect(await page.getByLabel("Body as JSON").inputValue()).toBe(text);
    expect(await page.locator("#cfg-body-json-diag").count()).toBe(0);

    await api("POST", "/v1/events", {
      type: EVENT,
      data: { id: "pay_9005", amount: 5, currency: "USD" },
    });
    await expect
      .poll(() => got.filter((g) => g.path === "/text").length, { timeout: 30_000 })
      .toBe(1);
    expect(got.find((g) => g.path === "/text")!.body).toBe('{"payment": "pay_9005", "amount": 5}');
    expect(problems).toEqual([]);
  });
});
