// Inviting people from Settings → Members: nobody types a password for anyone
// else. The invited person opens the emailed link signed out, chooses their
// own password and lands in the builder signed in; the admin then finds them
// among the members. Someone who already has an account signs in to join. A
// link sent again replaces the old one, and a withdrawn invitation's link
// says, in words, that it no longer works.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  signIn as apiSignIn,
  Client,
  eventually,
  type Json,
  newTenant,
  rand,
} from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");
const ADMIN = "admin@acme.example";
const TENANT = "Acme Operations";
const demo = new Client(base, { key: vars.SWITCHYARD_DEMO_API_KEY });
const UNUSABLE =
  "This invitation link has expired or was already used. Ask the person who invited you to send it again.";

let browser: Browser;

beforeAll(async () => {
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
});

/** Console problems, less the 404 a used or withdrawn link deliberately gets. */
const unexpected = (problems: string[]) =>
  problems.filter((p) => !p.includes("/v1/invitations/inspect"));

async function membersPage(): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await newPage(browser);
  await signIn(page, base, ADMIN, vars.SWITCHYARD_DEMO_PASSWORD ?? "");
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  await page.getByRole("link", { name: "Members" }).click();
  await page.locator(`[data-member="${ADMIN}"]`).waitFor();
  return { page, problems };
}

async function invite(page: Page, email: string, role: string, name?: string): Promise<void> {
  await page.getByLabel("Email", { exact: true }).fill(email);
  if (name) await page.getByLabel("Name (optional)").fill(name);
  await page.getByRole("radio", { name: new RegExp(`^${role}\\b`) }).check();
  await page.getByRole("button", { name: "Send invitation" }).click();
  await page
    .getByText(
      `Invitation sent to ${email}. They choose their own password when they accept; the link works for 7 days.`,
    )
    .waitFor();
}

/**
 * The invitation links emailed to `email`, newest first, once there are at
 * least `count` (the demo tenant has no email provider: mail lands in its outbox).
 */
async function linksFor(email: string, count = 1): Promise<string[]> {
  const mail = await eventually(
    async () => {
      const page = await demo.must("GET", "/v1/outbox?channel=email&limit=200");
      return (page.items as Json[]).filter((m) => String(m.to).includes(email));
    },
    (found) => found.length >= count,
    30_000,
    `${count} invitation email(s) to ${email}`,
  );
  return mail.map((m) => {
    const link = /https?:\/\/[^\s"'<>]+\/invite#token=[^\s"'<>]+/.exec(String(m.body))?.[0];
    if (!link) throw new Error(`no invitation link in the email to ${email}: ${m.body}`);
    return link;
  });
}

describe("inviting someone new", () => {
  const email = `invited-${rand()}@example.com`;
  const password = "robin-chose-this-1";

  it("the admin invites with no password; the person chooses theirs and lands signed in", async () => {
    const { page: admin, problems: adminProblems } = await membersPage();
    // Nobody types a password for anyone else.
    expect(await admin.locator('input[type="password"]').count()).toBe(0);
    await invite(admin, email, "Editor", "Robin Invited");

    const waiting = admin.locator(`[data-invitation="${email}"]`);
    await waiting.waitFor();
    const words = await waiting.textContent();
    expect(words).toContain("Editor");
    expect(words).toContain("invited just now");
    expect(words).toContain("link expires in 7 days");
    await expectAccessible(admin, "members with an invitation waiting");
    await shoot(admin, "40-members-invited", false);

    const [link] = await linksFor(email);
    expect(link!.startsWith(`${base}/invite#token=`)).toBe(true);

    // The invited person, signed out, in a browser of their own.
    const { page, problems } = await newPage(browser);
    await page.goto(link!);
    await page.getByRole("heading", { name: `Join ${TENANT} as an editor` }).waitFor();
    expect(await page.getByText(`This invitation is for ${email}.`).count()).toBe(1);
    await expectAccessible(page, "invitation for a new account");
    await shoot(page, "41-invitation-new", false);

    await page.getByLabel("Your name").fill("Robin Invited");
    await page.getByLabel("Choose a password").fill("too-short");
    await page.getByLabel("Type the password again").fill("too-short");
    await page.getByRole("button", { name: "Join" }).click();
    await page.getByText("Choose a password of at least 10 characters.").waitFor();

    await page.getByLabel("Choose a password").fill(password);
    await page.getByLabel("Type the password again").fill(`${password}x`);
    await page.getByRole("button", { name: "Join" }).click();
    await page.getByText("The two passwords are not the same.").waitFor();

    await page.getByLabel("Type the password again").fill(password);
    await page.getByRole("button", { name: "Join" }).click();
    await page.waitForURL(`${base}/workflows`);
    await page.getByRole("heading", { name: "Workflows", exact: true }).waitFor();
    expect(await page.getByTestId("role").textContent()).toBe("editor");
    expect(await page.locator(`header a[href="/account"]`).getAttribute("title")).toBe(
      `Your account: ${email}`,
    );
    expect(problems).toEqual([]);

    // The password is theirs: it signs them in.
    await apiSignIn(base, email, password);

    // The link is used up: opening it again explains so.
    await page.goto(link!);
    await page.getByText(UNUSABLE).waitFor();
    await expectAccessible(page, "invitation link used");

    // The admin now finds them among the members, no longer waiting.
    await admin.reload();
    const row = admin.locator(`[data-member="${email}"]`);
    await row.waitFor();
    expect(await row.getByRole("combobox").inputValue()).toBe("editor");
    expect(await waiting.count()).toBe(0);
    expect(unexpected(adminProblems)).toEqual([]);
  });
});

describe("inviting someone who already has an account", () => {
  it("asks them to sign in with their own password, then moves them into the workspace", async () => {
    const other = await newTenant(base, vars.SWITCHYARD_PLATFORM_TOKEN ?? "", "Invitee Home");
    const { page: admin, problems: adminProblems } = await membersPage();
    await invite(admin, other.email, "Viewer");
    const [link] = await linksFor(other.email);

    const { page, problems } = await newPage(browser);
    await page.goto(link!);
    await page.getByRole("heading", { name: `Join ${TENANT} as a viewer` }).waitFor();
    expect(await page.getByLabel("Choose a password").count()).toBe(0);
    expect(await page.getByLabel("Email", { exact: true }).inputValue()).toBe(other.email);
    await expectAccessible(page, "invitation for an existing account");

    await page.getByLabel("Password", { exact: true }).fill(other.password);
    await page.getByRole("button", { name: "Sign in and join" }).click();
    await page.waitForURL(`${base}/workflows`);
    await page.getByRole("heading", { name: "Workflows", exact: true }).waitFor();
    const tenant = page.getByRole("combobox", { name: "Tenant", exact: true });
    expect(await tenant.locator("option:checked").textContent()).toBe(TENANT);
    expect(await page.getByTestId("role").textContent()).toBe("viewer");
    expect(unexpected(problems)).toEqual([]);

    await admin.reload();
    await admin.locator(`[data-member="${other.email}"]`).waitFor();
    expect(unexpected(adminProblems)).toEqual([]);
  });
});

describe("sending again and withdrawing", () => {
  it("replaces the link, asks before withdrawing, and a withdrawn link explains itself", async () => {
    const email = `withdrawn-${rand()}@example.com`;
    const { page: admin, problems: adminProblems } = await membersPage();
    await invite(admin, email, "Viewer");
    const waiting = admin.locator(`[data-invitation="${email}"]`);
    await waiting.waitFor();
    const [first] = await linksFor(email);

    await waiting.getByRole("button", { name: /^Send again/ }).click();
    await admin.getByText(`A new link is on its way to ${email}`).waitFor();
    const second = (await linksFor(email, 2)).find((l) => l !== first);
    expect(second).toBeDefined();

    // Saying no keeps the invitation.
    const questions: string[] = [];
    admin.once("dialog", (d) => {
      questions.push(d.message());
      void d.dismiss();
    });
    await waiting.getByRole("button", { name: /^Withdraw/ }).click();
    await expect.poll(() => questions.length).toBe(1);
    expect(questions[0]).toContain(email);
    expect(await waiting.count()).toBe(1);

    // Saying yes withdraws it.
    admin.once("dialog", (d) => void d.accept());
    await waiting.getByRole("button", { name: /^Withdraw/ }).click();
    await admin.getByText(`The invitation for ${email} was withdrawn`).waitFor();
    await expect.poll(() => waiting.count()).toBe(0);
    const listed = await demo.must("GET", "/v1/invitations");
    expect((listed.items as Json[]).map((i) => i.email)).not.toContain(email);
    expect(unexpected(adminProblems)).toEqual([]);

    // Neither the replaced link nor the withdrawn one lets anyone in.
    const { page, problems } = await newPage(browser);
    for (const link of [first!, second!]) {
      // Through a blank page: from one link to the next is only a new fragment,
      // which would not load the page afresh.
      await page.goto("about:blank");
      await page.goto(link);
      await page.getByRole("heading", { name: "This invitation link no longer works" }).waitFor();
      expect(await page.getByText(UNUSABLE).count()).toBe(1);
    }
    expect(await page.getByLabel("Choose a password").count()).toBe(0);
    await expectAccessible(page, "invitation link withdrawn");
    await shoot(page, "42-invitation-withdrawn", false);
    expect(unexpected(problems)).toEqual([]);
  });
});
