// Connections in the builder (issue 17, item 2), acted out in a browser:
// an admin adds the ERP as a connection in words (address, "Access token",
// "At most 60 calls every minute"), an HTTP request step picks it by name
// with its health and only a path, and the run calls a receiver on
// 127.0.0.1 with the token — which is never in a page. The connection says
// "Working — last call just now"; after an edit (the token field "saved —
// leave empty to keep it") to a token the receiver refuses, a run fails with
// 401 and the connection says "Failing since …", and so do the workflow list
// and the editor, linking to it. Deleting it names the workflow first. The
// new actions' forms render sensibly: Slack's "send through" choice, Teams'
// facts, the HTTP request's maps and body type.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  addMember,
  eventually,
  finishedRun,
  type Json,
  newTenant,
  PASSWORD,
  rand,
  type Tenant,
} from "../security/api.ts";
import { expectAccessible, launch, newPage, pageWithValues, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

const TOKEN = `erp_${rand(12)}${rand(12)}`;
const WRONG = `expired_${rand(12)}`;

let browser: Browser;
let t: Tenant;
let admin: Page;
let adminProblems: string[];
let receiver: Server;
let receiverBase = "";
const calls: Array<{ path: string; headers: IncomingHttpHeaders }> = [];
let workflowId = "";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      calls.push({ path: req.url ?? "", headers: req.headers });
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401, { "content-type": "text/plain" });
        res.end("Unauthorized");
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: { id: "erp-1" } }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Connections");
  await t.api.must("PUT", "/v1/event-types/order.placed", {
    sample: { id: "ord_1", total: 120 },
  });
  browser = await launch();
  ({ page: admin, problems: adminProblems } = await newPage(browser));
  // The machine's cores are shared: a page may take a while to load.
  admin.setDefaultTimeout(15_000);
  await signIn(admin, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

const card = (page: Page) => page.locator('[data-connection="erp"]');

/** The connection's health line, read again until it says `expected`. */
async function healthSays(page: Page, expected: RegExp): Promise<string> {
  let said = "";
  await expect
    .poll(
      async () => {
        await page.goto(`${base}/settings/connections`);
        said = (await card(page).getByTestId("connection-health").textContent())?.trim() ?? "";
        return said;
      },
      { timeout: 30_000 },
    )
    .toMatch(expected);
  return said;
}

describe("Settings → Connections", () => {
  it("adds a connection in words, with its token write-only and a rate limit", async () => {
    const page = admin;
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page
      .getByRole("navigation", { name: "Settings" })
      .getByRole("link", { name: "Connections" })
      .click();
    await page.getByTestId("no-connections").waitFor();
    await page.getByRole("button", { name: "Add a connection" }).click();
    const form = page.getByTestId("connection-form");
    await form.getByLabel("Name", { exact: true }).fill("erp");
    await form.getByLabel("What it is for (optional)").fill("Our ERP");
    await form.getByRole("textbox", { name: "Address" }).fill(`${receiverBase}/api`);
    for (const words of [
      "No sign-in",
      "Access token",
      "User name and password",
      "Key in a header",
      "Key in the web address",
      "Sign in with client ID and secret (OAuth 2)",
    ]) {
      expect(await form.getByRole("radio", { name: words, exact: true }).count()).toBe(1);
    }
    await form.getByRole("radio", { name: "Key in a header", exact: true }).check();
    await form.getByLabel("Header name").waitFor();
    expect(await form.locator("#conn-token").count()).toBe(0);
    await form.getByRole("radio", { name: "Access token", exact: true }).check();
    const token = form.locator("#conn-token");
    await token.waitFor();
    expect(await token.getAttribute("type")).toBe("password");
    await token.fill(TOKEN);

    await form.getByLabel("Limit how often it is called").check();
    await form.getByLabel("At most").fill("60");
    await form.getByLabel("calls every").selectOption({ label: "minute" });
    expect(await form.getByTestId("rate-help").textContent()).toContain(
      "Shared by every workflow that uses this connection",
    );
    await form.getByRole("button", { name: "Add connection" }).click();

    await expect
      .poll(() => page.getByTestId("connections-notice").textContent())
      .toContain("Added the connection erp.");
    const c = card(page);
    await c.waitFor();
    expect(await c.getByTestId("connection-health").textContent()).toContain("Not used yet");
    expect(await c.getByTestId("sign-in").textContent()).toBe("Access token · credentials saved");
    expect(await c.getByTestId("rate-limit").textContent()).toBe(
      "At most 60 calls every minute, shared by every workflow that uses it",
    );
    expect(await c.getByTestId("used-by").textContent()).toContain("No workflow yet");
    expect(await pageWithValues(page)).not.toContain(TOKEN);
    await expectAccessible(page, "Settings → Connections");
    expect(adminProblems).toEqual([]);
  });

  it("is chosen by name in an HTTP request step, which then needs only a path", async () => {
    const page = admin;
    await page.goto(`${base}/workflows`);
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill("Order to the ERP");
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("order.placed");
    await page.getByRole("button", { name: "Add HTTP request at the end" }).click();

    const picker = page.getByLabel("Connection (optional)");
    await expect
      .poll(() => picker.locator("option").allTextContents())
      .toEqual(["No connection", "erp — Not used yet (Our ERP)"]);
    await picker.selectOption("erp");
    await expect
      .poll(() => page.getByTestId("connection-picker").textContent())
      .toContain(`Calls ${receiverBase}/api`);
    expect(await page.locator("#cfg-url-hint").textContent()).toBe(
      `With the connection erp, a path such as /orders is enough: it is added to ${receiverBase}/api. A full address works too.`,
    );
    await page.locator("#cfg-url").fill("/orders");
    // The request's other settings: maps for the query, headers and outputs, the body type in words.
    await page.getByRole("group", { name: "Query (optional)" }).waitFor();
    await page.getByRole("group", { name: "Outputs (optional)" }).waitFor();
    expect(await page.locator("#cfg-bodyType option").allTextContents()).toEqual([
      "Default",
      "JSON (application/json)",
      "Form fields (application/x-www-form-urlencoded)",
      "Text, sent as written",
    ]);
    await expectAccessible(page, "an HTTP request step with a connection");
    await shoot(page, "92-connection-picker");

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");
    workflowId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.steps[0].config).toEqual({ connection: "erp", url: "/orders" });

    const ev = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_7", total: 70 },
    });
    expect((await finishedRun(t.api, workflowId, ev.id)).status).toBe("succeeded");
    expect(calls.at(-1)).toMatchObject({
      path: "/api/orders",
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await healthSays(page, /^Working — last call (just now|1 minute ago)$/);
    await card(page).getByRole("link", { name: "Order to the ERP" }).waitFor();
    await shoot(page, "90-connections");
    expect(adminProblems).toEqual([]);
  });

  it("edits with the token kept unless typed; a refused token turns its health to failing", async () => {
    const page = admin;
    await page.goto(`${base}/settings/connections`);
    await page.getByRole("button", { name: "Edit erp" }).click();
    const form = page.getByTestId("connection-form");
    expect(await form.getByLabel("Name", { exact: true }).isDisabled()).toBe(true);
    expect(await form.locator("#conn-token").inputValue()).toBe("");
    expect(await form.locator("#conn-token-hint").textContent()).toBe(
      "Saved — leave empty to keep it.",
    );
    await expectAccessible(page, "editing a connection");
    await shoot(page, "91-connection-edit");

    // Saved as it is: the token is kept, and calls still work.
    await form.getByRole("button", { name: "Save connection" }).click();
    await expect
      .poll(() => page.getByTestId("connections-notice").textContent())
      .toContain("Saved the connection erp.");
    const ok = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_8", total: 80 },
    });
    expect((await finishedRun(t.api, workflowId, ok.id)).status).toBe("succeeded");
    expect(calls.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    // A token the ERP refuses.
    await page.getByRole("button", { name: "Edit erp" }).click();
    await page.locator("#conn-token").fill(WRONG);
    await page.getByRole("button", { name: "Save connection" }).click();
    await expect
      .poll(() => page.getByTestId("connections-notice").textContent())
      .toContain("Saved the connection erp.");
    const bad = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_9", total: 90 },
    });
    expect((await finishedRun(t.api, workflowId, bad.id)).status).toBe("failed");
    expect(calls.at(-1)?.headers.authorization).toBe(`Bearer ${WRONG}`);
    const said = await healthSays(page, /^Failing since \d{1,2}:\d{2}.*401/);
    expect(await card(page).getByTestId("connection-health").getAttribute("data-status")).toBe(
      "failing",
    );
    expect(await pageWithValues(page)).not.toContain(WRONG);
    await shoot(page, "93-connection-failing");

    // Beside the workflow: in the list and in the editor, with a link to the connection.
    await page.goto(`${base}/workflows`);
    const warning = page.locator('[data-testid="needs-attention"][data-kind="connection-failing"]');
    await expect
      .poll(() => warning.textContent())
      .toBe(`⚠ The connection erp is ${said.charAt(0).toLowerCase()}${said.slice(1)}.`);
    expect(await warning.getAttribute("href")).toBe("/settings/connections#connection-erp");
    await expectAccessible(page, "the workflow list with a failing connection");
    await shoot(page, "94-workflow-failing-connection");
    await page.goto(`${base}/workflows/${workflowId}`);
    const inEditor = page.getByTestId("needs-attention-list");
    await expect
      .poll(() => inEditor.textContent())
      .toContain("The connection erp is failing since");
    await inEditor.getByRole("link", { name: "See the connection erp" }).click();
    await page.waitForURL(`${base}/settings/connections#connection-erp`);
    expect(adminProblems).toEqual([]);
  });

  it("says in the run when a step waits for its turn under the connection's rate limit", async () => {
    const page = admin;
    await page.goto(`${base}/settings/connections`);
    await page.getByRole("button", { name: "Edit erp" }).click();
    await page.locator("#conn-token").fill(TOKEN);
    await page.getByLabel("At most").fill("1");
    await page.getByLabel("calls every").selectOption({ label: "minute" });
    await page.getByRole("button", { name: "Save connection" }).click();
    await expect
      .poll(() => card(page).getByTestId("rate-limit").textContent())
      .toBe("At most 1 call every minute, shared by every workflow that uses it");

    // The first call takes the minute's one turn; the next waits for the next minute.
    const first = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_10", total: 100 },
    });
    expect((await finishedRun(t.api, workflowId, first.id)).status).toBe("succeeded");
    const second = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_11", total: 110 },
    });
    const waiting = await eventually(
      () => t.api.must("GET", `/v1/runs?workflowId=${workflowId}&limit=50`),
      (r: Json) => (r.items as Json[]).some((x) => x.eventId === second.id),
      30_000,
      "the second run",
    );
    const run = (waiting.items as Json[]).find((x) => x.eventId === second.id);
    await page.goto(`${base}/runs/${run.id}`);
    const said = page.getByTestId("step-deferred");
    await expect
      .poll(() => said.textContent(), { timeout: 30_000 })
      .toMatch(
        /^Waiting for its turn: the connection erp allows at most 1 call every minute, shared by every workflow that uses it\. Tried again at \d{1,2}:\d{2}/,
      );
    await expectAccessible(page, "a run whose step waits for its connection's turn");
    expect(adminProblems).toEqual([]);
  });

  it("names the workflow before deleting a connection in use", async () => {
    const page = admin;
    await page.goto(`${base}/settings/connections`);
    const asked: string[] = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("button", { name: "Delete erp" }).click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/^The connection erp is used by “Order to the ERP”\./);
    expect(await card(page).count()).toBe(1);
    expect(adminProblems).toEqual([]);
  });

  it("shows a viewer the connections and how they are doing, and nothing to change", async () => {
    const email = `viewer-${rand()}@example.com`;
    await addMember(t.api, email, "viewer", { password: PASSWORD });
    const { page, problems } = await newPage(browser);
    await signIn(page, base, email, PASSWORD);
    await page.goto(`${base}/settings/connections`);
    await page.getByTestId("connections-read-only").waitFor();
    await card(page).getByTestId("connection-health").waitFor();
    expect(await page.getByRole("button", { name: /Edit|Delete|Add a connection/ }).count()).toBe(
      0,
    );
    await expectAccessible(page, "Settings → Connections for a viewer");
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("the chat actions' forms", () => {
  it("offers Slack a webhook address or a connection, and Teams its facts", async () => {
    const page = admin;
    await page.goto(`${base}/workflows/new`);
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("order.placed");
    await page.getByRole("button", { name: "Add Send a Slack message at the end" }).click();
    const way = page.getByTestId("send-way");
    expect(await way.getByLabel("An incoming webhook address").isChecked()).toBe(true);
    await page.locator("#cfg-webhookUrl").waitFor();
    expect(await page.locator("#cfg-connection").count()).toBe(0);
    expect(await page.locator("#cfg-channel").count()).toBe(0);
    await way.getByLabel("A connection (a bot token)").check();
    await page.locator("#cfg-connection").waitFor();
    await page.locator("#cfg-channel").waitFor();
    expect(await page.locator("#cfg-webhookUrl").count()).toBe(0);
    expect(await page.getByLabel("Connection", { exact: true }).count()).toBe(1);
    await expectAccessible(page, "a Slack step sent through a connection");
    await shoot(page, "95-slack-send-through");

    await page
      .getByRole("button", { name: "Add Send a Microsoft Teams message at the end" })
      .click();
    await page.getByRole("group", { name: "Facts (optional)" }).waitFor();
    await page.getByRole("button", { name: "Add facts entry" }).click();
    await page.getByLabel("Facts: name 1").fill("Amount");
    await page.getByLabel("Facts: value 1").fill("{{ order.total }}");
    expect(adminProblems).toEqual([]);
  });
});
