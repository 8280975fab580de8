// Data pills and numbers as people write them (issue 14, item 5): inserted
// data shows as a named chip, also while the field is edited (typed around,
// stepped over and deleted as one unit); the data picker is never clipped, only one is
// open at a time, Escape and a click outside close it, and it inserts where
// the cursor was; a condition's number is read the workspace's way
// ("5.000,50" in a German workspace), or the row says why not.
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
let workflowId: string;

beforeAll(async () => {
  browser = await launch();
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Pills");
  await t.api.must("PUT", "/v1/settings/tenant", { locale: "de", timezone: "Asia/Tokyo" });
  const wf = await t.api.must("POST", "/v1/workflows", {
    name: "Order confirmation",
    trigger: { event: "order.created" },
    steps: [
      {
        id: "confirm",
        name: "Confirm the order",
        action: "send_email",
        config: {
          to: "{{ order.customer.email }}",
          subject: "Order {{ order.id }}",
          body: "Thank you, {{ order.customer.name }}.",
        },
      },
    ],
  });
  workflowId = wf.id;
  ({ page, problems } = await newPage(browser));
  await signIn(page, base, t.email, t.password);
});

afterAll(async () => {
  await browser?.close();
});

/** What keeps the element from being wholly on screen and uncovered ("" when nothing does). */
const notFullyVisible = (sel: string) =>
  page.locator(sel).evaluate((el) => {
    const r = el.getBoundingClientRect();
    const box = `${Math.round(r.left)},${Math.round(r.top)} ${Math.round(r.width)}×${Math.round(r.height)} in ${innerWidth}×${innerHeight}`;
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
      return `off screen: ${box}`;
    for (const [x, y] of [
      // Inside its rounded corners.
      [r.left + 10, r.top + 10],
      [r.right - 10, r.top + 10],
      [r.left + 10, r.bottom - 10],
      [r.right - 10, r.bottom - 10],
    ]) {
      const hit = document.elementFromPoint(x!, y!);
      if (!el.contains(hit))
        return `covered at ${x},${y} by ${hit?.outerHTML.slice(0, 80)}: ${box}`;
    }
    return "";
  });

describe("data pills and the data picker", () => {
  /** The template text a chip field holds (what it saves). */
  const template = (label: string) =>
    page.getByLabel(label, { exact: true }).getAttribute("data-value");
  const chipsOf = (label: string) =>
    page.getByLabel(label, { exact: true }).locator(".pill").allTextContents();

  it("shows inserted data as named chips, while the field is edited too", async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    await page.locator(`[data-step="confirm"] .select`).click();
    const subject = page.getByLabel("Subject", { exact: true });
    await subject.waitFor();
    expect(await subject.getAttribute("role")).toBe("textbox");
    expect(await subject.textContent()).toBe("Order order › id");
    expect(await chipsOf("Subject")).toEqual(["order › id"]);
    expect(await subject.locator(".pill").getAttribute("title")).toBe("order.id");
    expect(await chipsOf("Body")).toEqual(["order › customer › name"]);
    await expectAccessible(page, "step with data pills");
    await shoot(page, "61-data-pills");

    // Editing keeps the chip a chip: no `{{` text appears.
    await subject.click();
    await page.keyboard.press("End");
    expect(await subject.textContent()).toBe("Order order › id");
    expect(await subject.textContent()).not.toContain("{{");
    // Typing after the chip, then before it: one arrow press steps over the whole chip.
    await page.keyboard.type(" now");
    await expect.poll(() => template("Subject")).toBe("Order {{ order.id }} now");
    for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowLeft");
    await page.keyboard.type("#");
    await expect.poll(() => template("Subject")).toBe("Order #{{ order.id }} now");
    expect(await chipsOf("Subject")).toEqual(["order › id"]);
    await expectAccessible(page, "a chip field being edited");
    await shoot(page, "65-data-pills-editing", false);

    // Backspace takes the chip away whole; a `{{ path }}` typed by hand becomes a chip again.
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("Backspace");
    await expect.poll(() => template("Subject")).toBe("Order # now");
    expect(await chipsOf("Subject")).toEqual([]);
    await page.keyboard.type("{{ order.id }}");
    await expect.poll(() => template("Subject")).toBe("Order #{{ order.id }} now");
    expect(await chipsOf("Subject")).toEqual(["order › id"]);
    // Delete takes the chip after the caret whole.
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Delete");
    await expect.poll(() => template("Subject")).toBe("Order # now");
    // A single-line field takes no line break.
    await page.keyboard.press("Enter");
    expect(await template("Subject")).toBe("Order # now");
    expect(problems).toEqual([]);
  });

  it("opens one picker at a time, never clipped; Escape and a click outside close it; it inserts at the cursor", async () => {
    const subject = page.getByLabel("Subject", { exact: true });
    const subjectPicker = page.getByRole("group", { name: "Data available for Subject" });
    const bodyPicker = page.getByRole("group", { name: "Data available for Body" });

    // Escape closes it.
    await page.getByRole("button", { name: "Insert data into Subject" }).click();
    await subjectPicker.waitFor();
    await expect
      .poll(() => notFullyVisible('[role="group"][aria-label="Data available for Subject"]'))
      .toBe("");
    await page.keyboard.press("Escape");
    await subjectPicker.waitFor({ state: "hidden" });

    // Opening another closes the first (by keyboard: the open list covers the next field).
    await page.getByRole("button", { name: "Insert data into Subject" }).click();
    await subjectPicker.waitFor();
    // Once the list has taken the focus (a frame after it opens), move on.
    await expect
      .poll(() =>
        subjectPicker
          .getByLabel("Filter data fields")
          .evaluate((el) => el === document.activeElement),
      )
      .toBe(true);
    await page.getByRole("button", { name: "Insert data into Body" }).focus();
    await page.keyboard.press("Enter");
    await bodyPicker.waitFor();
    expect(await subjectPicker.isVisible()).toBe(false);
    await expect
      .poll(() => notFullyVisible('[role="group"][aria-label="Data available for Body"]'))
      .toBe("");

    // A click outside closes it.
    await page
      .getByRole("heading", { name: /Confirm the order|Send an email/ })
      .first()
      .click();
    await bodyPicker.waitFor({ state: "hidden" });

    // It inserts a chip where the cursor was: between "Order " and the order's id.
    await subject.fill("Order {{ order.id }}");
    await expect.poll(() => chipsOf("Subject")).toEqual(["order › id"]);
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowLeft");
    await page.getByRole("button", { name: "Insert data into Subject" }).click();
    await subjectPicker.getByLabel("Filter data fields").fill("customer.name");
    await subjectPicker.getByRole("button", { name: /^order\.customer\.name\b/ }).click();
    await expect
      .poll(() => template("Subject"))
      .toBe("Order {{ order.customer.name }}{{ order.id }}");
    expect(await chipsOf("Subject")).toEqual(["order › customer › name", "order › id"]);
    expect(await subjectPicker.isVisible()).toBe(false);
    // The caret stays after the inserted chip.
    await page.keyboard.type(" & ");
    await expect
      .poll(() => template("Subject"))
      .toBe("Order {{ order.customer.name }} & {{ order.id }}");
    expect(problems).toEqual([]);
  });

  it("pastes plain text (its `{{ path }}` as chips), takes line breaks where it may, and saves the template", async () => {
    const body = page.getByLabel("Body", { exact: true });
    expect(await body.getAttribute("aria-multiline")).toBe("true");
    await body.click();
    await page.keyboard.press("Control+End");
    await page.keyboard.press("Enter");
    await body.evaluate((el, text) => {
      const data = new DataTransfer();
      data.setData("text/plain", text);
      data.setData("text/html", "<b>not this</b>");
      el.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }),
      );
    }, "Ref: {{ order.id }}");
    await expect
      .poll(() => template("Body"))
      .toBe("Thank you, {{ order.customer.name }}.\nRef: {{ order.id }}");
    expect(await chipsOf("Body")).toEqual(["order › customer › name", "order › id"]);
    expect(await body.locator("b").count()).toBe(0);
    await page.keyboard.type("!");
    // Copying carries the template text, chips as their `{{ … }}`.
    const copied = await body.evaluate((el) => {
      getSelection()?.selectAllChildren(el);
      const data = new DataTransfer();
      el.dispatchEvent(
        new ClipboardEvent("copy", { clipboardData: data, bubbles: true, cancelable: true }),
      );
      return data.getData("text/plain");
    });
    expect(copied).toBe("Thank you, {{ order.customer.name }}.\nRef: {{ order.id }}!");

    // "Edit as text" shows the template's own text (to change what a chip says); the
    // chips come back as written, `{{order.id}}` kept as it was typed.
    const asText = page.getByRole("button", { name: "Edit as text: Subject" });
    await asText.click();
    const subjectText = page.getByLabel("Subject", { exact: true });
    expect(await subjectText.inputValue()).toBe("Order {{ order.customer.name }} & {{ order.id }}");
    await subjectText.fill("Order {{ order.customer.name }} & {{order.id}}");
    await asText.click();
    await expect.poll(() => chipsOf("Subject")).toEqual(["order › customer › name", "order › id"]);
    expect(await template("Subject")).toBe("Order {{ order.customer.name }} & {{order.id}}");

    await page.getByRole("button", { name: "Publish", exact: true }).click();
    await expect
      .poll(() => page.getByTestId("notice").textContent())
      .toContain("Published version");
    const saved = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    expect(saved.definition.steps[0].config).toEqual({
      to: "{{ order.customer.email }}",
      subject: "Order {{ order.customer.name }} & {{order.id}}",
      body: "Thank you, {{ order.customer.name }}.\nRef: {{ order.id }}!",
    });
    expect(problems).toEqual([]);
  });
});

describe("dates in the workspace's time zone and locale", () => {
  it("the workflow list writes when a workflow changed the workspace's way (German, Tokyo time)", async () => {
    const wf = await t.api.must("GET", `/v1/workflows/${workflowId}`);
    const expected = new Intl.DateTimeFormat("de", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "Asia/Tokyo",
    }).format(new Date(wf.updatedAt));
    await page.goto(`${base}/workflows`);
    const row = page.getByRole("row").filter({ hasText: "Order confirmation" });
    await expect.poll(() => row.locator("td.when").last().textContent()).toBe(expected);
  });
});

describe("numbers as people write them", () => {
  it("reads 5.000,50 in a German workspace, and says why 5,000.50 is not a number there", async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    await page.getByTestId("filter-card").click();
    await page.getByRole("button", { name: "Add condition" }).click();
    await page.getByLabel("Field 1").fill("order.amount");
    await page.getByLabel("Operator 1").selectOption(">=");
    await page.getByLabel("Value type 1").selectOption("number");
    await page.getByLabel("Value 1", { exact: true }).fill("5.000,50");
    await expect
      .poll(() => page.getByTestId("filter-expression").textContent())
      .toBe("order.amount >= 5000.5");
    expect(await page.getByRole("alert").filter({ hasText: "is not a number" }).count()).toBe(0);

    await page.getByLabel("Value 1", { exact: true }).fill("5,000.50");
    await page
      .getByRole("alert")
      .filter({
        hasText:
          "“5,000.50” is not a number in this workspace (it writes decimals with “,”); write it like 5.000,50.",
      })
      .waitFor();
    expect(await page.getByLabel("Value 1", { exact: true }).getAttribute("aria-invalid")).toBe(
      "true",
    );
    await expectAccessible(page, "condition row with a number it cannot read");
    await shoot(page, "62-number-in-words");
    expect(problems).toEqual([]);
  });
});
