// The document that export writes and import reads (issue 17, item 4): a
// workflow, or every workflow of a workspace, with nothing that belongs to
// the tenant it came from — no ids, no times, no people, no secret values.
// Connections and secrets appear by name (what the definitions need); a
// workflow named elsewhere (its on-failure handler, an id inside a text) by
// that workflow's name. The text is deterministic: every object's keys
// sorted at every level, arrays in their order, 2-space indentation and a
// trailing newline, so exporting twice gives the same bytes and a document
// moved to another workspace and exported there gives them again.
import { z } from "@hono/zod-openapi";
import { zodProblems } from "../http.ts";
import { AUTO_PAUSE_LIMITS } from "../store/auto-pause.ts";
import { DEFAULT_RECIPIENTS } from "./alert-settings.ts";

/** The format's version: `switchyard: 1`. Another number is a format this Worker does not read. */
export const DOCUMENT_VERSION = 1;

/** What a document carries. */
export const DocumentKind = { workflow: "workflow", workspace: "workspace" } as const;
export type DocumentKind = (typeof DocumentKind)[keyof typeof DocumentKind];

/** The connections and secrets a document's definitions name (sorted, unique). */
export interface Requires {
  connections: string[];
  secrets: string[];
}

/**
 * The settings that travel with a workflow (the rest stay behind: whether it
 * is enabled or paused is the workspace's state, and alerts that name
 * people name that workspace's members).
 */
export interface TransferSettings {
  /** Only when it names no one: `"default"` recipients. */
  alerts?: { enabled: boolean; recipients: typeof DEFAULT_RECIPIENTS };
  autoPause?: { failures: number; minutes: number };
  /** The workflow run on failure, by its name. */
  onFailure?: { workflow: string };
}

/** One saved version, as it travels. */
export interface TransferVersion {
  version: number;
  definition: Record<string, unknown>;
}

/** One workflow in a document. */
export interface TransferWorkflow {
  name: string;
  description?: string;
  definition: Record<string, unknown>;
  versions?: TransferVersion[];
  settings?: TransferSettings;
}

export interface WorkflowDocument {
  switchyard: typeof DOCUMENT_VERSION;
  kind: typeof DocumentKind.workflow;
  workflow: TransferWorkflow;
  requires: Requires;
}

export interface WorkspaceDocument {
  switchyard: typeof DOCUMENT_VERSION;
  kind: typeof DocumentKind.workspace;
  workflows: TransferWorkflow[];
  requires: Requires;
}

export type TransferDocument = WorkflowDocument | WorkspaceDocument;

/** The workflows of a document, in its order. */
export function documentWorkflows(doc: TransferDocument): TransferWorkflow[] {
  return doc.kind === DocumentKind.workflow ? [doc.workflow] : doc.workflows;
}

/** A document's path to its i-th workflow: `workflow` or `workflows[i]`. */
export function workflowPath(doc: TransferDocument, i: number): string {
  return doc.kind === DocumentKind.workflow ? "workflow" : `workflows[${i}]`;
}

const names = (what: string) =>
  z.array(z.string().min(1).max(200)).max(1000).openapi({ description: what });

const RequiresSchema = z
  .strictObject({
    connections: names("Connection names the definitions use (config.connection), sorted"),
    secrets: names("Secret names the definitions use ({{ secrets.<name> }}), sorted"),
  })
  .openapi("ExportRequires", {
    description:
      "What the workflows need in the workspace they land in: connections and secrets by name, never their values",
  });

const DefinitionObject = z.record(z.string(), z.unknown()).openapi({
  description: "A workflow definition (WorkflowDefinition), validated by the engine on import",
});

const SettingsSchema = z
  .strictObject({
    alerts: z
      .strictObject({ enabled: z.boolean(), recipients: z.literal(DEFAULT_RECIPIENTS) })
      .optional(),
    autoPause: z
      .strictObject({
        failures: z
          .number()
          .int()
          .min(AUTO_PAUSE_LIMITS.failures.min)
          .max(AUTO_PAUSE_LIMITS.failures.max),
        minutes: z
          .number()
          .int()
          .min(AUTO_PAUSE_LIMITS.minutes.min)
          .max(AUTO_PAUSE_LIMITS.minutes.max),
      })
      .optional(),
    onFailure: z.strictObject({ workflow: z.string().min(1).max(200) }).optional(),
  })
  .openapi("ExportSettings", {
    description:
      "Settings that travel: alerts when they name no one (recipients 'default'), auto-pause, and the workflow run on failure by its name. Enabled, paused and alerts naming members stay behind.",
  });

const VersionSchema = z
  .strictObject({
    version: z.number().int().positive(),
    definition: DefinitionObject,
  })
  .openapi("ExportVersion");

const WorkflowSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    definition: DefinitionObject,
    versions: z.array(VersionSchema).min(1).max(10_000).optional().openapi({
      description: "Every saved version, oldest first (with ?versions=true)",
    }),
    settings: SettingsSchema.optional(),
  })
  .openapi("ExportWorkflow", {
    description:
      "A workflow: its name, description and definition (the latest version unless ?version= chose another), optionally its versions and settings",
  });

const Version = z.literal(DOCUMENT_VERSION);

export const WorkflowDocumentSchema = z
  .strictObject({
    switchyard: Version,
    kind: z.literal(DocumentKind.workflow),
    workflow: WorkflowSchema,
    requires: RequiresSchema,
  })
  .openapi("WorkflowExport", {
    description:
      "One workflow as a document: keys sorted at every level, 2-space indentation, a trailing newline; no ids, times, people or secret values",
  });

export const WorkspaceDocumentSchema = z
  .strictObject({
    switchyard: Version,
    kind: z.literal(DocumentKind.workspace),
    workflows: z.array(WorkflowSchema).max(10_000).openapi({
      description: "Every workflow of the workspace, by name (then by content)",
    }),
    requires: RequiresSchema,
  })
  .openapi("WorkspaceExport", {
    description: "Every workflow of a workspace in one document, with what they need together",
  });

const DocumentSchema = z.discriminatedUnion("kind", [
  WorkflowDocumentSchema,
  WorkspaceDocumentSchema,
]);

/** What reading a document found: the document, or why it is not one. */
export type ReadDocument =
  | { ok: true; document: TransferDocument }
  | { ok: false; unsupportedVersion: unknown }
  | { ok: false; problems: Array<{ path: string; message: string }> };

/**
 * Checks a document's shape. The version comes first: a document of another
 * format version is reported as such, not as a list of shape problems.
 * Paths are relative to the document (`workflow.versions[1].version`).
 * @example readDocument({ switchyard: 2 }) // { ok: false, unsupportedVersion: 2 }
 */
export function readDocument(input: unknown): ReadDocument {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return { ok: false, problems: [{ path: "", message: "a document is a JSON object" }] };
  }
  const version = (input as { switchyard?: unknown }).switchyard;
  if (version === undefined) {
    return {
      ok: false,
      problems: [
        {
          path: "switchyard",
          message: 'missing: this is not a Switchyard export (it starts with "switchyard": 1)',
        },
      ],
    };
  }
  if (version !== DOCUMENT_VERSION) return { ok: false, unsupportedVersion: version };
  const parsed = DocumentSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      problems: zodProblems(parsed.error.issues),
    };
  }
  const doc = parsed.data as TransferDocument;
  const order = versionOrderProblems(doc);
  return order.length > 0 ? { ok: false, problems: order } : { ok: true, document: doc };
}

/** Versions oldest first, each number once. */
function versionOrderProblems(doc: TransferDocument): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  documentWorkflows(doc).forEach((w, i) => {
    const versions = w.versions ?? [];
    for (let j = 1; j < versions.length; j++) {
      if (versions[j]!.version <= versions[j - 1]!.version) {
        out.push({
          path: `${workflowPath(doc, i)}.versions[${j}].version`,
          message: `versions go oldest first: ${versions[j]!.version} after ${versions[j - 1]!.version}`,
        });
      }
    }
  });
  return out;
}

/** Every object's keys sorted, recursively; arrays keep their order; undefined members dropped. */
export function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortedKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * The document's text: keys sorted at every level (UTF-16 code unit order,
 * the same everywhere), 2-space indentation, a trailing newline.
 * @example documentText({ b: 1, a: [2, 1] }) // '{\n  "a": [\n    2,\n    1\n  ],\n  "b": 1\n}\n'
 */
export function documentText(doc: unknown): string {
  return `${JSON.stringify(sortedKeys(doc), null, 2)}\n`;
}

/**
 * A file name's stem from a workflow's name: lower-case ASCII letters and
 * digits joined by single dashes, at most 60 characters; `workflow` when
 * nothing is left.
 * @example slugOf("Big order approval (EU)") // "big-order-approval-eu"
 */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 60)
    .replace(/^-+|-+$/g, "");
  return slug === "" ? "workflow" : slug;
}

/** Sorted, unique. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}
