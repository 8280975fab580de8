// Importing a workflow file (issue 17, item 4): the file is read and
// checked here first (bad files are said in words, nothing is sent), its
// workflows and what they need are shown against this workspace's
// connections and secrets, each missing one is mapped to one that exists
// (or created in Settings and checked again), then POST
// /v1/workflows/import lands them as drafts.
import { ApiFailure, messageOf } from "$lib/api";
import { type ImportedWorkflow, MissingRequirements, travelEndpoints } from "$lib/api-travel";
import {
  type Choices,
  choiceKey,
  type FileWorkflow,
  importMap,
  needsOf,
  readExport,
  unresolved,
} from "$lib/model/import-words";
import { credentials } from "./credentials.svelte";

/** Files larger than this are not workflow exports (a whole workspace is far smaller). */
const MAX_BYTES = 5 * 1024 * 1024;

export class Importer {
  fileName = $state("");
  /** What is wrong with the chosen file, in words. */
  fileProblem = $state("");
  document = $state<unknown>(null);
  workflows = $state<FileWorkflow[]>([]);
  choices = $state<Choices>({});
  /** A single workflow's name in this workspace. */
  name = $state("");
  importing = $state(false);
  error = $state("");
  imported = $state<ImportedWorkflow[] | null>(null);

  readonly have = $derived({
    connections: (credentials.connections ?? []).map((c) => c.name),
    secrets: credentials.secrets ?? [],
  });
  readonly needs = $derived(needsOf(this.workflows, this.have));
  readonly missing = $derived(this.needs.filter((n) => !n.here));
  readonly left = $derived(unresolved(this.needs, this.choices));

  async start(): Promise<void> {
    await credentials.load();
  }

  /** Reads a chosen or dropped file. */
  async choose(file: File): Promise<void> {
    this.reset();
    this.fileName = file.name;
    if (file.size > MAX_BYTES) {
      this.fileProblem = `“${file.name}” is too large to be a Switchyard export (${Math.round(file.size / 1024 / 1024)} MB).`;
      return;
    }
    const read = readExport(await file.text(), file.name);
    if (!read.ok) {
      this.fileProblem = read.problem;
      return;
    }
    this.document = read.document;
    this.workflows = read.workflows;
    this.name = read.workflows.length === 1 ? (read.workflows[0]?.name ?? "") : "";
    // Someone may have just added what the file needs: read the lists afresh.
    await credentials.load(true);
  }

  /** Uses `here` (a name in this workspace) for a missing one of the file. */
  pick(kind: "connection" | "secret", name: string, here: string): void {
    this.choices = { ...this.choices, [choiceKey({ kind, name })]: here };
  }

  /** Reads the workspace's connections and secrets again (after adding one in Settings). */
  async checkAgain(): Promise<void> {
    await credentials.load(true);
  }

  async run(): Promise<ImportedWorkflow[] | null> {
    if (this.importing || this.document === null || this.left.length > 0) return null;
    this.importing = true;
    this.error = "";
    try {
      const map = importMap(this.needs, this.choices);
      const single = this.workflows.length === 1 ? this.name.trim() : "";
      const answer = await travelEndpoints.importDocument(this.document, {
        ...(single && single !== this.workflows[0]?.name ? { name: single } : {}),
        ...(Object.keys(map.connections).length || Object.keys(map.secrets).length ? { map } : {}),
      });
      this.imported = answer.workflows;
      return answer.workflows;
    } catch (err) {
      if (err instanceof MissingRequirements) {
        // Gone since the page read the lists (deleted in another tab): read them again.
        await credentials.load(true);
        this.error = `This workspace lacks ${[
          ...err.missing.connections.map((c) => `the connection “${c}”`),
          ...err.missing.secrets.map((s) => `the secret “${s}”`),
        ].join(" and ")}: choose one to use instead, or create it.`;
      } else if (err instanceof ApiFailure && err.details?.length) {
        this.error = `The file could not be imported: ${err.details.map((d) => d.message).join("; ")}`;
      } else {
        this.error = `The file could not be imported: ${messageOf(err)}`;
      }
      return null;
    } finally {
      this.importing = false;
    }
  }

  reset(): void {
    this.fileName = "";
    this.fileProblem = "";
    this.document = null;
    this.workflows = [];
    this.choices = {};
    this.name = "";
    this.error = "";
    this.imported = null;
  }
}
