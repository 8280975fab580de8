// "Start from a template instead of a blank canvas" (issue 17, item 5),
// acted out in a browser by visible labels. An editor opens the gallery
// from "New workflow", reads what each template does and needs, uses "Big
// order approval": the blanks come with the right pickers (the workspace's
// event types, a member by name, an amount, a duration), a blank left empty
// is marked at its field, the summary says what will be made as the blanks
// are filled, and "Create draft" opens a draft with no problems that the
// editor publishes. The owner uses the Slack template, whose webhook is a
// secret: created right on the page, then the draft needs nothing more.
// Axe on each screen; screenshots 96–99 and 104.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { addMember, newTenant, PASSWORD, rand, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let t: Tenant;
let editor: Page;
let editorProblems: string[];
let owner: Page;
let ownerProblems: string[];
const eddie = { email: `eddie-${rand()}@example.com`, name: "Eddie Editor" };
const maria = { email: `maria-${rand()}@example.com`, name: "Maria Manager" };

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Templates");
  await addMember(t.api, eddie.email, "editor", { password: PASSWORD, name: eddie.name });
  await addMember(t.api, maria.email, "viewer", { password: PASSWORD, name: maria.name });
  // The event types this workspace knows: the template's own and another.
  for (const type of ["order.created", "order.placed", "lead.created"]) {
    await t.api.must("PUT", `/v1/event-types/${type}`, {
      sample: { id: "o-1", amount: 12_000, customer: { name: "Sam", email: "sam@example.com" } },
    });
  }
  browser = await launch();
  ({ page: editor, problems: editorProblems } = await newPage(browser));
  ({ page: owner, problems: ownerProblems } = await newPage(browser));
  await signIn(editor, base, eddie.email, PASSWORD);
  await signIn(owner, base, t.email, t.password);
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

/** A card of the gallery by its title. */
const card = (page: Page, title: string) =>
  page
    .getByRole("listitem")
    .filter({ has: page.getByRole("heading", { name: title, exact: true }) });

describe("starting a workflow from a template", () => {
  it("offers the gallery from New workflow, by category, each saying what it needs", async () => {
    const page = editor;
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("link", { name: /^Start from a template/ }).click();
    await page.getByRole("heading", { name: "Start from a template", level: 1 }).waitFor();
    for (const category of ["Approvals", "Sales", "Daily routines"]) {
      await page.getByRole("heading", { name: category, level: 2 }).waitFor();
    }
    const big = card(page, "Big order approval");
    expect(await big.textContent()).toContain("a manager approves or rejects it");
    expect(await big.getByRole("list", { name: /needs$/ }).textContent()).toBe(
      "Needs nothing else",
    );
    const slack = card(page, "New lead → Slack");
    expect((await slack.getByRole("list", { name: /needs$/ }).textContent())?.trim()).toBe(
      "Needs a Slack webhook, kept as a secret not in this workspace yet",
    );
    const erp = card(page, "Sync paid orders to the ERP");
    expect(await erp.textContent()).toContain("Needs an ERP connection");
    // No ids or JSON on the cards.
    expect(await page.locator("main").textContent()).not.toMatch(/\$param|\[\[|\{\{/);
    await expectAccessible(page, "template gallery");
    await shoot(page, "96-template-gallery", false);
  });

  it("walks through the blanks with pickers, marks an empty one at its field, and says what it will make", async () => {
    const page = editor;
    await card(page, "Big order approval")
      .getByRole("link", { name: /^Use this template/ })
      .click();
    await page.getByRole("heading", { name: "Big order approval", level: 1 }).waitFor();

    // The workspace's event types, the template's chosen.
    const event = page.getByLabel("Event for a new order");
    expect(await event.inputValue()).toBe("order.created");
    expect(await event.locator("option").allTextContents()).toEqual(
      expect.arrayContaining(["order.created", "order.placed", "lead.created"]),
    );
    expect(await page.getByLabel("Orders above this amount need approval").inputValue()).toBe(
      "10000",
    );
    expect(await page.getByLabel("How long the approver has: amount").inputValue()).toBe("48");
    expect(await page.getByLabel("How long the approver has: unit").inputValue()).toBe("h");

    // Nobody chosen to approve yet: Create draft says so at the field.
    await page.getByRole("button", { name: "Create draft" }).click();
    const approver = page.locator('[data-param="approver"]');
    await expect
      .poll(() => approver.locator(".error").textContent(), { timeout: 10_000 })
      .toBe("Who approves is required");
    expect(await page.getByRole("alert").textContent()).toBe(
      "Some blanks need another look: see the marked fields.",
    );
    expect(page.url()).toMatch(/\/workflows\/templates\/big-order-approval$/);
    await expectAccessible(page, "template blanks with a problem");
    await shoot(page, "98-template-problem-at-field", false);

    // Filled in by name, an amount and three days.
    await page
      .getByRole("combobox", { name: "Who approves: find a member by name or email" })
      .fill("mar");
    await page.getByRole("option", { name: new RegExp(maria.name) }).click();
    await expect
      .poll(() => page.getByTestId("param-approver-chosen").textContent())
      .toBe(`${maria.name} ${maria.email}`);
    expect(await approver.locator(".error").count()).toBe(0);
    await page.getByLabel("Orders above this amount need approval").fill("25000");
    await page.getByLabel("How long the approver has: amount").fill("72");

    const summary = page.getByRole("region", { name: "What it will create" });
    const read = async () => ((await summary.textContent()) ?? "").replace(/\s+/g, " ");
    await expect.poll(read).toContain("Only if amount is greater than 25,000");
    const text = await read();
    expect(text).toContain("A draft named “Approve orders over 25000”");
    expect(text).toContain("When order created happens");
    expect(text).toContain("Manager approves (Request approval)");
    expect(text).toContain("If decision from “Manager approves” is approved");
    expect(text).toContain("Otherwise");
    expect(text).not.toMatch(/\$param|\[\[/);
    await expectAccessible(page, "template blanks filled in");
    await shoot(page, "97-template-blanks-and-summary");
  });

  it("creates the draft, opens it in the editor with no problems, and publishes it", async () => {
    const page = editor;
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.waitForURL(/\/workflows\/wf_/);
    await page.getByTestId("trigger-card").waitFor();
    expect(await page.getByLabel("Workflow name").inputValue()).toBe("Approve orders over 25000");
    expect(await page.getByText("draft v1", { exact: true }).count()).toBe(1);
    const flow = page.getByRole("region", { name: "Flow" });
    expect(await flow.textContent()).toContain("Manager approves");
    expect(await page.locator("#problem-count").count()).toBe(0);

    const publish = page.getByRole("button", { name: "Publish", exact: true });
    expect(await publish.isDisabled()).toBe(false);
    await publish.click();
    await expect
      .poll(() => page.getByText("live v1", { exact: true }).count(), { timeout: 15_000 })
      .toBe(1);
    await expectAccessible(page, "the template's draft, published");
    await shoot(page, "99-template-draft-published", false);

    const id = new URL(page.url()).pathname.split("/").pop() ?? "";
    const wf = await t.api.must("GET", `/v1/workflows/${id}`);
    expect(wf.liveVersion).toBe(1);
    expect(wf.definition.trigger).toEqual({ event: "order.created" });
    expect(wf.definition.filter).toBe("event.data.amount > 25000");
    expect(wf.definition.steps[0].config.approver).toBe(maria.email);
    expect(wf.definition.steps[0].config.timeout).toBe("72h");
    expect(editorProblems).toEqual([]);
  });

  it("lets an admin create the Slack webhook's secret on the spot, and the draft needs nothing more", async () => {
    const page = owner;
    await page.goto(`${base}/workflows/templates`);
    await card(page, "New lead → Slack")
      .getByRole("link", { name: /^Use this template/ })
      .click();
    await page.getByRole("heading", { name: "New lead → Slack", level: 1 }).waitFor();

    const hook = page.locator('[data-param="slack_webhook"]');
    expect(await hook.textContent()).toContain(
      "This workspace has no secret called “slack_webhook” yet.",
    );
    const summary = page.getByRole("region", { name: "What it will create" });
    expect((await summary.textContent())?.replace(/\s+/g, " ")).toContain(
      "Uses the secret “slack_webhook” not here yet",
    );

    await hook.getByRole("button", { name: "Create a secret here" }).click();
    await hook.getByLabel("Name of the new secret").fill("sales_slack");
    await hook
      .getByLabel("Its value", { exact: true })
      .fill(`https://hooks.slack.example/T0/B0/${rand(12)}`);
    await expectAccessible(page, "a secret created from a template");
    await shoot(page, "104-template-secret-on-the-spot", false);
    await hook.getByRole("button", { name: "Save secret" }).click();
    await expect
      .poll(() => page.getByLabel("Slack webhook (secret)").inputValue(), { timeout: 10_000 })
      .toBe("sales_slack");
    await expect
      .poll(async () => (await summary.textContent())?.replace(/\s+/g, " "))
      .toContain("Uses the secret “sales_slack” here");

    await page
      .getByRole("combobox", { name: "Who follows up: find a member by name or email" })
      .fill("eddie");
    await page.getByRole("option", { name: new RegExp(eddie.name) }).click();
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.waitForURL(/\/workflows\/wf_/);
    await page.getByTestId("trigger-card").waitFor();
    expect(await page.locator("#problem-count").count()).toBe(0);
    const id = new URL(page.url()).pathname.split("/").pop() ?? "";
    const wf = await t.api.must("GET", `/v1/workflows/${id}`);
    expect(wf.definition.steps[0].config.webhookUrl).toBe("{{ secrets.sales_slack }}");
    expect(wf.problems ?? []).toEqual([]);
    expect(ownerProblems).toEqual([]);
  });
});
