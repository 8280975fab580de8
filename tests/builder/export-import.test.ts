// "Move our ERP workflow from the test workspace to production" (issue 17,
// item 4), acted out in a browser by visible labels: the owner of one
// workspace exports a workflow from the list (and from the editor, and every
// workflow at once) to a file; the owner of another workspace imports that
// file — the preview says in words what it holds and what it needs, the
// connection the file names is missing there and is mapped to the one it
// has, the missing secret is created right on the page — and gets a draft
// that reads the same as the original. Files that are not exports are
// refused in words. Axe on each screen; screenshots 100–104.
import { readFileSync } from "node:fs";
import type { Browser, Download, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type Json, newTenant, type Tenant } from "../security/api.ts";
import { expectAccessible, launch, newPage, shoot, signIn } from "./browser.ts";

const base = inject("baseUrl");
const vars = inject("vars");

const SECRET_VALUE = "erp-key-7f3a9c-never-shown";
const NAME = "Send orders to the ERP";
const FILE = "send-orders-to-the-erp.switchyard.json";

let browser: Browser;
let from: Tenant;
let into: Tenant;
let source: Page;
let sourceProblems: string[];
let target: Page;
let targetProblems: string[];
let workflowId = "";
/** The exported file's path and text. */
let exported = { path: "", text: "" };
/** How the original reads on the canvas. */
let originalCanvas = "";

const definition = {
  name: NAME,
  trigger: { event: "order.placed" },
  filter: "order.amount > 100",
  steps: [
    {
      id: "send",
      name: "Send to the ERP",
      action: "http_request",
      config: {
        connection: "erp",
        url: "/orders",
        method: "POST",
        headers: { "X-Key": "{{ secrets.erp_token }}" },
      },
    },
    {
      id: "tell",
      name: "Tell the customer",
      action: "send_email",
      config: {
        to: "{{ order.email }}",
        subject: "Order {{ order.id }} is with us",
        body: "We have your order {{ order.id }}.",
      },
    },
  ],
};

async function downloadOf(page: Page, click: () => Promise<void>): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  return download;
}

async function textOf(download: Download): Promise<string> {
  const path = await download.path();
  return readFileSync(path, "utf8");
}

/** The canvas's words (the trigger, filter and step cards), spaces folded. */
async function canvasText(page: Page): Promise<string> {
  const flow = page.getByRole("region", { name: "Flow" });
  await flow.getByTestId("trigger-card").waitFor();
  return ((await flow.textContent()) ?? "").replace(/\s+/g, " ").trim();
}

beforeAll(async () => {
  const token = vars.SWITCHYARD_PLATFORM_TOKEN ?? "";
  [from, into] = await Promise.all([
    newTenant(base, token, "Export test"),
    newTenant(base, token, "Import production"),
  ]);
  await from.api.must("PUT", "/v1/secrets/erp_token", { value: SECRET_VALUE });
  const conn = (name: string) => ({
    name,
    baseUrl: "https://erp.example.com/api",
    auth: { type: "none" },
  });
  await from.api.must("POST", "/v1/connections", conn("erp"));
  await into.api.must("POST", "/v1/connections", conn("erp-prod"));
  workflowId = (await from.api.must("POST", "/v1/workflows", definition)).id;

  browser = await launch();
  ({ page: source, problems: sourceProblems } = await newPage(browser));
  ({ page: target, problems: targetProblems } = await newPage(browser));
  await signIn(source, base, from.email, from.password);
  await signIn(target, base, into.email, into.password);
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

describe("export", () => {
  it("saves a workflow as a file from the list, named after it, with no secret value in it", async () => {
    const page = source;
    await page.getByRole("link", { name: NAME, exact: true }).waitFor();
    const download = await downloadOf(page, () =>
      page.getByRole("button", { name: `Export ${NAME}` }).click(),
    );
    expect(download.suggestedFilename()).toBe(FILE);
    exported = { path: await download.path(), text: await textOf(download) };
    const doc = JSON.parse(exported.text) as Json;
    expect(doc.switchyard).toBe(1);
    expect(doc.workflow.name).toBe(NAME);
    expect(doc.requires).toEqual({ connections: ["erp"], secrets: ["erp_token"] });
    expect(exported.text).not.toContain(SECRET_VALUE);
    expect(exported.text).not.toContain(workflowId);
    await expect
      .poll(() => page.getByTestId("export-notice").textContent(), { timeout: 10_000 })
      .toBe(`Exported “${NAME}” as ${FILE}.`);
    await expectAccessible(page, "workflows list after an export");
    await shoot(page, "100-export-from-list", false);
  });

  it("saves the same file from the editor, and every workflow at once from the list", async () => {
    const page = source;
    await page.getByRole("link", { name: NAME, exact: true }).click();
    originalCanvas = await canvasText(page);
    expect(originalCanvas).toContain("Send to the ERP");
    const download = await downloadOf(page, () =>
      page.getByRole("button", { name: "Export", exact: true }).click(),
    );
    expect(download.suggestedFilename()).toBe(FILE);
    expect(await textOf(download)).toBe(exported.text);

    await page.getByRole("link", { name: "← Workflows" }).click();
    const all = await downloadOf(page, () =>
      page.getByRole("button", { name: "Export all workflows" }).click(),
    );
    expect(all.suggestedFilename()).toBe("workspace.switchyard.json");
    const doc = JSON.parse(await textOf(all)) as Json;
    expect(doc.kind).toBe("workspace");
    expect((doc.workflows as Json[]).map((w) => w.name)).toEqual([NAME]);
    expect(sourceProblems).toEqual([]);
  });
});

describe("import", () => {
  it("says in words what is wrong with a file that is not an export", async () => {
    const page = target;
    await page.getByRole("link", { name: "Import", exact: true }).click();
    await page.getByRole("heading", { name: "Import workflows" }).waitFor();
    await expectAccessible(page, "import, no file yet");

    const fileInput = page.getByLabel("Choose the exported file (.json)");
    await fileInput.setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("Call the ERP people on Monday."),
    });
    const problem = page.getByTestId("file-problem");
    await expect
      .poll(() => problem.textContent(), { timeout: 10_000 })
      .toBe(
        "“notes.txt” is not a Switchyard export: exports are JSON text, and this file is not. Choose the .json file that Export saved.",
      );

    // Dropped, not chosen: a file from a newer Switchyard.
    const newer = JSON.stringify({ ...JSON.parse(exported.text), switchyard: 2 });
    const transfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], "from-the-future.json", { type: "application/json" }));
      return dt;
    }, newer);
    await page.getByRole("group", { name: "The file to import" }).dispatchEvent("drop", {
      dataTransfer: transfer,
    });
    await expect
      .poll(() => problem.textContent(), { timeout: 10_000 })
      .toMatch(
        /^“from-the-future\.json” was made by a newer version of Switchyard \(export format 2; this workspace reads format 1\)/,
      );
    expect(await page.getByRole("button", { name: /^Import as/ }).count()).toBe(0);
    await expectAccessible(page, "import, a file from a newer version");
    await shoot(page, "102-import-bad-file", false);
  });

  it("previews the file in words, maps the missing connection, creates the secret, and imports a draft", async () => {
    const page = target;
    // The file as Export saved it, under its name.
    await page.getByLabel("Choose the exported file (.json)").setInputFiles({
      name: FILE,
      mimeType: "application/json",
      buffer: readFileSync(exported.path),
    });
    await page.getByRole("heading", { name: `What “${FILE}” holds` }).waitFor();
    const holds = page.getByRole("region", { name: /holds$/ });
    expect(await holds.textContent()).toContain(`${NAME}: when order placed happens, 2 steps`);

    const needs = page.getByRole("region", { name: "What it needs from this workspace" });
    const conn = needs.locator('[data-need="connection:erp"]');
    expect(await conn.textContent()).toContain(
      "An ERP connection named “erp” not in this workspace",
    );
    const secret = needs.locator('[data-need="secret:erp_token"]');
    expect(await secret.textContent()).toContain("The secret “erp_token” not in this workspace");
    const importButton = page.getByRole("button", { name: "Import as a draft" });
    expect(await importButton.isDisabled()).toBe(true);
    expect(await page.locator("#import-blocked").textContent()).toBe(
      "Choose each to use instead of an ERP connection named “erp” and the secret “erp_token”, or create them in Settings and check again.",
    );

    // The connection is called erp-prod here.
    await page.getByLabel("Use instead of “erp”").selectOption("erp-prod");
    // The secret does not exist here yet: the owner creates it on the spot.
    await secret.getByRole("button", { name: "Create a secret here" }).click();
    expect(await secret.getByLabel("Name of the new secret").inputValue()).toBe("erp_token");
    await secret.getByLabel("Its value", { exact: true }).fill("production-erp-key");
    await secret.getByRole("button", { name: "Save secret" }).click();
    // Created: this workspace has it now, nothing to map.
    await expect
      .poll(async () => ((await secret.textContent()) ?? "").replace(/\s+/g, " ").trim(), {
        timeout: 10_000,
      })
      .toBe("The secret “erp_token” this workspace has it");
    await expect.poll(() => importButton.isDisabled(), { timeout: 10_000 }).toBe(false);
    expect(await page.locator("#import-blocked").count()).toBe(0);

    await page.getByText("Its steps").click();
    expect(await holds.textContent()).toContain("Send to the ERP (");
    await expectAccessible(page, "import preview with a mapped connection");
    await shoot(page, "101-import-preview-mapping");

    await importButton.click();
    await page.waitForURL(/\/workflows\/wf_/);
    const importedCanvas = await canvasText(page);
    expect(importedCanvas).toBe(originalCanvas);
    expect(await page.getByLabel("Workflow name").inputValue()).toBe(NAME);
    expect(await page.locator("#problem-count").count()).toBe(0);
    expect(await page.getByText("not live", { exact: true }).count()).toBe(1);
    await expectAccessible(page, "the imported draft");
    await shoot(page, "103-imported-draft", false);

    const id = new URL(page.url()).pathname.split("/").pop() ?? "";
    const wf = await into.api.must("GET", `/v1/workflows/${id}`);
    expect(wf.liveVersion).toBeNull();
    expect(wf.definition.steps[0].config.connection).toBe("erp-prod");
    expect(wf.definition.steps[0].config.headers["X-Key"]).toBe("{{ secrets.erp_token }}");
    expect(targetProblems).toEqual([]);
  });
});
