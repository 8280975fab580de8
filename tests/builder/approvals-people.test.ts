// Issue 14, items 6 and 7, acted out in a browser: the owner of a fresh
// workspace builds an approval step, picks the approver by name (no email
// typed), chooses the facts to decide on (Amount, Customer) and publishes.
// An event arrives; the approver sees one item in the inbox — the approval,
// with its facts and when it expires in their time zone — opens it, approves,
// and the card says "Approved by <their name> on <date>". A static email of
// someone who is not a member is flagged before publishing, naming the step.
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
const EVENT = "order.placed";

let browser: Browser;
let t: Tenant;
let owner: Page;
let ownerProblems: string[];
const ada = { email: `ada-${rand()}@example.com`, name: "Ada Approver" };

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Approvals");
  await addMember(t.api, ada.email, "editor", { password: PASSWORD, name: ada.name });
  // The data picker and the template checks know the event's fields.
  await t.api.must("PUT", `/v1/event-types/${EVENT}`, {
    sample: { id: "ord_1", amount: 100, customer: { name: "Sam" }, manager_email: ada.email },
  });
  ({ page: owner, problems: ownerProblems } = await newPage(browser));
  await signIn(owner, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

describe("approvals with people picked by name and the facts to decide on", () => {
  it("picks the approver by name, chooses the facts, and publishes", async () => {
    const page = owner;
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill("Big orders");
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill(EVENT);
    await page.getByRole("button", { name: "Add Request approval at the end" }).click();
    await page.locator('[data-step="request_approval"]').waitFor();

    // A member, found by name: nobody types an email.
    expect(await page.getByRole("radio", { name: "A member" }).isChecked()).toBe(true);
    const find = page.getByRole("combobox", { name: "Approver: find a member by name or email" });
    await find.fill("ada");
    await page.getByRole("option", { name: new RegExp(ada.name) }).click();
    await expect
      .poll(() => page.getByTestId("cfg-approver-chosen").textContent())
      .toBe(`${ada.name} ${ada.email}`);

    await page.locator("#cfg-title").fill("Approve order {{ order.id }}");
    await page.getByRole("button", { name: "Add a fact" }).click();
    await page.getByLabel("Fact 1: label").fill("Amount");
    await page.locator("#cfg-summary-v0").fill("{{ order.amount }}");
    await page.getByRole("button", { name: "Add a fact" }).click();
    await page.getByLabel("Fact 2: label").fill("Customer");
    await page.locator("#cfg-summary-v1").fill("{{ order.customer.name }}");
    expect(await page.locator("#problem-count").count()).toBe(0);
    await find.focus();
    await find.fill("");
    await page.getByRole("listbox", { name: "Members" }).waitFor();
    await shoot(page, "40-people-picker");
    await expectAccessible(page, "approval step with the people picker");
    await find.press("Escape");

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");
    const listed = (await t.api.must("GET", "/v1/workflows")).items as Json[];
    const id = listed.find((w) => w.name === "Big orders")?.id;
    const saved = await t.api.must("GET", `/v1/workflows/${id}`);
    expect(saved.definition.steps[0].config).toEqual({
      approver: ada.email,
      title: "Approve order {{ order.id }}",
      summary: [
        { label: "Amount", value: "{{ order.amount }}" },
        { label: "Customer", value: "{{ order.customer.name }}" },
      ],
    });
  });

  it("the approver sees one item with the facts, decides, and the card says who and when", async () => {
    const sent = await t.api.must("POST", "/v1/events", {
      type: EVENT,
      data: { id: "ord_77", amount: 12500, customer: { name: "Dana Buyer" } },
    });
    await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${sent.id}`),
      (r: Json) => r.items?.[0]?.status === "waiting",
      30_000,
      "the run waits for the approval",
    );

    const { page, problems } = await newPage(browser);
    await signIn(page, base, ada.email, PASSWORD);
    await page.getByRole("link", { name: /^Inbox/ }).click();
    const card = page.locator("[data-approval]", { hasText: "Approve order ord_77" });
    await card.waitFor();
    const facts = card.getByRole("definition");
    await expect.poll(() => facts.allTextContents()).toEqual(["12,500", "Dana Buyer"]);
    expect(await card.getByRole("term").allTextContents()).toEqual(["Amount", "Customer"]);
    // Expiry in the reader's time zone, saying which.
    expect(await card.getByTestId("expires").textContent()).toMatch(
      /^Expires .+ \([A-Za-z_/+-]+\)\.$/,
    );
    // One item per decision: no "Approve: …" task beside the approval.
    expect(await page.locator("[data-approval]").count()).toBe(1);
    await page.getByText("No open tasks for you.").waitFor();
    expect(await page.getByText(/Approve: /).count()).toBe(0);
    await expectAccessible(page, "inbox with an approval's facts");
    await shoot(page, "41-inbox-approval-facts", false);

    await card.getByRole("link", { name: "Approve order ord_77" }).click();
    await page.getByRole("heading", { name: "Approval", exact: true }).waitFor();
    await expect
      .poll(() => page.getByRole("definition").allTextContents())
      .toEqual(["12,500", "Dana Buyer"]);
    await expectAccessible(page, "approval page with its facts");
    await shoot(page, "42-approval-page", false);
    await page.getByRole("button", { name: "Approve" }).click();
    const decided = page.getByTestId("decided");
    await decided.waitFor();
    // Today as the browser writes it (its locale and time zone).
    const today = await page.evaluate(() =>
      new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(new Date()),
    );
    // What the person reads: the status word is capitalised by the page's CSS.
    // biome-ignore lint/performance/useDomNodeTextContent: rendered text is the point
    expect(await decided.innerText()).toMatch(
      new RegExp(
        `^Approved by ${ada.name} on ${today.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, \\d`,
      ),
    );
    await expectAccessible(page, "approval decided");
    await shoot(page, "43-approval-decided", false);
    const run = await eventually(
      () => t.api.must("GET", `/v1/runs?eventId=${sent.id}`),
      (r: Json) => r.items?.[0]?.status === "succeeded",
      30_000,
      "the run goes on after the decision",
    );
    expect(run.items[0].status).toBe("succeeded");
    // The run page's approval step lists the facts decided on, and who decided.
    await page.goto(`${base}/runs/${run.items[0].id}`);
    const step = page.locator("[data-run-step]").first();
    await step.getByText(`Approved by ${ada.name}`).waitFor();
    const terms = await step.getByRole("term").allTextContents();
    const values = await step.getByRole("definition").allTextContents();
    expect(Object.fromEntries(terms.map((term, i) => [term, values[i]]))).toMatchObject({
      Amount: "12,500",
      Customer: "Dana Buyer",
    });
    expect(problems).toEqual([]);
  });

  it("flags a static email of someone who is not a member before publishing, naming the step", async () => {
    const wf = await t.api.must("POST", "/v1/workflows", {
      name: "Tell someone",
      trigger: { event: EVENT },
      steps: [
        {
          id: "tell",
          name: "Tell the manager",
          action: "notify_user",
          config: { user: "nobody@example.com", message: "Order {{ order.id }} arrived" },
        },
      ],
      publish: false,
    });
    const page = owner;
    await page.goto(`${base}/workflows/${wf.id}`);
    await page.locator('[data-step="tell"] .select').click();
    const message =
      "The person to notify, nobody@example.com, is not a member of this workspace. Choose a member, or invite them in Settings → Members.";
    // Under the field, and in the editor's problem list, which names the step.
    await page.locator(".side .error", { hasText: message }).waitFor();
    expect(await page.locator("li", { hasText: message }).textContent()).toBe(
      `Tell the manager — user: ${message}`,
    );
    await expect
      .poll(() => page.locator("#problem-count").textContent())
      .toContain("1 problem to fix before publishing");
    expect(await page.getByRole("button", { name: "Publish" }).isDisabled()).toBe(true);
    expect(await page.getByTestId("cfg-user-chosen").textContent()).toBe(
      "nobody@example.com not a member",
    );
    await expectAccessible(page, "a non-member flagged");
    await shoot(page, "44-non-member-flagged");

    // Choosing a member by name clears it.
    const find = page.getByRole("combobox", { name: "User: find a member by name or email" });
    await find.fill("Approver");
    await find.press("ArrowDown");
    await find.press("Enter");
    await expect.poll(() => page.getByText(message, { exact: false }).count()).toBe(0);
    await expect.poll(() => page.locator("#problem-count").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Publish" }).isDisabled()).toBe(false);
    expect(ownerProblems).toEqual([]);
  });
});
