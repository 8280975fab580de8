// Issue 14, item 4: a draft saves itself while incomplete, and leaving the
// editor never loses work; item 9: the editor names the other workflows the
// same event, or a step's record write, starts. Acted out by visible labels.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let page: Page;
let problems: string[];
let t: Tenant;
let workflowId = "";

const saveState = () => page.getByTestId("save-state");
const publish = () => page.getByRole("button", { name: "Publish", exact: true });
const nameField = () => page.getByLabel("Workflow name");

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Drafts");
  const pause = [{ id: "pause", name: "Pause", delay: "1h" }];
  await t.api.must("POST", "/v1/workflows", {
    name: "Also on payments",
    trigger: { event: "payment.received" },
    steps: pause,
  });
  await t.api.must("POST", "/v1/workflows", {
    name: "Contract bookkeeping",
    trigger: { event: "contract.updated" },
    steps: pause,
  });
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

describe("drafts that save while incomplete", () => {
  it("saves half a workflow by itself, with its problems listed and Publish held back", async () => {
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /^Payment received/ }).click();
    await page.getByTestId("trigger-card").waitFor();
    await nameField().fill("Half a payment flow");
    // An email step with nothing filled in yet.
    await page.getByRole("button", { name: "Add Send email at the end" }).click();
    await expect
      .poll(() => page.locator("#problem-count").textContent())
      .toMatch(/^\d+ problems to fix before publishing/);
    // Saved a moment after the last edit, problems and all: it now has an address.
    await page.waitForURL(/\/workflows\/wf_/);
    workflowId = new URL(page.url()).pathname.split("/").pop() ?? "";
    await expect.poll(() => saveState().textContent(), { timeout: 10_000 }).toBe("Saved");
    expect(await page.getByRole("alert").count()).toBe(0);
    expect(await publish().isDisabled()).toBe(true);
    expect(await publish().getAttribute("aria-describedby")).toBe("problem-count");
    // Each problem in words, opening the step it is about.
    const list = page.locator("#problem-list");
    expect(await list.textContent()).toContain("Send email — to");
    await list.getByRole("button", { name: "Send email" }).first().click();
    await page.getByRole("heading", { name: "Send email" }).waitFor();
    await expectAccessible(page, "a draft with problems");
    await shoot(page, "50-draft-with-problems");
    // The server holds it as a draft with the same problems.
    const wf = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(wf).toMatchObject({ name: "Half a payment flow", liveVersion: null, draftVersion: 1 });
    expect(wf.problems.length).toBeGreaterThan(0);
  });

  it("names the other workflows the same event and the record write start", async () => {
    const notice = page.getByTestId("interactions");
    await notice.waitFor();
    const same = await notice.getByTestId("same-trigger").textContent();
    expect(same).toContain("Another workflow also starts when payment.received happens");
    await notice.getByRole("link", { name: "Also on payments" }).waitFor();
    const effect = await notice.getByTestId("effect").textContent();
    expect(effect).toContain("“Mark the contract paid” writes a contract record, which starts");
    expect(effect).toContain("Contract bookkeeping (contract.updated)");
    expect(
      await notice.getByRole("link", { name: "Contract bookkeeping" }).getAttribute("href"),
    ).toMatch(/^\/workflows\/wf_/);
    await shoot(page, "51-interactions");
  });

  it("leaving right after an edit keeps it, and so does a reload", async () => {
    await nameField().fill("Half a payment flow, edited");
    // Straight away, before the pause: leaving saves.
    await page.getByRole("link", { name: "← Workflows" }).click();
    const link = page.getByRole("link", { name: "Half a payment flow, edited", exact: true });
    await link.waitFor();
    await link.click();
    await expect.poll(() => nameField().inputValue()).toBe("Half a payment flow, edited");
    await expect
      .poll(() => page.locator("#problem-count").textContent())
      .toMatch(/^\d+ problems to fix before publishing/);

    await nameField().fill("Half a payment flow, reloaded");
    await expect.poll(() => saveState().textContent(), { timeout: 10_000 }).toBe("Saved");
    await page.reload();
    await expect.poll(() => nameField().inputValue()).toBe("Half a payment flow, reloaded");
    // Pauses in typing wrote over the one draft: no version per save.
    const versions = await t.api.must("GET", `/v1/workflows/${workflowId}/versions`);
    expect(versions.items).toHaveLength(1);
  });

  it("publishing waits until the problems are fixed", async () => {
    const refused = await t.api.call("POST", `/v1/workflows/${workflowId}/publish`, {
      body: { version: 1 },
    });
    expect(refused.status).toBe(422);
    expect(await publish().isDisabled()).toBe(true);
    // The history says which version has problems, and offers no Publish for it.
    await page.getByRole("tab", { name: "History" }).click();
    const row = page.locator('[data-version="1"]');
    await expect.poll(() => row.textContent()).toMatch(/\d+ problems/);
    expect(await row.textContent()).toContain("fix its problems to publish it");
    expect(await row.getByRole("button", { name: "Publish v1" }).count()).toBe(0);
    await expectAccessible(page, "history of a draft with problems");
    await shoot(page, "52-history-draft-problems");
    await page.getByRole("button", { name: "Delete Send email" }).click();
    await expect.poll(() => page.locator("#problem-count").count()).toBe(0);
    await expect.poll(() => publish().isEnabled()).toBe(true);
    await publish().click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version");
    const wf = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(wf.liveVersion).not.toBeNull();
    expect(wf.problems).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("the audit log says who saved the draft by name, its autosaves folded into one line", async () => {
    const me = (await t.api.must("GET", "/v1/members")).items.find(
      (m: { email: string }) => m.email === t.email,
    );
    const saves = (await t.api.must("GET", "/v1/audit?type=workflow.updated")).items.filter(
      (e: { subject: string }) => e.subject === workflowId,
    );
    expect(saves.length).toBeGreaterThan(1);
    await page.getByRole("link", { name: "Audit log" }).click();
    const table = page.getByTestId("audit");
    const folded = table.getByRole("row").filter({ hasText: /Draft saved \d+ times/ });
    await folded.first().waitFor();
    const row = folded.first();
    await expect
      .poll(() => row.getByRole("button").first().textContent())
      .toBe(me.name || me.email);
    expect(await row.getByRole("link").first().textContent()).toMatch(
      /^Half a payment flow|^Payment flow/,
    );
    expect(await row.textContent()).toContain("saved as a draft");
    // No ids where people read.
    expect(await table.textContent()).not.toMatch(/\bus_|\bkey_|\bwf_|\btn_/);
    await shoot(page, "65-audit-in-words");
    const before = await table.getByRole("row").count();
    const count = Number(/Draft saved (\d+) times/.exec((await row.textContent()) ?? "")?.[1]);
    await row.getByRole("button", { name: "Show each" }).click();
    await expect.poll(() => table.getByRole("row").count()).toBe(before + count - 1);
    // Only this person's doings, chosen by name.
    await page.getByLabel("Who").selectOption({ label: me.name || me.email });
    await expect
      .poll(async () => new Set(await table.locator("tbody tr td:nth-child(3)").allTextContents()))
      .toEqual(new Set([me.name || me.email]));
    await expectAccessible(page, "the audit log in people's words");
    expect(problems).toEqual([]);
    await page.goto(`${base}/workflows/${workflowId}`);
    await expect.poll(() => nameField().inputValue()).toBe("Half a payment flow, reloaded");
  });

  it("signing out right after an edit keeps it", async () => {
    await nameField().fill("Payment flow, signed out at once");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Email").waitFor();
    const wf = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(wf.name).toBe("Payment flow, signed out at once");
    expect(problems).toEqual([]);
  });
});
