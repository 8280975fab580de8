// XSS payloads in every user-editable field the builder shows — tenant,
// member, invitation and workflow names, step names and configs, the filter, declared
// event samples (keys and values), event data, record fields and run outputs
// — rendered inert: the browser test fails on any dialog, on any payload
// that ran (window.__xss), and on any element the payloads would have made.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launch, signIn } from "../builder/browser.ts";
import { addMember, newTenant, PASSWORD, rand, type Tenant } from "./api.ts";

const base = inject("baseUrl");
const vars = inject("vars");

const RAN = "window.__xss=(window.__xss||0)+1;alert(document.domain)";
const PAYLOADS = [
  `<img src=x onerror="${RAN}">`,
  `"><svg onload="${RAN}">`,
  `<script>${RAN}</script>`,
  `javascript:${RAN}`,
  `{{constructor.constructor('${RAN}')()}}`,
  `<a href="javascript:${RAN}">x</a>`,
];
const P = (i: number) => PAYLOADS[i % PAYLOADS.length]!;

let browser: Browser;
let page: Page;
let t: Tenant;
let workflowId: string;
let person: string;
let waiting: string;
const dialogs: string[] = [];

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN!, `Xss ${P(0)}`.slice(0, 90));
  person = `xss-${rand()}@example.com`;
  await addMember(t.api, person, "editor", { name: P(1).slice(0, 100), password: PASSWORD });
  // And one who has not answered yet: invitations show their name too.
  waiting = `xss-waiting-${rand()}@example.com`;
  await t.api.must("POST", "/v1/members", { email: waiting, role: "viewer", name: P(0) });
  // The hostile link comes with the event: a literal one is refused when the workflow is saved.
  const sample: Record<string, unknown> = {
    note: P(0),
    [P(1)]: P(2),
    nested: { html: P(3) },
    link: P(3),
  };
  await t.api.must("PUT", "/v1/event-types/xss.created", { sample });
  const wf = await t.api.must("POST", "/v1/workflows", {
    name: `Workflow ${P(0)}`,
    trigger: { event: "xss.created" },
    filter: `xss.note != '${P(2).replaceAll("'", "")}'`,
    steps: [
      {
        id: "mail",
        name: P(1),
        action: "send_email",
        config: { to: "a@example.com", subject: P(2), body: `{{ xss.note }} ${P(5)}` },
      },
      {
        id: "rec",
        name: P(4),
        action: "update_record",
        config: { type: "xss", id: "r1", fields: { [P(0)]: P(1), html: "{{ xss.note }}" } },
      },
      {
        id: "tell",
        name: P(3),
        action: "notify_user",
        config: { user: person, message: P(0), link: "{{ xss.link }}" },
      },
    ],
  });
  workflowId = wf.id;
  await t.api.must("POST", "/v1/events", { type: "xss.created", data: sample });
  await t.api.must("PUT", "/v1/records/xss/r2", { fields: { [P(2)]: P(0) } });

  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function expectInert(where: string): Promise<void> {
  const ran = await page.evaluate(() => (window as unknown as { __xss?: number }).__xss ?? 0);
  const made = await page.evaluate(() =>
    Array.from(
      document.querySelectorAll(
        "[onerror], [onload], script:not([src]), a[href^='javascript:' i], iframe[src^='javascript:' i]",
      ),
    )
      // SvelteKit's own bootstrap is the one inline script the page ships.
      .filter((e) => !(e.tagName === "SCRIPT" && e.textContent?.includes("__sveltekit_")))
      .map((e) => e.outerHTML.slice(0, 120)),
  );
  expect({ where, ran, made, dialogs }).toEqual({ where, ran: 0, made: [], dialogs: [] });
}

describe("XSS payloads in the builder", () => {
  it("are shown as text on the workflows list", async () => {
    await signIn(page, base, t.email, PASSWORD);
    const link = page.getByRole("link", { name: /^Workflow </ });
    await link.waitFor();
    expect(await link.textContent()).toContain(P(0));
    await expectInert("workflows list");
  });

  it("stay inert in the editor: trigger, filter, every step, preview and history", async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    await page.getByTestId("trigger-card").click();
    await page.getByTestId("filter-card").click();
    for (const id of ["mail", "rec", "tell"]) {
      await page.locator(`[data-step="${id}"]`).first().click();
      await expectInert(`step ${id}`);
    }
    expect(await page.content()).toContain("&lt;img src=x onerror=");
    await page.getByRole("tab", { name: "Preview" }).click();
    await page.waitForTimeout(500);
    await expectInert("preview");
    const run = page.getByRole("button", { name: "Run with this sample" });
    if ((await run.count()) > 0 && (await run.isEnabled())) {
      await run.click();
      // The run's steps, their inputs and outputs, as the watcher shows them.
      await page.waitForTimeout(4000);
      await expectInert("test run");
    }
    await page.getByRole("tab", { name: "History" }).click();
    await page.waitForTimeout(500);
    await expectInert("history");
    await page.getByRole("tab", { name: /Configure|Details/ }).click();
    await expectInert("configure");
  });

  it("are shown as text among the members and the invitations waiting", async () => {
    await page.goto(`${base}/settings/members`);
    const member = page.locator(`[data-member="${person}"]`);
    const invitation = page.locator(`[data-invitation="${waiting}"]`);
    await member.waitFor();
    await invitation.waitFor();
    expect(await member.textContent()).toContain(P(1));
    expect(await invitation.textContent()).toContain(P(0));
    await expectInert("members");
  });
});
