// Workflows that travel (issue 17, items 4 and 5): templates to start from,
// and export to a file and import from one. The connections and secrets they
// need are named only (api-credentials.ts reads the workspace's).
import { ApiFailure, type ApiProblem, api, type Page } from "./api";
import type { DraftWorkflow } from "./api-drafts";

/** What a workflow (or a template) needs from the workspace, by name. */
export interface Requirements {
  connections: string[];
  secrets: string[];
}

export type TemplateParamType =
  | "text"
  | "number"
  | "person"
  | "event_type"
  | "connection"
  | "secret"
  | "duration"
  | "email";

/** One blank a template asks to have filled in. */
export interface TemplateParam {
  name: string;
  label: string;
  help?: string;
  type: TemplateParamType;
  default?: string | number;
  required?: boolean;
  example?: string | number;
}

export interface TemplateSummary {
  id: string;
  title: string;
  description: string;
  category: string;
  params: TemplateParam[];
  requires: Requirements;
  /** What this workspace lacks of `requires` (absent on servers that do not say). */
  ready?: { missingConnections: string[]; missingSecrets: string[] };
}

/**
 * A template with the workflow it makes (its name and description too), its
 * blanks still in it: `[[name]]` in a text, `{ "$param": "name" }` for a
 * whole value (the engine's fillTemplate fills them).
 */
export interface TemplateDetail extends TemplateSummary {
  definition: Record<string, unknown>;
}

export type TemplateValues = Record<string, string | number>;

/** Names in the document mapped to names in this workspace. */
export interface ImportMap {
  connections: Record<string, string>;
  secrets: Record<string, string>;
}

export interface ImportedWorkflow {
  id: string;
  name: string;
  version: number;
  problems: ApiProblem[];
}

/** An import refused for what the workspace lacks (422 `missing_requirements`). */
export class MissingRequirements extends Error {
  constructor(
    message: string,
    readonly missing: Requirements,
  ) {
    super(message);
  }
}

/** A file the browser offers to save. */
export interface Download {
  filename: string;
  blob: Blob;
}

const enc = encodeURIComponent;

const names = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** The `missing` of a 422 answer, wherever the error puts it (beside or inside `error`). */
export function missingOf(body: unknown): Requirements {
  const b = (body ?? {}) as { missing?: unknown; error?: { missing?: unknown } };
  const m = (b.error?.missing ?? b.missing ?? {}) as { connections?: unknown; secrets?: unknown };
  return { connections: names(m.connections), secrets: names(m.secrets) };
}

/** The filename a `Content-Disposition` header gives, if any. */
export function dispositionFilename(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain filename
    }
  }
  const plain = /filename\s*=\s*(?:"([^"]*)"|([^;]+))/.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? "").trim();
  return name || null;
}

async function download(path: string, fallback: string): Promise<Download> {
  let res: Response;
  try {
    res = await fetch(path, {
      credentials: "same-origin",
      headers: { accept: "application/json" },
    });
  } catch {
    throw new ApiFailure(0, "network", "Cannot reach the server. Check your connection.");
  }
  if (!res.ok) {
    const data = (await res.json().catch(() => ({}))) as {
      error?: { code: string; message: string };
    };
    throw new ApiFailure(
      res.status,
      data.error?.code ?? "error",
      data.error?.message ?? res.statusText,
    );
  }
  const blob = await res.blob();
  return {
    filename: dispositionFilename(res.headers.get("content-disposition")) ?? fallback,
    blob: blob.type ? blob : new Blob([blob], { type: "application/json" }),
  };
}

/** Hands a downloaded file to the browser, which saves it under its name. */
export function saveFile(file: Download): void {
  const url = URL.createObjectURL(file.blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = file.filename;
  a.rel = "noopener";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const travelEndpoints = {
  templates: () => api<Page<TemplateSummary>>("GET", "/v1/templates"),
  template: (id: string) => api<TemplateDetail>("GET", `/v1/templates/${enc(id)}`),
  /** Makes a draft from the template (422 with `params.<name>` details when a value is wrong). */
  useTemplate: (id: string, params: TemplateValues, name?: string) =>
    api<DraftWorkflow>("POST", `/v1/templates/${enc(id)}/use`, {
      params,
      ...(name ? { name } : {}),
    }),

  exportWorkflow: (id: string, versions = false) =>
    download(`/v1/workflows/${enc(id)}/export${versions ? "?versions=true" : ""}`, "workflow.json"),
  exportAll: () => download("/v1/workflows/export", "workflows.json"),
  /**
   * Imports a document as drafts. A workspace without what it needs answers
   * `MissingRequirements` (map them, or create them, and try again).
   */
  async importDocument(
    document: unknown,
    options: { name?: string; map?: ImportMap } = {},
  ): Promise<{ workflows: ImportedWorkflow[] }> {
    const body = {
      document,
      ...(options.name ? { name: options.name } : {}),
      ...(options.map ? { map: options.map } : {}),
    };
    try {
      return await api<{ workflows: ImportedWorkflow[] }>("POST", "/v1/workflows/import", body);
    } catch (err) {
      if (err instanceof ApiFailure && err.code === "missing_requirements") {
        throw new MissingRequirements(err.message, missingOf(err.body));
      }
      throw err;
    }
  },
};
