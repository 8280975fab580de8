// Forgot your password: from the sign-in screen a person asks for a link by
// email (the answer is the same whether or not the email has an account),
// opens the emailed link, chooses a new password (checked as they type) and
// signs in with it; the old one stops working, their sessions end, and the
// link works only once. Locally the email lands in the platform outbox.
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  signIn as apiSignIn,
  Client,
  eventually,
  type Json,
  newTenant,
  rand,
  type Tenant,
} from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const platform = new Client(base, { key: vars.SWITCHYARD_PLATFORM_TOKEN ?? "" });
const ASKED =
  "If an account exists for that email, we sent a link to choose a new password. It works for one hour.";
const NEW_PASSWORD = "a-password-chosen-by-link";

let browser: Browser;
let page: Page;
let consoleProblems: string[];
let t: Tenant;

beforeAll(async () => {
  t = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Reset");
  browser = await launch();
  ({ page, problems: consoleProblems } = await newPage(browser));
});

afterAll(async () => {
  await browser?.close();
});

/** The newest link to choose a new password emailed to `email`, from the platform outbox. */
async function resetLink(email: string): Promise<string> {
  const to = email.toLowerCase();
  const mail = await eventually(
    async () => {
      const out = await platform.must("GET", "/v1/platform/outbox");
      // Newest first.
      return (out.items as Json[]).find(
        (m) => String(m.to).toLowerCase() === to && String(m.body).includes("/reset#token="),
      );
    },
    (found) => found !== undefined,
    30_000,
    `a link to choose a new password emailed to ${email}`,
  );
  const link = /https?:\/\/[^\s"'<>]+\/reset#token=[\w-]+/.exec(String(mail.body))?.[0];
  if (!link) throw new Error(`no link in the email to ${email}: ${mail.body}`);
  return link;
}

async function stateOf(where: Page | Locator, role: "alert" | "status"): Promise<string | null> {
  return where.getByRole(role).first().textContent();
}

describe("forgot your password", () => {
  it("asks for a link by email, chooses a new password with it, and signs in with that", async () => {
    const elsewhere = await apiSignIn(base, t.email, t.password);

    // Signed out, the sign-in screen offers a way out.
    await page.goto(base);
    await page.getByRole("heading", { name: "Sign in to Switchyard" }).waitFor();
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await page.waitForURL(`${base}/reset`);
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await expectAccessible(page, "forgot your password");
    await shoot(page, "45-reset-ask", false);

    // No account for that email: the same answer, so nobody learns who has one.
    await page.getByLabel("Email").fill(`nobody-${rand()}@example.com`);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await expect.poll(() => stateOf(page, "status")).toBe(ASKED);
    await page.getByRole("button", { name: "Send another link" }).click();

    await page.getByLabel("Email").fill(t.email);
    await page.getByRole("button", { name: "Send me a link" }).click();
    await expect.poll(() => stateOf(page, "status")).toBe(ASKED);
    expect(await page.getByRole("link", { name: "Back to sign in" }).getAttribute("href")).toBe(
      "/",
    );

    const link = await resetLink(t.email);
    expect(link.startsWith(`${base}/reset#token=`)).toBe(true);

    // Through a blank page: from /reset to /reset#token=… is only a new
    // fragment, which would not load the page afresh.
    await page.goto("about:blank");
    await page.goto(link);
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    // The token is read, then taken out of the address bar (and history).
    expect(page.url()).toBe(`${base}/reset`);
    await expectAccessible(page, "choose a new password");
    await shoot(page, "46-reset-choose", false);

    const form = page.getByRole("form", { name: "Choose a new password" });
    await form.getByLabel("New password", { exact: true }).fill("short");
    await expect.poll(() => stateOf(form, "alert")).toBe("Use at least 10 characters.");
    expect(await form.getByRole("button", { name: "Save new password" }).isDisabled()).toBe(true);
    await form.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await form.getByLabel("Type the new password again").fill(`${NEW_PASSWORD}x`);
    await expect.poll(() => stateOf(form, "alert")).toBe("The two passwords are not the same.");
    await form.getByLabel("Type the new password again").fill(NEW_PASSWORD);
    expect(await form.getByRole("alert").count()).toBe(0);
    await form.getByRole("button", { name: "Save new password" }).click();
    await expect
      .poll(() => stateOf(page, "status"))
      .toBe("Your password is changed. Sign in with it.");

    // The old password no longer signs in; the sessions it opened have ended.
    const old = await new Client(base).call("POST", "/v1/auth/login", {
      body: { email: t.email, password: t.password },
    });
    expect(old.status).toBe(401);
    expect((await elsewhere.get("/v1/auth/me")).status).toBe(401);

    // The new one does, in the browser.
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Sign in to Switchyard" }).waitFor();
    await signIn(page, base, t.email, NEW_PASSWORD);
    expect(await page.locator(`[title="Your account: ${t.email}"]`).count()).toBe(1);

    // The link works once: opened again, it explains and offers a new one.
    await page.goto("about:blank");
    await page.goto(link);
    await page.getByLabel("New password", { exact: true }).fill("yet-another-password");
    await page.getByLabel("Type the new password again").fill("yet-another-password");
    await page.getByRole("button", { name: "Save new password" }).click();
    await page.getByRole("heading", { name: "This link no longer works" }).waitFor();
    await page
      .getByText(
        "A link to choose a new password works once, for one hour. This one was already used or has expired. Ask for a new link here.",
      )
      .waitFor();
    await page.getByRole("button", { name: "Send me a link" }).waitFor();
    await expectAccessible(page, "link to choose a new password used");
    await shoot(page, "47-reset-used", false);
    // Still the new password: the used link changed nothing.
    await apiSignIn(base, t.email, NEW_PASSWORD);

    // The one failure the browser logged is the used link, on purpose.
    expect(consoleProblems).toEqual([
      expect.stringMatching(/status of 404 .*\/v1\/auth\/password-reset\/confirm/),
    ]);
  });
});
