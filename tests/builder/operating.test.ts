// The 3 a.m. bar, acted out in a browser: a webhook step pointed at a
// failing receiver fails; the run's timeline says why in words; the retry
// preview names what runs again; the URL is fixed in a new version and the run
// retried on it succeeds without repeating earlier steps. Then approvals, API
// keys, webhook sources and run-history retention — axe and screenshots on
// every screen.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launch, shoot, signIn, watchConsole } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const ADMIN = "admin@acme.example";
const KEY = vars.SWITCHYARD_DEMO_API_KEY ?? "";
const tag = Date.now().toString(36);

let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleProblems: string[];
let receiver: Server;
let receiverUrl = "";
const hits: Record<string, number> = {};

async function call(method: string, path: string, body?: unknown, key = KEY) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const path = req.url ?? "/";
    hits[path] = (hits[path] ?? 0) + 1;
    req.resume();
    req.on("end", () => {
      res.writeHead(path === "/ok" ? 200 : 500, { "content-type": "application/json" });
      res.end(JSON.stringify(path === "/ok" ? { received: true } : { error: "warehouse is down" }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  browser = await launch();
  // bypassCSP lets the test inject axe-core; the app's own CSP stays on.
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("dialog", (d) => d.accept());
  consoleProblems = watchConsole(page);
  await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => receiver?.close(r));
});

function definition(hookPath: string) {
  return {
    name: `Ship to warehouse ${tag}`,
    trigger: { event: "shipment.requested" },
    steps: [
      {
        id: "mark",
        action: "update_record",
        config: { type: "shipment", id: "{{ shipment.id }}", fields: { status: "sent" } },
      },
      {
        id: "hook",
        action: "call_webhook",
        config: { url: `${receiverUrl}${hookPath}`, body: "{{ shipment }}" },
        retry: { attempts: 1 },
      },
      {
        id: "tell",
        action: "send_email",
        config: {
          to: "ops@acme.example",
          subject: "Shipment {{ shipment.id }} is with the warehouse",
          body: "The warehouse has shipment {{ shipment.id }}.",
        },
      },
    ],
  };
}

describe("operating: a failed run, understood, fixed and retried", () => {
  let workflowId = "";
  let runId = "";
  const shipmentId = `shp_${tag}`;

  it("shows the failing webhook step's error in words on the run's timeline", async () => {
    const created = await call("POST", "/v1/workflows", definition("/broken"));
    expect(created.status).toBe(201);
    workflowId = created.body.id;
    const sent = await call("POST", "/v1/events", {
      type: "shipment.requested",
      data: { id: shipmentId, items: 3 },
    });
    expect(sent.status).toBe(202);

    await page.getByRole("link", { name: "Runs", exact: true }).click();
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await page.getByLabel("Workflow").selectOption({ label: `Ship to warehouse ${tag}` });
    await page.getByLabel("Status").selectOption("failed");
    // The list polls: the run shows up failed without a reload.
    const row = page.locator("[data-run]").first();
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain("Failed");
    expect(page.url()).toContain("status=failed");
    await expectAccessible(page, "runs list");
    await shoot(page, "10-runs-list", false);

    // The run's own link (the row also links its event).
    await row.locator('a[href^="/runs/"]').click();
    await page.getByTestId("run-summary").waitFor();
    runId = page.url().split("/runs/")[1] ?? "";
    expect(await page.getByTestId("run-summary").textContent()).toContain(
      "Failed at step “Call a webhook”",
    );
    const hook = page.locator('[data-run-step="hook"]');
    const why = await hook.getByTestId("step-error").textContent();
    expect(why).toContain("The receiver answered with an error");
    expect(why).toMatch(/500/);
    expect(await page.locator('[data-run-step="mark"]').textContent()).toContain("Succeeded");
    expect(await page.locator('[data-run-step="tell"]').textContent()).toContain("Not started");
    // The trigger's payload and the causation, as links
    await expect.poll(() => page.getByTestId("trigger").textContent()).toContain(shipmentId);
    await page.getByRole("link", { name: "see the event" }).first().waitFor();
    await expectAccessible(page, "run timeline");
    await shoot(page, "11-run-failed");
  });

  it("previews the retry: which steps run again and what that means", async () => {
    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    const preview = page.getByTestId("retry-preview");
    await preview.getByTestId("will-run").waitFor();
    const hook = preview.locator('[data-plan-step="hook"]');
    expect(await hook.getAttribute("data-plan")).toBe("again");
    const hookText = await hook.textContent();
    expect(hookText).toContain(`calls POST ${receiverUrl}/broken again`);
    expect(hookText).toContain("same webhook-id");
    expect(await preview.locator('[data-plan-step="tell"]').textContent()).toContain(
      "sends an email to ops@acme.example",
    );
    expect(await preview.locator('[data-plan-step="mark"]').getAttribute("data-plan")).toBe("kept");
    await expectAccessible(page, "retry preview");
    await shoot(page, "12-retry-preview");
    await page.getByRole("button", { name: "Not now" }).click();
  });

  it("retries on the fixed version: the run succeeds and earlier steps are not repeated", async () => {
    // The fix: point the webhook at the working URL, published as version 2.
    const fixed = await call("PUT", `/v1/workflows/${workflowId}`, definition("/ok"));
    expect(fixed.status).toBe(200);
    expect(fixed.body.liveVersion).toBe(2);

    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    const preview = page.getByTestId("retry-preview");
    const current = preview.getByLabel(/version 2, the current version/);
    await expect.poll(() => current.isChecked()).toBe(true);
    await expect
      .poll(() => preview.locator('[data-plan-step="hook"]').textContent())
      .toContain(`${receiverUrl}/ok`);
    await shoot(page, "13-retry-on-new-version");
    await preview.getByRole("button", { name: "Retry now on version 2" }).click();

    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 })
      .toBe("Succeeded");
    expect(await page.getByTestId("run-summary").textContent()).toContain("succeeded");
    expect(await page.locator(".meta").textContent()).toContain("version 2");
    expect(await page.locator('[data-run-step="mark"]').textContent()).toContain("1 attempt ");
    expect(hits["/broken"]).toBe(1);
    expect(hits["/ok"]).toBe(1);
    // The record was written once, by the first attempt only.
    const record = await call("GET", `/v1/records/shipment/${shipmentId}`);
    expect(record.body.version).toBe(1);
    await shoot(page, "14-run-succeeded");

    // The email went out once, to the outbox.
    await page.getByRole("link", { name: "Outbox", exact: true }).click();
    const mail = page.locator("[data-outbox]", { hasText: `Shipment ${shipmentId}` });
    await mail.waitFor();
    expect(await mail.count()).toBe(1);
    await expectAccessible(page, "outbox");
    await shoot(page, "15-outbox", false);

    // The audit log has the retry, and its chain is verified.
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByLabel("Type").selectOption({ label: "Run retried" });
    // The run by its workflow's name, linking to it; who retried it by name.
    const retried = page
      .getByTestId("audit")
      .getByRole("link", { name: /^Run of / })
      .first();
    await expect.poll(() => retried.getAttribute("href")).toBe(`/runs/${runId}`);
    expect(await page.getByTestId("audit").textContent()).not.toMatch(/\bus_|\brun_/);
    await expect
      .poll(() => page.getByTestId("chain-badge").textContent())
      .toContain("Chain verified");
    await expectAccessible(page, "audit log");
    await shoot(page, "16-audit", false);
  });

  it("marks a template error where it is, and a new version fixes it", async () => {
    const email = (body: string) => ({
      name: `Ship note ${tag}`,
      trigger: { event: "shipment.requested" },
      steps: [
        {
          id: "note",
          action: "update_record",
          config: { type: "note", id: "{{ shipment.id }}", fields: { seen: true } },
        },
        {
          id: "tell",
          action: "send_email",
          config: { to: "ops@acme.example", subject: "Note {{ shipment.id }}", body },
        },
      ],
    });
    const wf = await call("POST", "/v1/workflows", email("Carrier: {{ shipment.carrier.name }}"));
    await call("POST", "/v1/events", {
      type: "shipment.requested",
      data: { id: `${shipmentId}_note`, items: 1 },
    });
    let failedId = "";
    await expect
      .poll(
        async () => {
          const runs = await call("GET", `/v1/runs?workflowId=${wf.body.id}&status=failed`);
          failedId = runs.body.items[0]?.id ?? "";
          return failedId;
        },
        { timeout: 30_000 },
      )
      .not.toBe("");
    await page.goto(`${base}/runs/${failedId}`);
    const why = page.locator('[data-run-step="tell"]').getByTestId("step-error");
    await why.waitFor();
    expect(await why.textContent()).toContain("could not be filled in: no such key 'carrier'");
    await expect.poll(() => why.locator("mark").textContent()).toBe("carrier");
    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    await page.getByTestId("same-version-warning").waitFor();
    // The step as written still holds its templates: the preview shows none of them.
    await page.getByTestId("will-run").waitFor();
    expect(await page.getByTestId("retry-preview").textContent()).not.toContain("{{");
    await shoot(page, "18-template-error");

    await call("PUT", `/v1/workflows/${wf.body.id}`, email("Carrier: {{ shipment.items }} items"));
    await page.getByRole("button", { name: "Not now" }).click();
    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    await page.getByRole("button", { name: "Retry now on version 2" }).click();
    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 })
      .toBe("Succeeded");
    expect(await page.locator('[data-run-step="note"]').textContent()).toContain("1 attempt ");
  });

  it("explains a filtered run in words", async () => {
    const wf = await call("POST", "/v1/workflows", {
      name: `Big shipments ${tag}`,
      trigger: { event: "shipment.requested" },
      filter: "shipment.items > 10",
      steps: [
        {
          id: "note",
          action: "update_record",
          config: { type: "bulk", id: "{{ shipment.id }}", fields: { seen: true } },
        },
      ],
    });
    await call("POST", "/v1/events", {
      type: "shipment.requested",
      data: { id: `${shipmentId}_small`, items: 2 },
    });
    let filteredId = "";
    await expect
      .poll(
        async () => {
          const runs = await call("GET", `/v1/runs?workflowId=${wf.body.id}&status=filtered`);
          filteredId = runs.body.items[0]?.id ?? "";
          return filteredId;
        },
        { timeout: 30_000 },
      )
      .not.toBe("");
    await page.goto(`${base}/runs/${filteredId}`);
    await page.getByTestId("said-no").first().waitFor();
    const saidNo = await page.getByTestId("said-no").first().textContent();
    expect(saidNo).toContain("“items is greater than 10” said no");
    expect(saidNo).toContain("— items is 2");
    expect(await page.getByTestId("run-summary").textContent()).toContain("The filter said no");
    await expectAccessible(page, "filtered run");
    await shoot(page, "17-run-filtered");
  });
});

describe("operating: approvals, keys and webhook sources", () => {
  it("approves from the inbox and the run continues", async () => {
    const orderId = `ord_${tag}`;
    await call("POST", "/v1/events", {
      type: "order.created",
      data: {
        id: orderId,
        amount: 25_000,
        status: "new",
        manager_email: ADMIN,
        customer: { email: "customer@example.com", name: "Customer" },
      },
    });
    await page.getByRole("link", { name: /^Inbox/ }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    // The demo workflow asks; the authoring suite's copy of it may ask too.
    const card = page.locator('[data-approval][data-workflow="wf_demo_big_order"]', {
      hasText: `Approve order ${orderId}`,
    });
    await expect
      .poll(
        async () => {
          if ((await card.count()) === 0) {
            await page.reload();
            await card.waitFor({ timeout: 3000 }).catch(() => {});
          }
          return card.count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(1);
    await page.getByTestId("inbox-count").waitFor();
    await expectAccessible(page, "inbox");
    await shoot(page, "20-inbox", false);

    // The email's link lands on the approval itself.
    await card.getByRole("link", { name: `Approve order ${orderId}` }).click();
    await page.getByRole("heading", { name: "Approval", exact: true }).waitFor();
    await expectAccessible(page, "approval page");
    await page.getByLabel("Comment (optional)").fill("Checked with the customer");
    await page.getByRole("button", { name: "Approve" }).click();
    const decision = page.getByTestId("decision");
    await decision.waitFor();
    expect(await decision.textContent()).toContain("approved");
    expect(await decision.textContent()).toContain("Checked with the customer");
    await shoot(page, "21-approved", false);

    await decision.getByRole("link", { name: "follow it" }).click();
    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 })
      .toBe("Succeeded");
    expect(await page.locator('[data-run-step="approve"]').textContent()).toContain("Succeeded");
    await page.locator('[data-run-step="mark"]').waitFor();
    expect(await page.locator('[data-run-step="mark"]').textContent()).toContain("Succeeded");
    await shoot(page, "22-approved-run");
  });

  it("shows notifications and event types", async () => {
    await page.getByRole("link", { name: /^Notifications/ }).click();
    await page.getByRole("heading", { name: "Notifications" }).waitFor();
    await expectAccessible(page, "notifications");
    await page.getByRole("link", { name: "Event types" }).click();
    await page.locator('[data-event-type="shipment.requested"]').waitFor();
    await page.getByLabel("Event type", { exact: true }).fill(`invoice.paid_${tag}`);
    await page.getByLabel("Sample data (JSON)").fill('{ "id": "inv_1", "total": 120 }');
    await page.getByRole("button", { name: "Declare" }).click();
    await page.locator(`[data-event-type="invoice.paid_${tag}"]`).waitFor();
    await expectAccessible(page, "event types");
    await shoot(page, "23-event-types");
  });

  it("creates an API key, shown once, and revokes it: the key then gets 401", async () => {
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.getByRole("heading", { name: "API keys" }).waitFor();
    const name = `Script ${tag}`;
    await page.getByLabel("Name").fill(name);
    await page.getByRole("checkbox", { name: /write/ }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    const key = (await page.getByTestId("new-key-value").textContent()) ?? "";
    expect(key).toMatch(/^sy_/);
    await page.getByRole("button", { name: "Copy key" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
    expect((await call("GET", "/v1/workflows", undefined, key)).status).toBe(200);
    await expectAccessible(page, "API keys");
    await shoot(page, "30-api-key-created", false);

    await page.getByRole("button", { name: "I have stored it" }).click();
    expect(await page.getByTestId("new-key").count()).toBe(0);
    await page.getByRole("button", { name: `Revoke ${name}` }).click();
    await page.locator("tr.revoked", { hasText: name }).waitFor();
    expect((await call("GET", "/v1/workflows", undefined, key)).status).toBe(401);
  });

  it("rotates a webhook source's secret; a request signed with the new one is accepted", async () => {
    await page.getByRole("link", { name: "Webhook sources" }).click();
    await page.getByRole("heading", { name: "Webhook sources" }).waitFor();
    const name = `Shop ${tag}`;
    await page.getByLabel("Name").fill(name);
    await page.getByLabel("Fixed event type (optional)").fill("order.paid");
    await page.getByRole("button", { name: "Create source" }).click();
    const first = (await page.getByTestId("secret-value").textContent()) ?? "";
    expect(first).toMatch(/^whsec_/);
    await page.getByRole("button", { name: "I have stored it" }).click();

    await page.getByRole("button", { name: `Rotate secret of ${name}` }).click();
    await expect.poll(() => page.getByTestId("secret-value").textContent()).not.toBe(first);
    const secret = (await page.getByTestId("secret-value").textContent()) ?? "";
    expect(secret).toMatch(/^whsec_/);
    const sourceId = await page
      .locator("[data-source]", { hasText: name })
      .getAttribute("data-source");

    // The example the page signed in the browser verifies with the new secret.
    const example = (await page.getByTestId("example-request").textContent()) ?? "";
    const header = (h: string) => example.match(new RegExp(`${h}: ([^']+)'`))?.[1] ?? "";
    const body = example.match(/--data-raw '(.*)'$/m)?.[1] ?? "";
    expect(() =>
      new Webhook(secret).verify(body, {
        "webhook-id": header("webhook-id"),
        "webhook-timestamp": header("webhook-timestamp"),
        "webhook-signature": header("webhook-signature"),
      }),
    ).not.toThrow();
    await expectAccessible(page, "webhook sources");
    await shoot(page, "31-webhook-rotated");

    // A delivery signed from Node with the new secret is accepted.
    const payload = JSON.stringify({ id: `ord_hook_${tag}`, amount: 10 });
    const msgId = `msg_${tag}`;
    const now = new Date();
    const signature = new Webhook(secret).sign(msgId, now, payload);
    const res = await fetch(`${base}/hooks/${sourceId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": msgId,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body: payload,
    });
    expect(res.status).toBe(202);
  });

  it("shows the other settings screens, accessible", async () => {
    await page.getByRole("link", { name: "Outbound signing" }).click();
    await page.getByRole("heading", { name: "Outbound webhook signing" }).waitFor();
    await page.getByRole("button", { name: "Reveal secret" }).click();
    expect(await page.getByTestId("signing-secret").textContent()).toMatch(/^whsec_/);
    await expectAccessible(page, "signing");
    await page.getByRole("link", { name: "Members" }).click();
    await page.locator(`[data-member="${ADMIN}"]`).waitFor();
    await expectAccessible(page, "members");
    await shoot(page, "32-members", false);
    await page.getByRole("link", { name: "Email & SMS" }).click();
    await page.getByRole("heading", { name: "Email and SMS providers" }).waitFor();
    await page.getByLabel("Provider").first().waitFor();
    await expectAccessible(page, "providers");
    await shoot(page, "33-providers", false);
    expect(consoleProblems).toEqual([]);
  });

  it("keeps run history for the days an admin chooses, in the workspace's time zone", async () => {
    await page.getByRole("link", { name: "Run history & time zone" }).click();
    await page.getByRole("heading", { name: "Run history and time zone" }).waitFor();
    const days = page.getByLabel("Keep run history for");
    expect(await days.inputValue()).toBe("30");
    expect(await page.getByLabel("Time zone", { exact: true }).inputValue()).toBe("UTC");
    await expectAccessible(page, "run history and time zone");

    await days.fill("14");
    await page.getByLabel("Time zone", { exact: true }).selectOption("Europe/Berlin");
    // Shortening deletes history, so the page asks first (the dialog is accepted above).
    const asked: string[] = [];
    const record = (d: { message(): string }) => asked.push(d.message());
    page.on("dialog", record);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    page.off("dialog", record);
    expect(asked).toEqual([expect.stringContaining("Keep run history for 14 days instead of 30?")]);
    await shoot(page, "34-run-history", false);

    const settings = await call("GET", "/v1/settings/tenant");
    expect(settings.body).toMatchObject({ retentionDays: 14, timezone: "Europe/Berlin" });
    const audit = await call("GET", "/v1/audit?type=settings.updated");
    expect(audit.body.items[0]).toMatchObject({
      actor: { type: "user" },
      subject: "tenant",
      details: {
        retentionDays: { old: 30, new: 14 },
        timezone: { old: "UTC", new: "Europe/Berlin" },
      },
    });

    // After a reload the page shows what is stored.
    await page.reload();
    await expect.poll(() => page.getByLabel("Keep run history for").inputValue()).toBe("14");
    expect(await page.getByLabel("Time zone", { exact: true }).inputValue()).toBe("Europe/Berlin");
    await expectAccessible(page, "run history saved");
    expect(consoleProblems).toEqual([]);

    // The demo tenant is shared with the other suites: back to the defaults.
    const back = await call("PUT", "/v1/settings/tenant", { retentionDays: 30, timezone: "UTC" });
    expect(back.status).toBe(200);
  });
});
