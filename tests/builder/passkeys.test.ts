// Passkeys in the builder, with Chromium's own WebAuthn stack and a virtual
// authenticator (what a laptop's fingerprint reader or a phone does):
// added from Your account, then signing in with no email or password;
// removed, it signs in no more.
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

let browser: Browser;
let t: Tenant;

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Passkeys");
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

describe("passkeys", () => {
  it("are added from Your account and then sign in alone; a removed one no longer does", async () => {
    const { page, problems } = await newPage(browser);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    await signIn(page, base, t.email, t.password);
    await page.locator('header a[href="/account"]').click();
    const panel = page.getByTestId("passkeys");
    await expect.poll(() => panel.textContent()).toContain("You have no passkeys yet");
    await panel.getByLabel("Name it after the device").fill("Test laptop");
    await panel.getByRole("button", { name: "Add a passkey" }).click();
    await expect
      .poll(() => panel.getByRole("status").textContent())
      .toContain("Passkey “Test laptop” added");
    await expect.poll(() => panel.getByRole("listitem").count()).toBe(1);
    await expectAccessible(page, "passkeys on your account");

    // Signed out, the passkey alone signs in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("heading", { name: "Workflows", exact: true }).waitFor();
    await page.locator('header a[href="/account"]').click();
    await expect.poll(() => panel.textContent()).toContain("last used");

    page.once("dialog", (d) => void d.accept());
    await panel.getByRole("button", { name: "Remove the passkey Test laptop" }).click();
    await expect.poll(() => panel.textContent()).toContain("You have no passkeys yet");
    await page.getByRole("button", { name: "Sign out" }).click();
    // The device still offers it; the server no longer knows it.
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("not one of your Switchyard passkeys");
    expect(problems).toEqual([expect.stringMatching(/status of 401 .*\/v1\/auth\/passkey\/login/)]);
  });
});
