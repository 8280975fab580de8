// Shared helpers for the builder's browser tests: Debian Chromium through
// playwright-core, axe-core for accessibility, screenshots under artifacts/.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { expect } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const screenshotDir = join(root, "artifacts", "screenshots");
const axePath = join(root, "node_modules", "axe-core", "axe.min.js");

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

// Endpoints the builder probes and degrades gracefully without (API.md lists
// them; they answer 404 until the API serves them), and the signed-out /me.
const EXPECTED_MISSES = [
  { status: 401, path: "/v1/auth/me" },
  { status: 401, path: "/v1/auth/login" }, // the deliberate wrong password
  { status: 404, path: "/v1/catalog" },
  { status: 404, path: "/v1/event-types" },
  { status: 404, path: "/v1/runs" },
];

/** Collects console errors and page errors, except the expected misses above. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  const misses = new Set<string>();
  page.on("response", (res) => {
    const url = new URL(res.url());
    if (EXPECTED_MISSES.some((m) => m.status === res.status() && url.pathname.startsWith(m.path))) {
      misses.add(res.url());
    }
  });
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const url = msg.location().url;
    if (/Failed to load resource/.test(msg.text()) && misses.has(url)) return;
    problems.push(`${msg.text()} (${url})`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

export async function signIn(page: Page, base: string, email: string, password: string) {
  await page.goto(base);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // Exact: an empty tenant's list has a second heading that names workflows.
  await page.getByRole("heading", { name: "Workflows", exact: true }).waitFor();
}

/**
 * A page in a browser context of its own (its own cookies: signed out to
 * start with), with the console watched. bypassCSP: the accessibility
 * check injects axe.
 */
export async function newPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    bypassCSP: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  return { page, problems: watchConsole(page) };
}

/** Runs axe and fails on serious or critical violations. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.addScriptTag({ path: axePath });
  const result = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<unknown> } }).axe;
    return axe.run(document);
  })) as {
    violations: Array<{
      id: string;
      impact: string;
      help: string;
      nodes: Array<{ target: string[] }>;
    }>;
  };
  const bad = result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ")}`,
    );
  expect(bad, `axe on ${screen}`).toEqual([]);
}

export async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
}

/** The whole page's HTML, and the same with every element's value (inputs are not in the markup). */
export async function pageWithValues(page: Page): Promise<string> {
  const html = await page.content();
  const values = await page.evaluate(() =>
    Array.from(document.querySelectorAll("input, textarea"))
      .map((el) => (el as HTMLInputElement).value)
      .join("\n"),
  );
  return `${html}\n${values}`;
}
