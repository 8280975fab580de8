// Issue 15, part 3, acted out in a browser: a person builds "Quote
// follow-up" by visible labels — when a quote is sent, wait up to 7 days for
// that quote to be accepted, and if nothing arrives, remind Sam — and
// publishes. A quote is sent through the API: its run page says what it
// waits for and until when; an acceptance of another quote leaves it
// waiting, this quote's resumes it, and the page shows the event. A second
// quote's run is listed among the open waits, and Sam stops it with "Stop
// waiting": the run takes the "If nothing arrives" branch and says who
// stopped it.
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
const MATCH = "event.data.quote_id == quote.id";

let browser: Browser;
let t: Tenant;
let owner: Page;
let ownerProblems: string[];
let workflowId = "";
const sam = { email: `sam-${rand()}@example.com`, name: "Sam Sales" };

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Waits");
  await addMember(t.api, sam.email, "editor", { password: PASSWORD, name: sam.name });
  // The data pickers know both events' fields.
  await t.api.must("PUT", "/v1/event-types/quote.sent", {
    sample: { id: "q_1", customer: "Acme", amount: 1200 },
  });
  await t.api.must("PUT", "/v1/event-types/quote.accepted", {
    sample: { quote_id: "q_1", accepted_by: "Dana" },
  });
  ({ page: owner, problems: ownerProblems } = await newPage(browser));
  await signIn(owner, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

async function runOf(eventId: string): Promise<Json> {
  const page = await eventually(
    () => t.api.must("GET", `/v1/runs?eventId=${eventId}`),
    (r: Json) => r.items?.[0]?.status === "waiting",
    30_000,
    "the run waits for the event",
  );
  return page.items[0];
}

describe("wait for an event, built and run in the builder", () => {
  it("builds Quote follow-up by its labels and publishes it", async () => {
    const page = owner;
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByLabel("Workflow name").fill("Quote follow-up");
    await page.getByTestId("trigger-card").click();
    await page.getByLabel("When this event happens").fill("quote.sent");

    await page.getByRole("button", { name: "Add Wait for an event at the end" }).click();
    const card = page.locator('[data-step="wait_for_event"]');
    await card.waitFor();
    // Problems in this form's words, under the field they are about.
    await page.locator("#wait-event-problems").getByText("Choose the event to wait for.").waitFor();
    await page.getByLabel("Event type").fill("quote.accepted");
    await page.getByLabel("Event type").press("Enter");
    await page
      .getByRole("list", { name: "Event types waited for" })
      .getByText("quote accepted")
      .waitFor();

    // "Only the event where": the event's quote id is the run's quote id.
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Field 1").fill("event.data.quote_id");
    expect(await page.getByLabel("Value type 1").inputValue()).toBe("data");
    await page.getByLabel("Value 1").fill("quote.id");
    await expect.poll(() => page.getByTestId("wait-match-expression").textContent()).toBe(MATCH);
    // Up to 7 days, said as days.
    expect(await page.getByLabel("Wait at most: amount").inputValue()).toBe("7");
    expect(await page.getByLabel("Wait at most: unit").inputValue()).toBe("d");
    await page.getByLabel("Wait at most: amount").fill("40");
    await page
      .locator("#wait-timeout-problems")
      .getByText("Wait at least 1 minute and at most 30 days.")
      .waitFor();
    await page.getByLabel("Wait at most: amount").fill("7");
    await expect
      .poll(async () => (await page.locator("#wait-timeout-problems").textContent())?.trim())
      .toBe("");
    await expect
      .poll(() => card.locator(".summary").textContent())
      .toBe("Waits up to 7 days for quote accepted where quote id is the quote's id");

    // If nothing arrives: remind Sam, added inside the branch like in Yes / No.
    const branch = page.locator('[data-branch="onTimeout"]');
    expect(await branch.locator(".branch-label").textContent()).toBe(
      "If nothing arrives in 7 days",
    );
    await page
      .getByRole("button", {
        name: "Add step in the If nothing arrives in 7 days branch of Wait for an event",
      })
      .click();
    await page
      .getByRole("group", { name: /^Choose a step to add in the If nothing arrives/ })
      .getByRole("button", { name: "Notify a member" })
      .click();
    await branch.locator('[data-step="notify_user"]').waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Remind Sam");
    const find = page.getByRole("combobox", { name: /find a member by name or email/ });
    await find.fill("sam");
    await page.getByRole("option", { name: new RegExp(sam.name) }).click();
    await page.locator("#cfg-message").fill("Quote {{ quote.id }} was not accepted within a week");
    await expect.poll(() => page.locator("#problem-count").count()).toBe(0);

    // The side panel of the wait, for the picture and axe.
    await card.locator(".select").click();
    await page.getByRole("heading", { name: "Wait for an event" }).waitFor();
    await expectAccessible(page, "the wait for an event step and its side panel");
    await shoot(page, "67-wait-for-event-editor");
    // The preview says what the sample would wait for.
    await page.getByRole("tab", { name: "Preview" }).click();
    await expect
      .poll(() => page.getByTestId("preview-wait").textContent())
      .toBe(
        "Waits up to 7 days for quote accepted where quote id is the quote's id (for this sample: quote id is q_1).",
      );
    await page.getByRole("tab", { name: "Configure" }).click();

    await page.getByRole("button", { name: "Publish" }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version 1");
    workflowId = new URL(page.url()).pathname.split("/").pop() ?? "";
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.steps).toEqual([
      {
        id: "wait_for_event",
        name: "Wait for an event",
        waitFor: { event: "quote.accepted", match: MATCH, timeout: "168h" },
        onTimeout: [
          {
            id: "notify_user",
            name: "Remind Sam",
            action: "notify_user",
            config: {
              user: sam.email,
              message: "Quote {{ quote.id }} was not accepted within a week",
            },
          },
        ],
      },
    ]);
  });

  it("waits for this quote's acceptance, not another's, and shows the event that resumed it", async () => {
    const page = owner;
    const sent = await t.api.must("POST", "/v1/events", {
      type: "quote.sent",
      data: { id: "q_42", customer: "Acme", amount: 1200 },
    });
    const run = await runOf(sent.id);
    await page.goto(`${base}/runs/${run.id}`);
    const waiting = page.getByTestId("wait-waiting");
    await waiting.waitFor();
    expect(await waiting.textContent()).toMatch(
      /^\s*Waiting for quote accepted where quote id is q_42 until .+ \([A-Za-z_/+-]+\)\.\s*$/,
    );
    expect(await page.getByTestId("run-summary").textContent()).toBe(
      "Waiting at step “Wait for an event” for an event.",
    );
    await page.getByRole("button", { name: "Stop waiting" }).waitFor();
    await expectAccessible(page, "a run waiting for an event");
    await shoot(page, "68-run-waiting-for-event");

    // Another quote's acceptance: still waiting.
    const other = await t.api.must("POST", "/v1/events", {
      type: "quote.accepted",
      data: { quote_id: "q_7", accepted_by: "Someone" },
    });
    await eventually(
      () => t.api.must("GET", `/v1/events/${other.id}`),
      (e: Json) => e.status === "matched" || e.status === "failed",
      15_000,
      "the other acceptance is processed",
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect((await t.api.must("GET", `/v1/runs/${run.id}`)).status).toBe("waiting");

    // This quote's acceptance resumes it.
    const accepted = await t.api.must("POST", "/v1/events", {
      type: "quote.accepted",
      data: { quote_id: "q_42", accepted_by: "Dana Buyer" },
    });
    const resumed = page.getByTestId("wait-resumed");
    await resumed.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 })
      .toBe("Succeeded");
    expect(await resumed.locator(".headline").textContent()).toMatch(
      /^Event quote accepted arrived .+, so the run went on\.$/,
    );
    expect(await resumed.getByRole("term").allTextContents()).toEqual(["Quote id", "Accepted by"]);
    expect(await resumed.getByRole("definition").allTextContents()).toEqual(["q_42", "Dana Buyer"]);
    expect(
      await resumed
        .getByRole("link", { name: "See the quote accepted event" })
        .getAttribute("href"),
    ).toBe(`/events/${accepted.id}`);
    // The reminder did not run.
    expect(await page.locator('[data-run-step="notify_user"]').textContent()).toContain(
      "Skipped: the event arrived in time.",
    );
    await expectAccessible(page, "a run resumed by an event");
    await shoot(page, "69-run-resumed-by-event");
    expect(ownerProblems).toEqual([]);
  });

  it("lists the open waits, and Stop waiting takes the If nothing arrives branch, saying who", async () => {
    const sent = await t.api.must("POST", "/v1/events", {
      type: "quote.sent",
      data: { id: "q_43", customer: "Beta", amount: 800 },
    });
    const run = await runOf(sent.id);
    const { page, problems } = await newPage(browser);
    await signIn(page, base, sam.email, PASSWORD);
    await page.goto(`${base}/runs?workflowId=${workflowId}`);
    const waits = page.getByTestId("open-waits");
    await waits.waitFor();
    const item = waits.locator(`[data-wait="${run.id}/wait_for_event"]`);
    await item.waitFor();
    expect(await item.locator(".what").textContent()).toMatch(
      /Run of Quote follow-up, waiting since .+:\s+“Wait for an event” waits for quote accepted where quote id is q_43\s+until .+ \([A-Za-z_/+-]+\)\./,
    );
    await expectAccessible(page, "the runs waiting for an event");
    await shoot(page, "70-open-waits");

    await item.getByRole("link", { name: /^Run of Quote follow-up/ }).click();
    await page.getByTestId("wait-waiting").waitFor();
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Stop waiting" }).click();
    const ended = page.getByTestId("wait-ended");
    await ended.waitFor({ timeout: 30_000 });
    await expect
      .poll(() => ended.textContent(), { timeout: 15_000 })
      .toBe("Stopped waiting by Sam Sales, so “If nothing arrives in 7 days” ran.");
    await expect
      .poll(() => page.getByTestId("run-status").textContent(), { timeout: 30_000 })
      .toBe("Succeeded");
    // The reminder ran: Sam has the notification.
    const reminder = page.locator('[data-run-step="notify_user"]');
    await expect.poll(() => reminder.locator(".badge").first().textContent()).toBe("Succeeded");
    expect(await reminder.textContent()).toContain("Quote q_43 was not accepted within a week");
    await expectAccessible(page, "a run whose wait was stopped");
    await shoot(page, "71-run-stopped-waiting");

    // The open waits no longer list it.
    await eventually(
      () => t.api.must("GET", `/v1/waits?workflowId=${workflowId}`),
      (open: Json) => !open.items.some((w: Json) => w.runId === run.id),
      15_000,
      "the stopped wait leaves the open waits",
    );
    expect(problems).toEqual([]);
  });
});
