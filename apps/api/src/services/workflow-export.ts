// Export (issue 17, item 4): a workflow, or every workflow of the tenant, as
// a document with nothing of the tenant in it (transfer-document.ts). What
// travels: the name, description and definition (the latest version unless
// another is asked for), the versions on request, the settings that mean
// the same elsewhere (auto-pause, alerts that name no one, the on-failure
// workflow by its name), and what the definitions need, by name.
import { definitionRequires, type WorkflowDefinition } from "@switchyard/engine";
import type { Db } from "../db/client.ts";
import { notFound } from "../errors.ts";
import {
  allWorkflowRows,
  type StoredVersion,
  versionsOf,
  workflowNames,
} from "../repositories/workflow-transfer.ts";
import { getDefinitions, getWorkflowRow, type WorkflowRow } from "../repositories/workflows.ts";
import { parseAutoPause } from "../store/auto-pause.ts";
import { DEFAULT_RECIPIENTS, parseAlerts } from "./alert-settings.ts";
import {
  DOCUMENT_VERSION,
  DocumentKind,
  documentText,
  type Requires,
  sortedUnique,
  type TransferSettings,
  type TransferWorkflow,
  type WorkflowDocument,
  type WorkspaceDocument,
} from "./transfer-document.ts";
import { candidateIds, idsToRefs } from "./transfer-refs.ts";

/** Which version a single export's `definition` is: the latest (drafts included), the live one, or a number. */
export type VersionChoice = "latest" | "live" | number;

/** A workflow's stored parts that an entry is made of. */
interface Source {
  row: WorkflowRow;
  /** The chosen version's definition (JSON text). */
  definition: string;
  /** Every version, oldest first, when they travel. */
  versions?: StoredVersion[];
}

type Definition = Record<string, unknown>;

/** The settings that mean the same in any workspace; `handlerName` is the on-failure workflow's. */
function settingsOf(row: WorkflowRow, handlerName: string | null): TransferSettings | undefined {
  const out: TransferSettings = {};
  const alerts = parseAlerts(row.alerts);
  // Alerts naming members name this workspace's people: they stay behind.
  if (alerts && alerts.recipients === DEFAULT_RECIPIENTS) {
    out.alerts = { enabled: alerts.enabled, recipients: DEFAULT_RECIPIENTS };
  }
  const autoPause = parseAutoPause(row.autoPause);
  if (autoPause) out.autoPause = autoPause;
  if (handlerName !== null) out.onFailure = { workflow: handlerName };
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Builds the entries of these workflows: every workflow id in their text
 * written by name, the on-failure handler named (a deleted one is left out:
 * it runs nothing).
 */
async function entriesOf(db: Db, tenantId: string, sources: Source[]): Promise<TransferWorkflow[]> {
  const parsed = sources.map((s) => ({
    ...s,
    def: JSON.parse(s.definition) as Definition,
    defs: s.versions?.map((v) => ({ version: v.version, definition: JSON.parse(v.definition) })),
  }));
  const ids = new Set<string>();
  for (const p of parsed) {
    for (const id of candidateIds([p.def, p.defs])) ids.add(id);
    if (p.row.onFailure) ids.add(p.row.onFailure);
  }
  const known = await workflowNames(db, tenantId, [...ids]);
  const names = new Map([...known].map(([id, w]) => [id, w.name]));
  return parsed.map((p) => {
    const handler = p.row.onFailure ? known.get(p.row.onFailure) : undefined;
    const definition = idsToRefs(p.def, names);
    const entry: TransferWorkflow = {
      name: String(definition.name),
      definition,
    };
    if (typeof definition.description === "string") entry.description = definition.description;
    if (p.defs) entry.versions = p.defs.map((v) => idsToRefs(v, names));
    const settings = settingsOf(p.row, handler && !handler.deleted ? handler.name : null);
    if (settings) entry.settings = settings;
    return entry;
  });
}

/** What the entries' definitions (every version's too) need, by name. */
export function requiresOf(entries: readonly TransferWorkflow[]): Requires {
  const connections: string[] = [];
  const secrets: string[] = [];
  for (const e of entries) {
    for (const d of [e.definition, ...(e.versions ?? []).map((v) => v.definition)]) {
      const r = definitionRequires(d as unknown as WorkflowDefinition);
      connections.push(...r.connections);
      secrets.push(...r.secrets);
    }
  }
  return { connections: sortedUnique(connections), secrets: sortedUnique(secrets) };
}

/**
 * One workflow as a document; 404 when it is missing (or another tenant's),
 * or has no such version.
 * @example const doc = await exportWorkflow(db, tenantId, "wf_1", { version: "latest", versions: false })
 */
export async function exportWorkflow(
  db: Db,
  tenantId: string,
  id: string,
  opts: { version: VersionChoice; versions: boolean },
): Promise<WorkflowDocument> {
  const row = await getWorkflowRow(db, tenantId, id);
  if (!row) throw notFound("Workflow");
  const n =
    opts.version === "latest"
      ? row.latestVersion
      : opts.version === "live"
        ? row.liveVersion
        : opts.version;
  if (n === null) throw notFound("A live version of this workflow");
  const versions = opts.versions ? ((await versionsOf(db, tenantId, [id])).get(id) ?? []) : null;
  const text =
    versions?.find((v) => v.version === n)?.definition ??
    (await getDefinitions(db, tenantId, [{ workflowId: id, version: n }])).get(`${id}@${n}`);
  if (text === undefined) throw notFound(`Version ${n}`);
  const [workflow] = await entriesOf(db, tenantId, [
    { row, definition: text, ...(versions ? { versions } : {}) },
  ]);
  return {
    switchyard: DOCUMENT_VERSION,
    kind: DocumentKind.workflow,
    workflow: workflow!,
    requires: requiresOf([workflow!]),
  };
}

/**
 * Every visible workflow of the tenant as one document, each with its
 * latest definition (and its versions on request), ordered by name and then
 * by content, so the order means the same in every workspace.
 */
export async function exportWorkspace(
  db: Db,
  tenantId: string,
  opts: { versions: boolean },
): Promise<WorkspaceDocument> {
  const rows = await allWorkflowRows(db, tenantId);
  const ids = rows.map((r) => r.id);
  const versions = opts.versions ? await versionsOf(db, tenantId, ids) : null;
  const latest = versions
    ? null
    : await getDefinitions(
        db,
        tenantId,
        rows.map((r) => ({ workflowId: r.id, version: r.latestVersion })),
      );
  const sources: Source[] = rows.map((row) => {
    const all = versions?.get(row.id) ?? [];
    const definition = versions
      ? all.find((v) => v.version === row.latestVersion)?.definition
      : latest!.get(`${row.id}@${row.latestVersion}`);
    // Every workflow has its latest version (they are saved together).
    if (definition === undefined)
      throw new Error(`${row.id}: version ${row.latestVersion} missing`);
    return { row, definition, ...(versions ? { versions: all } : {}) };
  });
  const entries = await entriesOf(db, tenantId, sources);
  const keyed = entries.map((e) => ({ e, text: documentText(e) }));
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  keyed.sort((a, b) => order(a.e.name, b.e.name) || order(a.text, b.text));
  const workflows = keyed.map((k) => k.e);
  return {
    switchyard: DOCUMENT_VERSION,
    kind: DocumentKind.workspace,
    workflows,
    requires: requiresOf(workflows),
  };
}
