// Issue 14, item 10: the small defects seen in the builder, each acted out as
// a person meets it, by visible labels and roles.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Client, newTenant, rand } from "../security/api.ts";
import { expectAccessible, launch, newPage, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const ADMIN = "admin@acme.example";
const demo = new Client(base, { key: vars.SWITCHYARD_DEMO_API_KEY });

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe("the small defects of issue 14", () => {
  it("a draft with a problem saves, listing each problem once, with no page error", async () => {
    const name = `Refused save ${rand(5)}`;
    await demo.must("POST", "/v1/workflows", {
      name,
      trigger: { event: "order.created" },
      steps: [{ id: "pause", name: "Pause", delay: "1h" }],
    });
    const { page, problems } = await newPage(browser);
    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByTestId("trigger-card").waitFor();
    const card = page.getByRole("group", { name: /^Pause/ });
    await card.getByRole("button", { name: /^Wait Pause/ }).click();
    await page.getByLabel("Wait for: amount").fill("");
    await expect.poll(() => page.getByText("1 problem to fix before publishing").count()).toBe(1);

    // The draft saves with its problem (issue 14, item 4); each problem shows once.
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Saved draft version 2").waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
    await expect.poll(() => card.getByText(/^\d+ problems?$/).textContent()).toBe("1 problem");
    // Its message is shown once under the field, and once in the list of the draft's problems.
    const message = page.getByText('expected a duration such as "30s"');
    expect(await message.count()).toBe(2);
    expect(await page.getByText("1 problem to fix before publishing").count()).toBe(1);
    expect(await page.getByRole("button", { name: "Publish", exact: true }).isDisabled()).toBe(
      true,
    );
    // No each_key_duplicate page error, nothing refused.
    expect(problems).toEqual([]);

    // Fixed in the editor, the problem goes; the same draft is saved again.
    await page.getByLabel("Wait for: amount").fill("2");
    await expect.poll(() => card.getByText(/^\d+ problems?$/).count()).toBe(0);
    expect(await message.count()).toBe(0);
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Saved draft version 2").waitFor();
  });

  it("Publish is offered only when there is something to publish", async () => {
    const name = `Nothing to publish ${rand(5)}`;
    await demo.must("POST", "/v1/workflows", {
      name,
      trigger: { event: "order.created" },
      steps: [{ id: "pause", name: "Pause", delay: "1h" }],
    });
    const { page, problems } = await newPage(browser);
    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByTestId("trigger-card").waitFor();
    const publish = page.getByRole("button", { name: "Publish" });
    // Version 1 is live and nothing changed.
    expect(await publish.isDisabled()).toBe(true);
    await page.getByLabel("Workflow name").fill(`${name} renamed`);
    expect(await publish.isEnabled()).toBe(true);
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.getByText("Saved draft version 2").waitFor();
    // The saved draft is something to publish.
    expect(await publish.isEnabled()).toBe(true);
    await publish.click();
    await page.getByText("Published version 2").waitFor();
    expect(await publish.isDisabled()).toBe(true);
    expect(problems).toEqual([]);
  });

  it("an unknown address shows a page in the builder's style with a way back", async () => {
    const { page, problems } = await newPage(browser);
    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.goto(`${base}/workflow/nothing-here`);
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    expect(await page.getByRole("main").textContent()).toContain("/workflow/nothing-here");
    // Inside the shell, set off from the window's edge like every page.
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    const box = await page.getByRole("heading", { name: "Page not found" }).boundingBox();
    expect(box?.x).toBeGreaterThan(16);
    await expectAccessible(page, "page not found");
    await page.getByRole("link", { name: "Go to your workflows" }).click();
    await page.getByRole("heading", { name: "Workflows", exact: true }).waitFor();
    // A mistyped address is not a fault: nothing logged.
    expect(problems).toEqual([]);
  });

  it("a test run's result comes into view, its run id a link to the run", async () => {
    const name = `Test run ${rand(5)}`;
    await demo.must("POST", "/v1/workflows", {
      name,
      trigger: { event: "order.created" },
      steps: [
        {
          id: "note",
          name: "Note it",
          action: "update_record",
          config: { type: "note", id: `n_${rand(6)}`, fields: { seen: true } },
        },
      ],
    });
    const { page, problems } = await newPage(browser);
    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByTestId("trigger-card").waitFor();
    await page.getByRole("tab", { name: "Preview" }).click();
    await page.getByRole("button", { name: "Run with this sample" }).click();
    const link = page.getByTestId("run").getByRole("link");
    await link.waitFor();
    await expect
      .poll(() => page.getByTestId("run").textContent(), { timeout: 30_000 })
      .toContain("succeeded");
    // Seen without scrolling: what is at the link's centre is the link.
    const inView = () =>
      link.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return hit !== null && el.contains(hit);
      });
    await expect.poll(inView).toBe(true);
    await link.click();
    await page.waitForURL(/\/runs\/run_/);
    await page.getByTestId("run-status").waitFor();
    expect(page.url()).toContain("/runs/");
    await expect.poll(() => page.getByRole("link", { name, exact: true }).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it("a retry preview names the steps a condition decides, without guessing their values", async () => {
    const name = `Retry preview ${rand(5)}`;
    const trigger = `order.retry_${rand(6)}`;
    await demo.must("POST", "/v1/workflows", {
      name,
      trigger: { event: trigger },
      steps: [
        {
          id: "hook",
          action: "call_webhook",
          // Nothing listens on port 9: the step fails, and the retry runs it again.
          config: { url: "http://127.0.0.1:9/orders", body: "{{ order }}" },
          retry: { attempts: 1 },
        },
        {
          id: "decide",
          if: "steps.hook.output.status == 200",
          then: [
            {
              id: "tell",
              action: "send_email",
              config: {
                to: "{{ order.email }}",
                subject: "Order {{ order.id }}",
                body: "Sent on.",
              },
            },
          ],
          else: [
            {
              id: "note",
              action: "update_record",
              config: { type: "note", id: "{{ order.id }}", fields: { stuck: true } },
            },
          ],
        },
      ],
    });
    const sent = await demo.must("POST", "/v1/events", {
      type: trigger,
      data: { id: `ord_${rand(5)}`, email: "buyer@example.com" },
    });
    let runId = "";
    await expect
      .poll(
        async () => {
          const ev = await demo.must("GET", `/v1/events/${sent.id}`);
          runId = ev.runs?.[0]?.id ?? "";
          return ev.runs?.[0]?.status;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe("failed");

    const { page, problems } = await newPage(browser);
    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.goto(`${base}/runs/${runId}`);
    // The failure in words: where nothing answered, said once.
    await expect
      .poll(() => page.locator('[data-run-step="hook"]').getByTestId("step-error").textContent())
      .toContain("The receiver could not be reached: nothing answered at 127.0.0.1:9.");
    await page.getByRole("button", { name: "Retry from failed step…" }).click();
    const preview = page.getByTestId("retry-preview");
    await preview.getByTestId("will-run").waitFor();
    const certain = preview.getByTestId("will-run");
    await expect.poll(() => certain.locator("[data-plan-step]").count()).toBe(2);
    expect(await certain.textContent()).toContain("calls POST http://127.0.0.1:9/orders again");
    expect(await certain.textContent()).toContain("checks its condition");
    // Either branch may run: each is named with its condition, neither with
    // values the dry run guessed nor with templates as written.
    const maybe = preview.getByTestId("may-run");
    expect(await maybe.locator('[data-plan-step="tell"]').textContent()).toContain(
      "only if “Condition” says yes: sends an email to the recipient",
    );
    expect(await maybe.locator('[data-plan-step="note"]').textContent()).toContain(
      "only if “Condition” says no: updates a record",
    );
    expect(await preview.textContent()).not.toContain("{{");
    expect(await preview.textContent()).not.toContain("buyer@example.com");
    await expectAccessible(page, "retry preview with a condition");
    expect(problems).toEqual([]);
  });

  it("a fresh tenant's templates and samples name nobody of the demo tenant", async () => {
    const t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Fresh");
    const { page, problems } = await newPage(browser);
    await signIn(page, base, t.email, t.password);
    // Leaving an unsaved new workflow asks first: yes.
    page.on("dialog", (d) => d.accept());
    const values = () =>
      page.evaluate(() =>
        Array.from(
          document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>("input, textarea"),
          (el) => el.value,
        )
          // Template fields are chip editors that keep their text in data-value.
          .concat(
            Array.from(
              document.querySelectorAll<HTMLElement>("[data-value]"),
              (el) => el.dataset.value ?? "",
            ),
          )
          .join("\n"),
      );
    for (const template of ["Big order approval", "Payment received", "Overdue task reminder"]) {
      await page.goto(`${base}/workflows`);
      await page.getByRole("button", { name: "New workflow" }).click();
      await page.getByRole("button", { name: new RegExp(`^${template}`) }).click();
      await page.getByTestId("trigger-card").waitFor();
      await page.getByRole("tab", { name: "Preview" }).click();
      await page.getByRole("heading", { name: "Preview" }).waitFor();
      const panel = await page.getByRole("tabpanel").textContent();
      // The demo tenant's admin is a person of another tenant.
      expect(panel, template).not.toContain("acme.example");
      expect(await values(), template).not.toContain("acme.example");
    }
    // The escalation's assignee, on the branch this sample does not take.
    await page
      .getByRole("group", { name: /^Create a follow-up task/ })
      .getByRole("button", { name: /Create a follow-up task/ })
      .first()
      .click();
    await page.getByRole("heading", { name: "Create a follow-up task" }).waitFor();
    expect(await values()).not.toContain("acme.example");
    expect(problems).toEqual([]);
  });

  it("dates in the workflow list stay on one line on a small laptop screen", async () => {
    const { page, problems } = await newPage(browser);
    await page.setViewportSize({ width: 1024, height: 768 });
    await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    const updated = page.locator("td.when").first();
    await updated.waitFor();
    // One line box for the date's text: it did not wrap.
    const lines = await updated.evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
    });
    expect(lines).toBe(1);
    expect(problems).toEqual([]);
  });
});
