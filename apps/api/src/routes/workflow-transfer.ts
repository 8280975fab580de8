// Export and import of workflows (issue 17, item 4): GET
// /v1/workflows/:id/export and /v1/workflows/export (viewers), POST
// /v1/workflows/import (editors). Mounted before the workflow routes, so
// `export` and `import` are not read as workflow ids.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import { authorize } from "../auth/authenticate.ts";
import { actorOf } from "../auth/principal.ts";
import { ErrorCode } from "../errors.ts";
import { type AppEnv, createRouter } from "../http.ts";
import { newId } from "../lib/crypto.ts";
import { nowIso } from "../lib/time.ts";
import { allWorkflowNames } from "../repositories/workflow-transfer.ts";
import { auditKeyOf } from "../services/context.ts";
import { existingCredentials } from "../services/credential-names.ts";
import { problemsOf } from "../services/drafts.ts";
import { writeImported } from "../services/import-writer.ts";
import {
  DocumentKind,
  documentText,
  slugOf,
  WorkflowDocumentSchema,
  WorkspaceDocumentSchema,
} from "../services/transfer-document.ts";
import {
  exportWorkflow,
  exportWorkspace,
  type VersionChoice,
} from "../services/workflow-export.ts";
import {
  MAX_IMPORT_WORKFLOWS,
  mappedRequires,
  missingRequirements,
  planImport,
  readImport,
} from "../services/workflow-import.ts";
import { ErrorSchema, errors, IdParam, jsonBody, jsonResponse } from "./common.ts";
import { view, Workflow } from "./workflows.ts";

const Versions = z.enum(["true", "false"]).optional().openapi({
  description: "true: every saved version travels too (`versions`, oldest first)",
});

const ExportQuery = z.object({
  versions: Versions,
  version: z
    .string()
    .regex(/^(latest|live|[1-9][0-9]{0,8})$/, "latest, live or a version number")
    .optional()
    .openapi({
      description:
        "Which version is `definition`: latest (default; a draft included), live, or a number",
    }),
});

const MapSchema = z.record(z.string().min(1).max(200), z.string().min(1).max(200)).optional();

const ImportBody = z
  .strictObject({
    document: z.unknown().openapi({
      type: "object",
      description:
        "A document from GET /v1/workflows/{id}/export (WorkflowExport) or /v1/workflows/export (WorkspaceExport)",
    }),
    name: z.string().min(1).max(200).optional().openapi({
      description:
        "The imported workflow's name (a single-workflow document only); otherwise its own, or '<name> (imported)', '<name> (imported 2)', … when this workspace has one of that name",
    }),
    map: z.strictObject({ connections: MapSchema, secrets: MapSchema }).optional().openapi({
      description:
        "Names in the document → names in this workspace, for connections and secrets it has under another name; the definitions are rewritten (config.connection, {{ secrets.<name> }})",
    }),
  })
  .openapi("WorkflowImport");

const ImportProblem = z.object({
  path: z.string(),
  message: z.string(),
  position: z
    .object({ offset: z.number(), line: z.number(), column: z.number(), length: z.number() })
    .optional(),
});

const Imported = z
  .object({
    workflows: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        version: z.number().int().openapi({ description: "Its draft (latest) version" }),
        problems: z.array(ImportProblem).openapi({
          description:
            "What keeps the draft from being published (paths in its definition, as drafts list them), and what the import could not carry over (settings.onFailure.workflow; a workflow named in a text that was not found)",
        }),
      }),
    ),
    workflow: Workflow.optional().openapi({
      description: "For a single-workflow document: the workflow, as POST /v1/workflows answers",
    }),
  })
  .openapi("WorkflowImportResult");

const MissingError = z
  .object({
    error: z.object({
      code: z.literal(ErrorCode.missingRequirements),
      message: z.string(),
      details: z.array(ImportProblem),
      missing: z.object({ connections: z.array(z.string()), secrets: z.array(z.string()) }),
      requestId: z.string().optional(),
    }),
  })
  .openapi("MissingRequirements", {
    description:
      "The workspace lacks connections or secrets the document needs: `missing` lists them by their names in the document (map them, or create them, and import again)",
  });

/**
 * The document as a file: its deterministic text (the declared JSON,
 * pretty-printed, which `c.json` does not do), offered as `<stem>.switchyard.json`.
 */
function fileResponse<T>(
  c: Context<AppEnv>,
  doc: T,
  stem: string,
): TypedResponse<JSONParsed<T>, 200, "json"> {
  const res = c.body(documentText(doc), 200, {
    "content-type": "application/json; charset=utf-8",
    "content-disposition": `attachment; filename="${stem}.switchyard.json"`,
    "cache-control": "no-store",
  });
  return res as unknown as TypedResponse<JSONParsed<T>, 200, "json">;
}

const versionChoice = (v: string | undefined): VersionChoice =>
  v === undefined || v === "latest" ? "latest" : v === "live" ? "live" : Number(v);

const fileOf = (schema: z.ZodType, description: string) => ({
  description: `${description}, as a file (Content-Disposition: attachment)`,
  content: { "application/json": { schema } },
});

export const workflowTransferRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/export",
      tags: ["Workflows"],
      summary: "Export every workflow of the workspace as one document",
      description:
        "Deterministic: keys sorted at every level, 2-space indentation, a trailing newline; workflows by name. No ids, times, people or secret values: connections and secrets by name (requires), workflows named in settings or texts by their names.",
      request: { query: z.object({ versions: Versions }) },
      responses: {
        200: fileOf(WorkspaceDocumentSchema, "The workspace's workflows"),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const doc = await exportWorkspace(c.var.db, p.tenantId, {
        versions: c.req.valid("query").versions === "true",
      });
      return fileResponse(c, doc, "workspace");
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/workflows/{id}/export",
      tags: ["Workflows"],
      summary: "Export a workflow as a document",
      description:
        "Deterministic: keys sorted at every level, 2-space indentation, a trailing newline. No ids, times, people or secret values: connections and secrets by name (requires), workflows named in settings or texts by their names.",
      request: { params: IdParam, query: ExportQuery },
      responses: {
        200: fileOf(WorkflowDocumentSchema, "The workflow"),
        ...errors(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const doc = await exportWorkflow(c.var.db, p.tenantId, c.req.valid("param").id, {
        version: versionChoice(q.version),
        versions: q.versions === "true",
      });
      return fileResponse(c, doc, slugOf(doc.workflow.name));
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/workflows/import",
      tags: ["Workflows"],
      summary: "Import a document as drafts (never live)",
      description: `Checks, in order: the format version (422 unsupported_version), the shape (400; paths relative to the document), each definition as a draft (422), requires against the definitions (400), the map (400), and that this workspace has every connection and secret as named or mapped (422 missing_requirements with \`missing\`). Each workflow lands as a draft with its versions (oldest first, the last the draft), at most ${MAX_IMPORT_WORKFLOWS} per import.`,
      request: { body: jsonBody(ImportBody) },
      responses: {
        201: jsonResponse(Imported, "The imported drafts"),
        422: {
          description:
            "Unsupported format version, a definition that is not a workflow, or missing connections or secrets (MissingRequirements)",
          content: { "application/json": { schema: z.union([MissingError, ErrorSchema]) } },
        },
        ...errors(400, 401, 403, 413, 415),
      },
    }),
    async (c) => {
      const p = authorize(c, "write");
      const body = c.req.valid("json");
      const opts = { name: body.name, map: body.map };
      const doc = readImport(body.document, opts);
      const db = c.var.db;
      const lacking = missingRequirements(
        doc.requires,
        opts.map,
        await existingCredentials(c.env, p.tenantId, mappedRequires(doc.requires, opts.map)),
      );
      if (lacking) {
        const n = lacking.details.length;
        return c.json(
          {
            error: {
              code: ErrorCode.missingRequirements,
              message: `This workspace lacks ${n} of the connections and secrets the document needs: create them, or map them to ones it has (map)`,
              details: lacking.details,
              missing: lacking.missing,
              requestId: c.var.requestId,
            },
          },
          422,
        );
      }
      const plan = planImport(doc, opts, await allWorkflowNames(db, p.tenantId), () => newId("wf"));
      const deps = {
        db,
        auditKey: auditKeyOf(c.env),
        tenantId: p.tenantId,
        actor: actorOf(p),
        at: nowIso(),
      };
      for (const w of plan) await writeImported(deps, w);
      const workflows = plan.map((w) => ({
        id: w.id,
        name: w.name,
        version: w.definitions.length,
        problems: [...problemsOf(w.definitions[w.definitions.length - 1]), ...w.importProblems],
      }));
      const single = doc.kind === DocumentKind.workflow;
      return c.json(
        { workflows, ...(single ? { workflow: await view(c, p.tenantId, plan[0]!.id) } : {}) },
        201,
      );
    },
  );
