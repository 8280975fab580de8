// People's words everywhere (issue 14, item 3): a run with an email, a record
// update, an if and a failed webhook call reads as the things it made, by the
// names people gave their steps and members' names — no ids, no action names,
// no jargon — with the data as JSON one click away; the retry preview names
// steps the same way; the canvas says filters and conditions in plain English.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
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
let receiver: Server;
let receiverUrl = "";
let t: Tenant;
let page: Page;
let problems: string[];
let workflowId = "";
let runId = "";
let eventId = "";
let danaId = "";
const dana = `dana-${rand()}@example.com`;
const orderId = `ord_${rand(6)}`;

// Step ids nobody would write as words: none of them may show on the page.
const IDS = ["s_greet", "s_mark", "s_big", "s_rush", "s_hook"];
const JARGON = [
  "send_email",
  "update_record",
  "call_webhook",
  "Input (rendered)",
  "config.",
  "depth",
  "branch:",
  "otherwise",
];

function definition() {
  return {
    name: "Order welcome",
    trigger: { event: "order.created" },
    filter: 'order.amount >= 5000 && order.status == "new"',
    steps: [
      {
        id: "s_greet",
        name: "Welcome the buyer",
        action: "send_email",
        config: {
          to: dana,
          subject: "Order {{ order.id }}",
          body: "Thanks for order {{ order.id }}.",
        },
      },
      {
        id: "s_mark",
        name: "Note the shipment",
        action: "update_record",
        config: { type: "shipment", id: "{{ order.id }}", fields: { state: "booked" } },
      },
      {
        id: "s_big",
        name: "Is it a big order?",
        if: "order.amount > 10000",
        then: [
          {
            id: "s_rush",
            name: "Rush it",
            action: "update_record",
            config: { type: "shipment", id: "{{ order.id }}", fields: { rush: true } },
          },
        ],
        else: [],
      },
      {
        id: "s_hook",
        name: "Tell the warehouse",
        action: "call_webhook",
        config: { url: `${receiverUrl}/orders`, body: { order: "{{ order.id }}" } },
        retry: { attempts: 1 },
      },
    ],
  };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "warehouse is closed" }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Words");
  danaId = await addMember(t.api, dana, "viewer", { password: PASSWORD, name: "Dana Reyes" });
  workflowId = (await t.api.must("POST", "/v1/workflows", definition())).id;
  const ev = await t.api.must("POST", "/v1/events", {
    type: "order.created",
    data: { id: orderId, amount: 12000, status: "new" },
  });
  eventId = ev.id;
  const runs = await eventually(
    () => t.api.must("GET", `/v1/runs?eventId=${ev.id}`),
    (r: Json) => r.items?.[0]?.status === "failed",
    30_000,
    "the run failed at the webhook",
  );
  runId = runs.items[0].id;
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => receiver?.close(r));
});

/** The page's text, the JSON behind the toggles included. */
const pageText = async () => (await page.locator("main").textContent()) ?? "";

describe("people's words on the run page and the canvas", () => {
  it("shows the run as names and things, without ids, action names or jargon", async () => {
    // The runs list: a run by when it started and its workflow's name, not by ids.
    await page.goto(`${base}/runs`);
    const row = page.locator(`[data-run="${runId}"]`);
    await row.waitFor();
    const rowText = (await row.textContent()) ?? "";
    expect(rowText).toContain("Order welcome");
    expect(rowText).toContain("version 1");
    // Not even the start of an id (the list once showed "run_ca3ce6eab3…").
    for (const id of [runId, workflowId, eventId])
      expect(rowText, id).not.toContain(id.slice(0, 8));
    await row.locator('a[href^="/runs/"]').click();
    await page.getByRole("heading", { name: "Run of Order welcome" }).waitFor();
    const step = (id: string) => page.locator(`[data-run-step="${id}"]`);
    // The member's name arrives with the members list.
    await expect
      .poll(() => step("s_greet").getByTestId("step-thing").textContent())
      .toContain(`Email to Dana Reyes (${dana})`);
    expect(await page.getByTestId("run-summary").textContent()).toBe(
      "Failed at step “Tell the warehouse”.",
    );
    // The action's title comes with the catalogue.
    await expect.poll(() => step("s_greet").textContent()).toContain("Send email");
    const email = await step("s_greet").textContent();
    expect(email).toContain("Welcome the buyer");
    expect(email).toContain(`Order ${orderId}`);
    expect(email).toContain(`Thanks for order ${orderId}.`);
    expect(
      await step("s_greet")
        .getByRole("link", { name: "See the email in the outbox" })
        .getAttribute("href"),
    ).toBe("/outbox");

    const record = step("s_mark");
    expect(await record.getByTestId("step-thing").textContent()).toContain(`Shipment ${orderId}`);
    expect(await record.getByRole("link", { name: "Open the record" }).getAttribute("href")).toBe(
      `/records/shipment/${orderId}`,
    );
    expect(await record.textContent()).toMatch(/State\s*booked/);
    expect(await step("s_rush").textContent()).toMatch(/Rush\s*yes/);

    expect(await step("s_big").getByTestId("run-condition").textContent()).toBe(
      "If amount is greater than 10,000: it said yes, so the Yes branch ran.",
    );

    const hook = await step("s_hook").textContent();
    expect(hook).toContain(`POST ${receiverUrl}/orders → 500`);
    expect(hook).toContain("The receiver answered with an error");
    expect(await page.getByTestId("run-filter-expression").textContent()).toBe(
      "Only if: amount is at least 5,000 and status is new",
    );
    expect(await page.getByRole("link", { name: "see the event" }).getAttribute("href")).toBe(
      `/events/${eventId}`,
    );

    const text = await pageText();
    for (const word of [...IDS, ...JARGON, runId, eventId, danaId]) {
      expect(text, word).not.toContain(word);
    }
    await expectAccessible(page, "run in people's words");
    await shoot(page, "55-run-in-words");
  });

  it("keeps the data as JSON one click away", async () => {
    const greet = page.locator('[data-run-step="s_greet"]');
    const json = greet.getByRole("region", { name: "Show the data as JSON" });
    expect(await json.isVisible()).toBe(false);
    await greet.getByText("Show the data as JSON").click();
    await json.waitFor();
    const data = JSON.parse((await json.textContent()) ?? "{}");
    expect(data.input).toEqual({
      to: dana,
      subject: `Order ${orderId}`,
      body: `Thanks for order ${orderId}.`,
    });
    expect(data.output.provider).toBe("outbox");
    await greet.getByText("Show the data as JSON").click();
    await expect.poll(() => json.isVisible()).toBe(false);
  });

  it("names the steps in the retry preview, not their ids", async () => {
    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    const preview = page.getByTestId("retry-preview");
    const willRun = preview.getByTestId("will-run");
    await willRun.waitFor();
    expect(await willRun.textContent()).toContain("Tell the warehouse");
    expect(await willRun.textContent()).toContain(`calls POST ${receiverUrl}/orders again`);
    expect(await preview.getByTestId("kept").textContent()).toContain("Welcome the buyer");
    const text = (await preview.textContent()) ?? "";
    for (const word of [...IDS, ...JARGON]) expect(text, word).not.toContain(word);
    await expectAccessible(page, "retry preview in people's words");
    await shoot(page, "56-retry-preview-in-words", false);
    await page.getByRole("button", { name: "Not now" }).click();
  });

  it("says where the event came from without depths or ids", async () => {
    await page.getByRole("link", { name: "see the event" }).click();
    const cause = page.getByRole("region", { name: "Where it came from" });
    await cause.waitFor();
    expect(await cause.textContent()).toContain("From outside Switchyard: no workflow made it.");
    expect(await cause.textContent()).not.toContain("depth");
  });

  it("says the filter and the condition in plain English on the canvas", async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    const filter = page.getByTestId("filter-card");
    await filter.waitFor();
    expect(await filter.textContent()).toContain(
      "Only if: amount is at least 5,000 and status is new",
    );
    const big = page.locator('[data-step="s_big"] .summary');
    expect(await big.textContent()).toBe("If amount is greater than 10,000");
    expect(await page.locator(".branch-label").allTextContents()).toEqual(["Yes", "No"]);
    const canvas = (await page.getByRole("region", { name: "Flow" }).textContent()) ?? "";
    for (const word of ["order.amount", "&&", "otherwise"])
      expect(canvas, word).not.toContain(word);
    expect(canvas).not.toMatch(/\bthen\b/i);
    await expectAccessible(page, "canvas with plain conditions");
    await shoot(page, "57-canvas-plain-conditions", false);
    expect(problems).toEqual([]);
  });
});
