// Single sign-on in the browser: an admin connects the company's identity
// provider (a real oidc-provider on 127.0.0.1) under Settings → Single
// sign-on and proves the email domain by DNS (a DNS-over-HTTPS double); a
// new person then signs in through the provider's own login page and lands
// in the builder as a member with the chosen role.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTenant, rand, type Tenant } from "../security/api.ts";
import {
  type DohHandle,
  type OidcHandle,
  startDohServer,
  startOidcProvider,
} from "../support/oidc-provider.ts";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

let worker: WorkerHandle;
let idp: OidcHandle;
let doh: DohHandle;
let browser: Browser;
let t: Tenant;
const domain = `northwind-${rand(6)}.example`;
const person = `newbie@${domain}`;
const SECRET = `browser-sso-secret-${rand(10)}`;

beforeAll(async () => {
  doh = await startDohServer();
  // A Worker of its own: it must ask this DoH double.
  worker = await startWorker({ vars: { SWITCHYARD_DOH_URL: doh.url } });
  idp = await startOidcProvider({
    clients: [
      {
        clientId: "switchyard-browser",
        clientSecret: SECRET,
        redirectUri: `${worker.baseUrl}/v1/auth/sso/callback`,
      },
    ],
    people: [{ email: person, emailVerified: true, name: "Nina Newbie" }],
  });
  t = await newTenant(worker.baseUrl, worker.vars.SWITCHYARD_PLATFORM_TOKEN!, "Northwind");
  browser = await launch();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await idp?.stop();
  await doh?.stop();
});

describe("single sign-on in the builder", () => {
  it("an admin connects the provider and proves the domain; a new person signs in through it", async () => {
    const base = worker.baseUrl;
    const admin = await newPage(browser);
    const page = admin.page;
    await signIn(page, base, t.email, t.password);
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page
      .getByRole("navigation", { name: "Settings" })
      .getByRole("link", { name: "Single sign-on" })
      .click();
    await page.getByRole("heading", { name: "Single sign-on", level: 2 }).waitFor();
    expect(await page.getByTestId("redirect-uri").textContent()).toBe(
      `${base}/v1/auth/sso/callback`,
    );

    await page.getByLabel("Issuer URL").fill(idp.issuer);
    await page.getByLabel("Client ID").fill("switchyard-browser");
    await page.getByLabel("Client secret").fill(SECRET);
    await page.getByLabel("Role of people who join by signing in").selectOption("editor");
    await page.getByRole("button", { name: "Save single sign-on" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved" }).count()).toBe(1);
    // The secret is write-only: the field is empty again and says one is stored.
    expect(await page.getByLabel("Client secret").inputValue()).toBe("");
    expect(await page.getByLabel("Client secret").getAttribute("placeholder")).toContain("stored");

    await page.getByLabel("Email domain", { exact: true }).fill(domain);
    await page.getByRole("button", { name: "Add domain" }).click();
    const row = page.locator(`li[data-domain="${domain}"]`);
    await row.getByText("Waiting for the DNS record").waitFor();
    const value = (await row.getByTestId("txt-value").textContent())!;
    expect(value).toMatch(/^switchyard-verify=/);
    // Before the record exists: said in words.
    await row.getByRole("button", { name: `Verify ${domain}` }).click();
    await expect
      .poll(() => row.getByTestId("domain-check").textContent())
      .toContain(`found no TXT record at _switchyard-verify.${domain}`);
    doh.setTxt(`_switchyard-verify.${domain}`, [value]);
    await row.getByRole("button", { name: `Verify ${domain}` }).click();
    await row.getByText("Verified").waitFor();
    await expectAccessible(page, "single sign-on settings");
    await shoot(page, "20-settings-sso");
    // The one failure the browser logged is the check before the DNS record existed.
    expect(admin.problems).toEqual([
      expect.stringMatching(/status of 422 .*\/v1\/settings\/sso\/domains\/.*\/verify/),
    ]);

    // Someone new, in a browser of their own.
    const newcomer = await newPage(browser);
    const p = newcomer.page;
    await p.goto(base);
    await p.getByRole("button", { name: "Sign in with single sign-on" }).click();
    await p.getByLabel("Work email").fill(person);
    await p.getByRole("button", { name: "Continue with single sign-on" }).click();
    // The provider's own login page (its development form: the email is filled in).
    await p.waitForURL((u) => u.origin === idp.issuer);
    expect(await p.locator('input[name="login"]').inputValue()).toBe(person);
    await p.locator('input[name="password"]').fill("anything");
    await p.getByRole("button", { name: "Sign-in" }).click();
    await p.getByRole("heading", { name: "Workflows", exact: true }).waitFor();
    expect(new URL(p.url()).origin).toBe(base);
    expect(await p.getByTestId("role").textContent()).toBe("editor");
    expect(await p.locator('header a[href="/account"]').textContent()).toContain("Nina Newbie");
    await shoot(p, "21-signed-in-by-sso");
    expect(newcomer.problems).toEqual([]);
  });

  it("says in words when an email's company has no single sign-on", async () => {
    const { page, problems } = await newPage(browser);
    await page.goto(worker.baseUrl);
    await page.getByRole("button", { name: "Sign in with single sign-on" }).click();
    await page.getByLabel("Work email").fill("someone@unknown-company.example");
    await page.getByRole("button", { name: "Continue with single sign-on" }).click();
    await expect
      .poll(() => page.getByTestId("sso-error").textContent())
      .toContain("Single sign-on is not set up for that email's company");
    // The code is taken out of the address once said.
    await expect.poll(() => new URL(page.url()).search).toBe("");
    await expectAccessible(page, "sign-in with a single sign-on error");
    expect(problems).toEqual([]);
  });
});
