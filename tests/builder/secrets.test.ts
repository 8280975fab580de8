// Secrets in the builder (issue 17, item 1), acted out in a browser the way
// an admin who never writes code would: Settings → Secrets explains what a
// secret is, adds one with its value hidden (shown only while typing), uses
// it in a webhook step's header through the data picker (a lock chip with
// its name), publishes, and runs the workflow against a receiver on
// 127.0.0.1 — which gets the value, while the run page shows the lock chip
// and the value is nowhere in any page's HTML or the API's answers. A
// misspelt secret is named as a problem; replacing the value needs no new
// version; deleting one in use names the workflow first. A viewer sees the
// names only.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  addMember,
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

const VALUE = `sk_live_${rand(12)}${rand(12)}`;
const NEW_VALUE = `sk_live_${rand(12)}${rand(12)}`;

let browser: Browser;
let t: Tenant;
let admin: Page;
let adminProblems: string[];
let receiver: Server;
let receiverUrl = "";
const received: IncomingHttpHeaders[] = [];
let workflowId = "";

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(req.headers);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/erp/orders`;

  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Secrets");
  await t.api.must("PUT", "/v1/event-types/order.placed", {
    sample: { id: "ord_1", total: 120 },
  });
  browser = await launch();
  ({ page: admin, problems: adminProblems } = await newPage(browser));
  await signIn(admin, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

describe("Settings → Secrets, as an admin", () => {
  it("explains secrets, and adds one whose value is shown only while typing", async () => {
    const page = admin;
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page
      .getByRole("navigation", { name: "Settings" })
      .getByRole("link", { name: "Secrets" })
      .click();
    await page.getByRole("heading", { name: "Secrets", exact: true }).waitFor();
    expect(await page.getByTestId("secrets-explained").textContent()).toContain(
      "A secret is a password, token or key that Switchyard keeps encrypted",
    );
    await page.getByTestId("no-secrets").waitFor();

    // The name's rule in words, and a wrong name said so as it is typed.
    const name = page.getByLabel("Name", { exact: true });
    await name.fill("erp token");
    await expect
      .poll(() => page.locator("#secret-name-problem").textContent())
      .toBe("A name cannot have spaces: use _ instead, as in erp_token.");
    await name.fill("erp_token");
    await expect.poll(() => page.locator("#secret-name-problem").textContent()).toBe("");

    // The value: hidden, shown on demand while typing.
    const value = page.getByLabel("Value", { exact: true });
    expect(await value.getAttribute("type")).toBe("password");
    await value.fill(VALUE);
    await page.getByRole("button", { name: "Show value" }).click();
    expect(await value.getAttribute("type")).toBe("text");
    await page.getByRole("button", { name: "Hide value" }).click();
    expect(await value.getAttribute("type")).toBe("password");
    await page.getByRole("button", { name: "Save secret" }).click();

    await expect
      .poll(() => page.getByTestId("secrets-notice").textContent())
      .toContain("Saved the secret erp_token");
    const row = page.locator('[data-secret="erp_token"]');
    await row.waitFor();
    expect(await row.getByTestId("used-by").textContent()).toContain("No workflow yet");
    // Who changed it, by their name in the workspace (the API keeps their id).
    const members = await t.api.must("GET", "/v1/members");
    const me = (members.items as Json[]).find((m) => m.email === t.email.toLowerCase());
    await expect
      .poll(async () => (await row.getByTestId("changed").textContent())?.trim())
      .toBe(`just now by ${me?.name || t.email.toLowerCase()}`);
    // Never shown again: not in the form, not anywhere in the page.
    expect(await value.inputValue()).toBe("");
    expect(await pageWithValues(page)).not.toContain(VALUE);
    await expectAccessible(page, "Settings → Secrets");
    expect(adminProblems).toEqual([]);
  });
});

describe("a secret in a webhook step's header", () => {
  it("is picked under Insert data → Secrets and shows as a lock chip", async () => {
    const page = admin;
    await page.goto(`${base}/workflows`);
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill("Send orders to the ERP");
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("order.placed");
    await page.getByRole("button", { name: "Add Call a webhook at the end" }).click();
    await page.locator("#cfg-url").fill(receiverUrl);

    await page.getByRole("button", { name: "Add headers entry" }).click();
    await page.getByLabel("Headers: name 1").fill("Authorization");
    const header = page.getByLabel("Headers: value 1");
    await header.click();
    await page.keyboard.type("Bearer ");
    await page.getByRole("button", { name: "Insert data into Headers Authorization" }).click();
    const data = page.getByRole("group", { name: "Data available for Headers Authorization" });
    await data.waitFor();
    expect(await data.getByText("Secrets", { exact: true }).count()).toBe(1);
    await data.locator("button.field", { hasText: "erp_token" }).click();

    const chip = header.locator(".pill.secret");
    await expect.poll(() => chip.textContent()).toBe("secret erp_token");
    await expect
      .poll(() => header.getAttribute("data-value"))
      .toBe("Bearer {{ secrets.erp_token }}");
    await header.scrollIntoViewIfNeeded();
    await shoot(page, "88-secret-in-a-header", false);

    // A secret that does not exist is said so, in words.
    await page.getByRole("button", { name: "Add headers entry" }).click();
    await page.getByLabel("Headers: name 2").fill("X-Other");
    await page.getByLabel("Headers: value 2").fill("{{ secrets.erp_tokn }}");
    await expect
      .poll(() => page.getByTestId("secret-problem").first().textContent())
      .toContain("There is no secret called erp_tokn.");
    await page.getByRole("button", { name: "Remove X-Other" }).click();
    await expect.poll(() => page.getByTestId("secret-problem").count()).toBe(0);
    await expectAccessible(page, "a webhook step with a secret in a header");

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");
    workflowId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.steps[0].config.headers).toEqual({
      Authorization: "Bearer {{ secrets.erp_token }}",
    });
    expect(await pageWithValues(page)).not.toContain(VALUE);
    expect(adminProblems).toEqual([]);
  });

  it("runs with the value sent, and the run shows the lock chip only", async () => {
    const ev = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_7", total: 70 },
    });
    const run = await finishedRun(t.api, workflowId, ev.id);
    expect(run.status).toBe("succeeded");
    expect(received.at(-1)?.authorization).toBe(`Bearer ${VALUE}`);

    const page = admin;
    await page.goto(`${base}/runs/${run.id}`);
    const step = page.locator("[data-run-step]").first();
    await step.getByTestId("step-thing").waitFor();
    const lock = step.getByTestId("secret-chip");
    await expect.poll(() => lock.textContent()).toBe("secret erp_token");
    expect(await step.locator('dt:text-is("Header Authorization") + dd').textContent()).toBe(
      "Bearer secret erp_token",
    );
    await step.getByText("Show the data as JSON").click();
    expect(await step.locator("pre").textContent()).toContain("Bearer {{ secrets.erp_token }}");
    expect(await pageWithValues(page)).not.toContain(VALUE);
    await expectAccessible(page, "a run whose step used a secret");
    await shoot(page, "89-run-secret-lock-chip");

    // Nor in what the API answers about the run or the workflow.
    const detail = await t.api.must("GET", `/v1/runs/${run.id}`);
    expect(JSON.stringify(detail)).not.toContain(VALUE);
    expect(JSON.stringify(await t.api.must("GET", `/v1/workflows/${workflowId}`))).not.toContain(
      VALUE,
    );
    expect(adminProblems).toEqual([]);
  });

  it("lists the workflow that uses it; a new value needs no new version", async () => {
    const page = admin;
    await page.goto(`${base}/settings/secrets`);
    const row = page.locator('[data-secret="erp_token"]');
    await row.getByRole("link", { name: "Send orders to the ERP" }).waitFor();
    await shoot(page, "87-secrets-settings");

    await page.getByRole("button", { name: "Replace value of erp_token" }).click();
    await page.getByRole("textbox", { name: "New value of erp_token" }).fill(NEW_VALUE);
    await page.getByRole("button", { name: "Save new value" }).click();
    await expect
      .poll(() => page.getByTestId("secrets-notice").textContent())
      .toContain("Replaced the value of erp_token");
    expect(await pageWithValues(page)).not.toContain(NEW_VALUE);

    const ev = await t.api.must("POST", "/v1/events", {
      type: "order.placed",
      data: { id: "ord_8", total: 80 },
    });
    expect((await finishedRun(t.api, workflowId, ev.id)).status).toBe("succeeded");
    expect(received.at(-1)?.authorization).toBe(`Bearer ${NEW_VALUE}`);
    expect((await t.api.must("GET", `/v1/workflows/${workflowId}`)).liveVersion).toBe(1);
    expect(adminProblems).toEqual([]);
  });
});

describe("a viewer", () => {
  it("sees the names and where they are used, and nothing to change", async () => {
    const email = `viewer-${rand()}@example.com`;
    await addMember(t.api, email, "viewer", { password: PASSWORD });
    const { page, problems } = await newPage(browser);
    await signIn(page, base, email, PASSWORD);
    await page.goto(`${base}/settings/secrets`);
    await page.getByTestId("secrets-read-only").waitFor();
    const row = page.locator('[data-secret="erp_token"]');
    await row.getByRole("link", { name: "Send orders to the ERP" }).waitFor();
    expect(await page.getByRole("heading", { name: "Add a secret" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: /Replace value|Delete/ }).count()).toBe(0);
    expect(await pageWithValues(page)).not.toContain(NEW_VALUE);
    await expectAccessible(page, "Settings → Secrets for a viewer");
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe("deleting a secret in use", () => {
  it("names the workflow and asks first; once deleted, the editor says it is missing", async () => {
    const page = admin;
    await page.goto(`${base}/settings/secrets`);
    const asked: string[] = [];
    page.once("dialog", (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("button", { name: "Delete erp_token" }).click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toBe(
      "The secret erp_token is used by “Send orders to the ERP”. Its steps that use it will fail until you change them or add a secret with this name again. Delete it anyway?",
    );
    expect(await page.locator('[data-secret="erp_token"]').count()).toBe(1);

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete erp_token" }).click();
    await expect
      .poll(() => page.getByTestId("secrets-notice").textContent())
      .toBe("Deleted the secret erp_token.");
    await page.getByTestId("no-secrets").waitFor();

    await page.goto(`${base}/workflows/${workflowId}`);
    const missing = page.locator('[data-testid="needs-attention"][data-kind="secret-missing"]');
    await expect
      .poll(() => missing.textContent())
      .toContain("There is no secret called erp_token: steps that use it will fail.");
    expect(adminProblems).toEqual([]);
  });
});
