// A person in two tenants signs in, switches tenant from the shell and sees
// the other tenant's workflows only — from the list and from inside the editor.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { addMember, signIn as apiSignIn, newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, signIn, watchConsole } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let page: Page;
let consoleProblems: string[];
let a: Tenant;
let b: Tenant;
let inB: string;

const workflow = (name: string) => ({
  name,
  trigger: { event: "order.created" },
  steps: [{ id: "pause", delay: "1h" }],
});

beforeAll(async () => {
  a = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Switch A");
  b = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Switch B");
  // B invites A's owner as an editor; with an account already, they accept signed in.
  const session = await apiSignIn(base, a.email, a.password);
  await addMember(b.api, a.email, "editor", { session });
  // Accepting moved their session (and where the next sign-in lands) to B:
  // back to A, so the browser starts in the tenant the account was made in.
  const joined = await session.must("GET", "/v1/auth/me");
  expect([joined.tenant.id, joined.role]).toEqual([b.tenantId, "editor"]);
  await session.must("POST", "/v1/auth/switch-tenant", { tenantId: a.tenantId });
  await session.must("POST", "/v1/auth/logout");
  await a.api.must("POST", "/v1/workflows", workflow("Only in tenant A"));
  inB = (await b.api.must("POST", "/v1/workflows", workflow("Only in tenant B"))).id;

  browser = await launch();
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    bypassCSP: true,
  });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  consoleProblems = watchConsole(page);
});

afterAll(async () => {
  await browser?.close();
});

const link = (name: string) => page.getByRole("link", { name, exact: true });

describe("switching tenant", () => {
  it("shows each tenant's workflows only, with the role held there", async () => {
    await signIn(page, base, a.email, a.password);
    const tenant = page.getByRole("combobox", { name: "Tenant", exact: true });
    // Signed in to the tenant the account was made in.
    expect(await tenant.inputValue()).toBe(a.tenantId);
    expect(await tenant.locator("option").allTextContents()).toEqual(
      expect.arrayContaining([a.name, b.name]),
    );
    await link("Only in tenant A").waitFor();
    expect(await link("Only in tenant B").count()).toBe(0);
    await expect.poll(() => page.getByTestId("role").textContent()).toBe("owner");
    await expectAccessible(page, "shell with a tenant switch");

    await tenant.selectOption(b.tenantId);
    await link("Only in tenant B").waitFor();
    expect(await link("Only in tenant A").count()).toBe(0);
    await expect.poll(() => page.getByTestId("role").textContent()).toBe("editor");
    expect(await tenant.inputValue()).toBe(b.tenantId);
    // Admin-only navigation follows the role.
    expect(await page.getByRole("link", { name: "Settings", exact: true }).count()).toBe(0);

    // The session stays in B across a reload.
    await page.reload();
    await link("Only in tenant B").waitFor();
    expect(await link("Only in tenant A").count()).toBe(0);
  });

  it("switches from inside the editor back to the list of the other tenant", async () => {
    await link("Only in tenant B").click();
    await page.waitForURL(`${base}/workflows/${inB}`);
    await page.getByTestId("trigger-card").waitFor();
    const tenant = page.getByRole("combobox", { name: "Tenant", exact: true });

    // An edit not saved yet is saved as B's draft before the switch (issue 14,
    // item 4: leaving the editor never loses work), with no question asked.
    await page.getByLabel("Workflow name").fill("Only in tenant B, edited");
    const asked: string[] = [];
    page.on("dialog", (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await tenant.selectOption(a.tenantId);
    await page.waitForURL(`${base}/workflows`);
    // The list may answer for the other tenant a moment before the session's /me does.
    await link("Only in tenant A").waitFor();
    expect(await link("Only in tenant B").count()).toBe(0);
    await expect.poll(() => page.getByTestId("role").textContent()).toBe("owner");
    // Tenant B's workflow is nowhere to be found from tenant A.
    const res = await fetch(`${base}/v1/workflows/${inB}`, {
      headers: { authorization: `Bearer ${a.key}` },
    });
    expect(res.status).toBe(404);
    const edited = await b.api.must("GET", `/v1/workflows/${inB}`);
    expect(edited).toMatchObject({ name: "Only in tenant B, edited", draftVersion: 2 });
    expect(asked).toEqual([]);
    expect(consoleProblems).toEqual([]);
  });
});
