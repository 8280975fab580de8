// Issue 15, part 1: a person who never writes cron puts a workflow on a
// schedule — "Every week on Monday at 09:00" in Amsterdam — sees the next ten
// times and the sentence on the canvas, hands the schedule's time to a step
// from the data list, and publishes; the API holds the cron. Daylight-saving
// wording is pinned in schedule-model.test.ts (the browser's clock is not ours).
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

const sentence = () => page.getByTestId("trigger-card").getByTestId("trigger-schedule");

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Schedules");
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

describe("a workflow on a schedule, set up in words", () => {
  it("puts a new workflow on a weekly schedule and shows its next ten times", async () => {
    await page.getByRole("button", { name: "New workflow" }).click();
    await page.getByRole("button", { name: /Blank workflow/ }).click();
    await page.getByTestId("trigger-card").waitFor();
    await page.getByLabel("Workflow name").fill("Monday digest");
    await page.getByTestId("trigger-card").click();
    await page.getByRole("radio", { name: "On a schedule" }).check();
    // A new schedule starts as every hour.
    expect(await page.getByLabel("How often").inputValue()).toBe("hours");
    await expect.poll(() => sentence().textContent()).toBe("Every hour");

    await page.getByLabel("How often").selectOption({ label: "Every week" });
    const days = page.getByRole("group", { name: "On", exact: true });
    for (const day of ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
      await days.getByLabel(day).uncheck();
    }
    await days.getByLabel("Monday").check();
    await page.getByLabel("At", { exact: true }).fill("09:00");
    await page.getByLabel("Time zone").selectOption("Europe/Amsterdam");
    await expect
      .poll(() => sentence().textContent())
      .toBe("Every Monday at 09:00 (Europe/Amsterdam time)");
    expect(await page.getByTestId("schedule-sentence").textContent()).toBe(
      "Every Monday at 09:00 (Europe/Amsterdam time)",
    );
    // The daylight-saving rule beside the zone, in words.
    expect(await page.locator("#schedule-dst-rule").textContent()).toContain(
      "02:30 on a spring-forward night fires at 03:00",
    );
    // The next ten times, each a Monday at 09:00 on the Amsterdam clock.
    const next = page.getByRole("list", { name: "Next 10 times" }).getByRole("listitem");
    await expect.poll(() => next.count()).toBe(10);
    for (const text of await next.allTextContents()) expect(text).toMatch(/Monday.*\b0?9:00/);
    // Starting just before next spring's change, the list says where the clocks move.
    const year = new Date().getFullYear() + 1;
    await page.getByLabel("Starts (optional)").fill(`${year}-03-20T00:00`);
    await expect
      .poll(async () => (await next.allTextContents()).join("\n"))
      .toMatch(/Clocks went forward before this one \(UTC\+02:00 from now on\)/);
    expect(await next.count()).toBe(10);
    // What each run gets, for templates and filters.
    await page.getByText("schedule.nominal", { exact: true }).waitFor();
  });

  it("says what is wrong under the field, and switching back and forth keeps both triggers", async () => {
    await page.getByLabel("How often").selectOption({ label: "Custom (cron)" });
    expect(await page.getByLabel("Cron pattern").inputValue()).toBe("0 9 * * 1");
    await page.getByLabel("Cron pattern").fill("0 9 * *");
    const repeat = page.getByRole("group", { name: "Repeat" });
    await expect.poll(() => repeat.locator(".error").textContent()).toContain("expected 5 fields");
    await page.getByLabel("Cron pattern").fill("0 9 * * 1");
    await expect.poll(() => repeat.locator(".error").count()).toBe(0);
    await page.getByLabel("How often").selectOption({ label: "Every week" });
    expect(
      await page.getByRole("group", { name: "On", exact: true }).getByLabel("Monday").isChecked(),
    ).toBe(true);

    await page.getByRole("radio", { name: "When an event happens" }).check();
    expect(await page.getByLabel("When this event happens").inputValue()).toBe("order.created");
    await page.getByRole("radio", { name: "On a schedule" }).check();
    await expect
      .poll(() => sentence().textContent())
      .toBe("Every Monday at 09:00 (Europe/Amsterdam time)");
    // Not a thing a person sends: a schedule's own event is not offered as an event type.
    expect(await page.locator('#event-types option[value="schedule.fired"]').count()).toBe(0);

    await expectAccessible(page, "the schedule editor");
    // Tall enough that the side panel shows the whole schedule and its next times.
    const size = page.viewportSize();
    await page.setViewportSize({ width: 1280, height: 1900 });
    await shoot(page, "schedule-editor");
    if (size) await page.setViewportSize(size);
    await page.getByLabel("Starts (optional)").fill("");
  });

  it("hands the schedule's time to a step and publishes the cron", async () => {
    await page.getByRole("button", { name: "Add Send email at the end" }).click();
    await page.locator("#cfg-to").fill("team@example.com");
    await page.getByRole("button", { name: "Insert data into Subject" }).click();
    const picker = page.getByRole("group", { name: "Data available for Subject" });
    await picker.getByLabel("Filter data fields").fill("nominal");
    await picker.getByRole("button", { name: /^schedule\.nominal\b/ }).click();
    await page.locator("#cfg-body").fill("This week's digest.");
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent(), { timeout: 10_000 })
      .toContain("Published version");
    await page.waitForURL(/\/workflows\/wf_/);
    const id = new URL(page.url()).pathname.split("/").pop() ?? "";

    const wf = await t.api.must("GET", `/v1/workflows/${id}`);
    expect(wf.definition.name).toBe("Monday digest");
    expect(wf.definition.trigger).toEqual({
      schedule: { cron: "0 9 * * 1", timezone: "Europe/Amsterdam" },
    });
    expect(wf.definition.steps[0].config.subject).toContain("{{ schedule.nominal }}");
    expect(problems).toEqual([]);
  });
});
