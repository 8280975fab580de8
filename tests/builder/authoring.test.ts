// The bar, acted out in a browser: an operations manager builds
// "when an order over 10,000 is created, ask the manager to approve it; if
// approved mark it approved, else email the customer", previews it against
// two sample orders, saves a draft and publishes it — through the UI alone.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { addMember, Client } from "../security/api.ts";
import { expectAccessible, launch, shoot, signIn, watchConsole } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const ADMIN = "admin@acme.example";

let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleProblems: string[];

const card = (id: string) => page.locator(`[data-step="${id}"]`);

beforeAll(async () => {
  browser = await launch();
  // bypassCSP lets the test inject axe-core; the app's own CSP stays on (checked below).
  context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("dialog", (d) => d.accept());
  consoleProblems = watchConsole(page);
});

afterAll(async () => {
  await browser?.close();
});

describe("authoring a workflow in the builder", () => {
  it("signs in and shows the shell and the workflows list", async () => {
    await page.goto(base);
    await page.getByRole("heading", { name: "Sign in to Switchyard" }).waitFor();
    const csp = await page
      .locator('meta[http-equiv="content-security-policy"]')
      .getAttribute("content");
    expect(csp).toContain("script-src 'self'");
    await expectAccessible(page, "sign-in");
    await shoot(page, "01-sign-in", false);
    await page.getByLabel("Email").fill(ADMIN);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("do not match");

    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.getByRole("link", { name: "Big order approval", exact: true }).first().waitFor();
    expect(await page.getByTestId("role").textContent()).toBe("owner");
    await page.getByLabel("Search workflows").fill("payment");
    await expect
      .poll(() => page.getByRole("link", { name: "Big order approval", exact: true }).count())
      .toBe(0);
    await page.getByLabel("Search workflows").fill("");
    await page.getByRole("button", { name: "New workflow" }).click();
    for (const t of [
      "Blank workflow",
      "Big order approval",
      "Payment received",
      "Webhook forwarder",
      "New-customer welcome SMS",
      "Overdue task reminder",
    ]) {
      await expect(
        page.getByRole("button", { name: new RegExp(t) }).count(),
      ).resolves.toBeGreaterThan(0);
    }
    await expectAccessible(page, "workflows list");
    await shoot(page, "02-workflows", false);
  });

  it("builds the big-order approval with drag, forms and condition rows", async () => {
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByTestId("trigger-card").waitFor();
    await page.getByLabel("Workflow name").fill("Big order approval, built by hand");

    // Trigger: order.created
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("order.created");
    await page.getByText("order.customer.email").first().waitFor();

    // Filter, composed with a row: amount is greater than 10000
    await page.getByTestId("filter-card").click();
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Field 1").fill("order.amount");
    await page.getByLabel("Operator 1").selectOption(">");
    await page.getByLabel("Value 1", { exact: true }).fill("10000");
    await expect
      .poll(() => page.getByTestId("filter-expression").textContent())
      .toBe("order.amount > 10000");

    // Drag "Request approval" from the palette into the flow
    await page.dragAndDrop('[data-palette="request_approval"]', "[data-slot='[]:0']");
    await card("request_approval").waitFor();
    // The approver comes from the data (the people picker offers members by name too).
    await page.getByRole("radio", { name: "From the event's data" }).check();
    await page.getByRole("button", { name: "Insert data into Approver" }).click();
    await page.getByRole("button", { name: /order\.manager_email/ }).click();
    await expect
      .poll(() =>
        page
          .getByLabel("Approver (optional)")
          .or(page.locator("#cfg-approver"))
          .first()
          .getAttribute("data-value"),
      )
      .toBe("{{ order.manager_email }}");
    // A typo is caught inline, under its exact position
    await page.locator("#cfg-title").fill("Approve order {{ order.idd }}");
    await page.getByText("has no field 'idd'").waitFor();
    expect(await page.locator("#cfg-title-diag mark").textContent()).toBe("idd");
    await page.locator("#cfg-title").fill("Approve order {{ order.id }}");
    await expect.poll(() => page.locator("#cfg-title-diag").count()).toBe(0);
    await page.locator("#cfg-timeout").fill("48");
    await page.getByLabel("Name", { exact: true }).fill("Manager approves");

    // Drag an if/else below it and branch on the decision
    await page.dragAndDrop('[data-palette="if"]', "[data-slot='[]:1']");
    await card("check").waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Approved?");
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Field 1").fill("steps.request_approval.output.decision");
    await page.getByLabel("Value 1", { exact: true }).fill("approved");
    await expect
      .poll(() => page.getByTestId("cond-expression").textContent())
      .toBe('steps.request_approval.output.decision == "approved"');

    // Then: drag "Update a record" into the yes-branch
    await page.dragAndDrop('[data-palette="update_record"]', `[data-slot='[1,"then"]:0']`);
    await card("update_record").waitFor();
    await page.locator("#cfg-type").fill("order");
    await page.locator("#cfg-id").fill("{{ order.id }}");
    await page.getByRole("button", { name: "Add fields entry" }).click();
    await page.getByLabel("Fields: name 1").fill("status");
    await page.getByLabel("Fields: value 1").fill("approved");

    // The No branch: the keyboard way, with the + button
    await page.getByRole("button", { name: /^Add step in the No branch/ }).click();
    await page.getByRole("button", { name: "Send email", exact: true }).click();
    await card("send_email").waitFor();
    await page.locator("#cfg-to").fill("{{ order.customer.email }}");
    await page.locator("#cfg-subject").fill("About your order {{ order.id }}");
    await page.locator("#cfg-body").fill("Sorry, order {{ order.id }} was not approved.");

    // Reorder by keyboard: a Wait added at the end moves up with Alt+ArrowUp, then goes
    await page.getByRole("button", { name: "Add Wait at the end" }).click();
    await card("wait").locator(".select").focus();
    await page.keyboard.press("Alt+ArrowUp");
    const order = await page
      .locator("[data-step]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
    expect(order.indexOf("wait")).toBeLessThan(order.indexOf("check"));
    await page.getByRole("button", { name: "Delete Wait" }).click();
    expect(await card("wait").count()).toBe(0);

    expect(await page.locator("#problem-count").count()).toBe(0);
    await page.locator('[data-step="request_approval"] .select').click();
    await expectAccessible(page, "editor");
    await shoot(page, "03-editor");
  });

  it("previews a matching and a non-matching order and names the part that said no", async () => {
    await page.getByRole("tab", { name: "Preview" }).click();
    await expect.poll(() => page.getByTestId("filter-result").textContent()).toContain("Matches");
    const approval = page.locator('[data-preview-step="request_approval"]');
    await expect.poll(() => approval.textContent()).toContain("Approve order ord_1001");
    await expect
      .poll(() => page.locator('[data-preview-step="send_email"]').textContent())
      .toContain("skipped");
    await shoot(page, "04-preview-match");
    await expectAccessible(page, "preview");

    const small = JSON.parse(await page.getByLabel(/Sample event data/).inputValue());
    small.amount = 500;
    await page.getByLabel(/Sample event data/).fill(JSON.stringify(small, null, 2));
    await expect
      .poll(() => page.getByTestId("filter-result").textContent())
      .toContain("Does not match");
    const saidNo = await page.getByTestId("said-no").first().textContent();
    expect(saidNo).toContain("order.amount > 10000");
    expect(saidNo).toContain("order.amount is 500");
    await shoot(page, "05-preview-no-match");

    // One of the last real events of the type can stand in as the sample.
    const real = await fetch(`${base}/v1/events`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${vars.SWITCHYARD_DEMO_API_KEY}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        id: `real-${Date.now()}`,
        type: "order.created",
        data: { id: "ord_real", amount: 20000, status: "new" },
      }),
    });
    const realId = ((await real.json()) as { id: string }).id;
    await page.getByRole("button", { name: "Use a recent event…" }).click();
    await page.getByLabel(/Recent .* events/).selectOption(realId);
    await expect
      .poll(() => page.getByLabel(/Sample event data/).inputValue())
      .toContain("ord_real");
    await expect.poll(() => page.getByTestId("filter-result").textContent()).toContain("Matches");
  });

  it("saves a draft, publishes it and shows the history with a diff", async () => {
    await page.getByRole("button", { name: "Save draft" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Saved draft version 1");
    await page.waitForURL(/\/workflows\/(?!new)/);
    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");

    // A second version, then the history compares them and rolls back
    await page.getByLabel("Workflow name").fill("Big order approval (v2)");
    await card("send_email").locator(".select").click();
    await page.locator("#cfg-subject").fill("Your order {{ order.id }}");
    expect(await page.getByTestId("unsaved").count()).toBe(1);
    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 2");
    await page.getByRole("tab", { name: "History" }).click();
    await page.locator('[data-version="1"]').waitFor();
    await page.getByRole("button", { name: "Compare" }).click();
    await page.locator(".diff tr.changed").first().waitFor();
    expect(await page.locator(".diff tr.changed").first().textContent()).toContain(
      "Big order approval (v2)",
    );
    // Grouped by step, in words: the changed field, old beside new; the rest named as unchanged.
    const email = page.locator('[data-diff-section="send_email"]');
    expect(await email.getByRole("heading").textContent()).toMatch(/Changed\s*Send email/);
    expect(
      await email
        .locator("tr.changed")
        .evaluateAll((rows) =>
          rows.map((r) => Array.from(r.children, (c) => c.textContent?.trim())),
        ),
    ).toEqual([
      ["Subject", "was: About your order {{ order.id }}", "now: Your order {{ order.id }}"],
    ]);
    expect(await page.getByTestId("unchanged-steps").textContent()).toContain("Manager approves");
    await expectAccessible(page, "history");
    await shoot(page, "06-history-diff");
    await page.getByRole("button", { name: "Publish v1" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Version 1 is live");

    // The list shows it, live
    await page.getByRole("link", { name: "← Workflows" }).click();
    await page.getByRole("link", { name: "Big order approval (v2)", exact: true }).waitFor();
  });

  it("runs it with a sample and watches it reach the approval step", async () => {
    await page.getByRole("link", { name: "Big order approval (v2)", exact: true }).click();
    await page.getByRole("tab", { name: "Preview" }).click();
    await page.getByRole("button", { name: "Run with this sample" }).click();
    // The run's steps update live until the approval step waits for a decision.
    const approval = page.locator('[data-run-step="request_approval"]');
    await expect.poll(() => approval.textContent(), { timeout: 30_000 }).toContain("waiting");
    await shoot(page, "08-test-run");
    expect(consoleProblems).toEqual([]);
  });
});

describe("a viewer", () => {
  it("sees workflows but no edit controls", async () => {
    const email = `viewer-${Date.now()}@acme.example`;
    const demo = new Client(base, { key: vars.SWITCHYARD_DEMO_API_KEY });
    await addMember(demo, email, "viewer", { password: "viewer-password-1" });
    const viewerContext = await browser.newContext({
      viewport: { width: 1024, height: 1366 },
      bypassCSP: true,
    });
    const viewer = await viewerContext.newPage();
    const problems = watchConsole(viewer);
    await signIn(viewer, base, email, "viewer-password-1");
    expect(await viewer.getByTestId("role").textContent()).toBe("viewer");
    expect(await viewer.getByRole("button", { name: "New workflow" }).count()).toBe(0);
    await viewer.getByRole("link", { name: "Big order approval", exact: true }).click();
    await viewer.getByTestId("trigger-card").waitFor();
    for (const name of ["Save draft", "Publish", /^Add step/, /^Delete/, /^Duplicate/, /^Move/]) {
      expect(await viewer.getByRole("button", { name }).count(), String(name)).toBe(0);
    }
    await viewer.locator('[data-step="approve"] .select').click();
    expect(await viewer.locator("#cfg-approver").isDisabled()).toBe(true);
    await expectAccessible(viewer, "viewer editor (tablet)");
    await shoot(viewer, "07-viewer-tablet");
    expect(problems).toEqual([]);
    await viewerContext.close();
  });
});
