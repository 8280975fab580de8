// Moving a step into and out of a branch with the keyboard alone: the step's
// "Move…" menu offers the places one move away, the move is announced, and
// focus stays on the moved step.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectAccessible, launch, shoot, signIn, watchConsole } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let page: Page;
let consoleProblems: string[];

beforeAll(async () => {
  browser = await launch();
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    bypassCSP: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("dialog", (d) => d.accept());
  consoleProblems = watchConsole(page);
});

afterAll(async () => {
  await browser?.close();
});

/** The step id of the focused element's card, and the focused element's text. */
const focused = () =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      step: el?.closest("[data-step]")?.getAttribute("data-step") ?? null,
      text: el?.textContent?.trim() ?? "",
    };
  });

/** The accessible name of the list the step's card sits in. */
const listOf = (id: string) =>
  page
    .locator(`[data-step="${id}"]`)
    .evaluate((el) => el.closest("ol")?.getAttribute("aria-label") ?? null);

/** Tabs through the open move menu until `label` has focus, then presses Enter. */
async function choose(label: string): Promise<void> {
  // The menu opens and takes focus a tick after Enter: wait for that first,
  // or a Tab would leave the Move… button instead of walking the menu.
  await expect
    .poll(() =>
      page.evaluate(
        () =>
          document.activeElement
            ?.closest('[role="group"]')
            ?.getAttribute("aria-label")
            ?.startsWith("Where to move") ?? false,
      ),
    )
    .toBe(true);
  for (let i = 0; i < 12; i++) {
    if ((await focused()).text === label) {
      await page.keyboard.press("Enter");
      return;
    }
    await page.keyboard.press("Tab");
  }
  throw new Error(`"${label}" never took focus`);
}

const announcement = () =>
  page
    .locator(".sr-only[aria-live]")
    .filter({ hasText: /Moved|Added/ })
    .textContent();

describe("moving a step by keyboard", () => {
  it("moves a new Wait into the Yes branch and out again, announced, focus kept", async () => {
    await signIn(page, base, "admin@acme.example", vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.goto(`${base}/workflows/new?template=big-order-approval`);
    await page.locator('[data-step="decide"]').waitFor();

    // Add a Wait at the end, keyboard only
    await page.getByRole("button", { name: "Add step at the end of steps" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Wait", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.locator('[data-step="wait"]').waitFor();
    expect(await listOf("wait")).toBe("Steps");

    // Open its Move… menu: the first place has focus
    await page.getByRole("button", { name: "Move Wait to…" }).focus();
    await page.keyboard.press("Enter");
    const menu = page.getByRole("group", { name: "Where to move Wait" });
    await menu.waitFor();
    expect(await menu.getByRole("button").allTextContents()).toEqual([
      "Up",
      "Into the Yes branch of Approved? (at the end)",
      "Into the No branch of Approved? (at the end)",
      "Cancel",
    ]);
    await expect.poll(async () => (await focused()).text).toBe("Up");
    await expectAccessible(page, "move menu");

    // Escape closes it, back on the Move… button
    await page.keyboard.press("Escape");
    await expect.poll(() => menu.count()).toBe(0);
    await expect.poll(focused).toEqual({ step: "wait", text: "Move…" });

    // Into the Yes branch of Approved?
    await page.keyboard.press("Enter");
    await menu.waitFor();
    await choose("Into the Yes branch of Approved? (at the end)");
    await expect.poll(() => listOf("wait")).toBe("the Yes branch of Approved?");
    await expect.poll(focused).toEqual({ step: "wait", text: "Move…" });
    await expect
      .poll(announcement)
      .toBe("Moved Wait to the Yes branch of Approved?, position 2 of 2.");
    const thenOrder = await page
      .getByRole("list", { name: "the Yes branch of Approved?" })
      .locator("[data-step]")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-step")));
    expect(thenOrder).toEqual(["mark_approved", "wait"]);

    // And out again, below the if/else block
    await page.keyboard.press("Enter");
    await page.getByRole("group", { name: "Where to move Wait" }).waitFor();
    await shoot(page, "09-move-menu", false);
    await choose("Out, below Approved?");
    await expect.poll(() => listOf("wait")).toBe("Steps");
    await expect.poll(focused).toEqual({ step: "wait", text: "Move…" });
    await expect.poll(announcement).toBe("Moved Wait to the main steps, position 3 of 3.");

    // Up once, from the same menu, then into the No branch of the block below
    await page.keyboard.press("Enter");
    await choose("Up");
    const order = () =>
      page
        .locator("[data-step]")
        .evaluateAll((els) => els.map((e) => e.getAttribute("data-step")).join(","));
    await expect.poll(order).toBe("approve,wait,decide,mark_approved,email_customer");
    await expect.poll(focused).toEqual({ step: "wait", text: "Move…" });
    await page.keyboard.press("Enter");
    await choose("Into the No branch of Approved? (at the start)");
    await expect.poll(() => listOf("wait")).toBe("the No branch of Approved?");
    await expect.poll(focused).toEqual({ step: "wait", text: "Move…" });

    expect(await page.locator("#problem-count").count()).toBe(0);
    expect(consoleProblems).toEqual([]);
  });
});
