// Deleting a workflow from the builder: an admin confirms a question that
// names it, and it leaves the list; an editor is offered it too (the API gives
// workflow deletion to write rights); a viewer sees no edit controls at all.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { addMember, Client, rand } from "../security/api.ts";
import { expectAccessible, launch, signIn, watchConsole } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const demo = new Client(base, { key: vars.SWITCHYARD_DEMO_API_KEY });

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    bypassCSP: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { page, problems: watchConsole(page) };
}

async function makeWorkflow(name: string): Promise<string> {
  const wf = await demo.must("POST", "/v1/workflows", {
    name,
    trigger: { event: "order.created" },
    steps: [{ id: "pause", delay: "1h" }],
  });
  return wf.id;
}

describe("deleting a workflow", () => {
  it("asks with the workflow's name, then it is gone from the list", async () => {
    const name = `Delete me ${rand(5)}`;
    const id = await makeWorkflow(name);
    const { page, problems } = await newPage();
    await signIn(page, base, "admin@acme.example", vars.SWITCHYARD_DEMO_PASSWORD ?? "");
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByTestId("trigger-card").waitFor();
    await expectAccessible(page, "editor with delete");

    // Saying no keeps it
    const questions: string[] = [];
    page.once("dialog", (d) => {
      questions.push(d.message());
      d.dismiss();
    });
    await page.getByRole("button", { name: "Delete workflow" }).click();
    await expect.poll(() => questions.length).toBe(1);
    expect(questions[0]).toContain(`“${name}”`);
    expect(page.url()).toBe(`${base}/workflows/${id}`);

    // Saying yes deletes it
    page.once("dialog", (d) => {
      questions.push(d.message());
      d.accept();
    });
    await page.getByRole("button", { name: "Delete workflow" }).click();
    await page.waitForURL(`${base}/workflows`);
    await page.getByRole("heading", { name: "Workflows" }).waitFor();
    // The list is back (another test may have made a second "Big order approval" from its template).
    await page.getByRole("link", { name: "Big order approval", exact: true }).first().waitFor();
    expect(await page.getByRole("link", { name, exact: true }).count()).toBe(0);
    expect(questions[1]).toContain(`“${name}”`);
    const list = await demo.must("GET", "/v1/workflows?limit=200");
    expect(list.items.map((w: { id: string }) => w.id)).not.toContain(id);
    expect(problems).toEqual([]);
  });

  it("is offered to an editor, as the API allows (editors edit workflows)", async () => {
    const name = `Keep me ${rand(5)}`;
    await makeWorkflow(name);
    const email = `editor-${rand()}@acme.example`;
    await addMember(demo, email, "editor", { password: "editor-password-1" });
    const { page, problems } = await newPage();
    await signIn(page, base, email, "editor-password-1");
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByRole("button", { name: "Save draft" }).waitFor();
    expect(await page.getByRole("button", { name: "Delete workflow" }).count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
