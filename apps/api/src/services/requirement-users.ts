// Which workflows use each connection or secret (issue 17): the `usedBy`
// of /v1/connections and /v1/secrets, and the in-use check of their DELETE.
import { definitionRequires, type WorkflowDefinition } from "@switchyard/engine";
import type { Db } from "../db/client.ts";
import { getDefinitions, listWorkflowRows } from "../repositories/workflows.ts";

/** A workflow that uses the name: in its live version, or only in its latest draft. */
export interface RequirementUser {
  workflowId: string;
  name: string;
  live: boolean;
}

const PAGE = 100;

/**
 * Every connection (or secret) name the tenant's workflows use, with the
 * workflows: a workflow's live version counts as `live: true`; a name only
 * its latest version (a draft) uses counts as `live: false`. Deleted
 * workflows do not count. One read of each definition (pages of 100
 * workflows, within D1's bound parameters).
 * @example (await requirementUsers(db, tenantId, "secrets")).get("erp_token") // [{ workflowId, name, live }]
 */
export async function requirementUsers(
  db: Db,
  tenantId: string,
  kind: "connections" | "secrets",
): Promise<Map<string, RequirementUser[]>> {
  const out = new Map<string, RequirementUser[]>();
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await listWorkflowRows(db, tenantId, { limit: PAGE, after });
    const keys = page.flatMap((w) => [
      ...(w.liveVersion !== null ? [{ workflowId: w.id, version: w.liveVersion }] : []),
      ...(w.latestVersion !== w.liveVersion
        ? [{ workflowId: w.id, version: w.latestVersion }]
        : []),
    ]);
    const defs = keys.length > 0 ? await getDefinitions(db, tenantId, keys) : new Map();
    for (const w of page) {
      const names = (version: number | null) => {
        const text = version === null ? undefined : defs.get(`${w.id}@${version}`);
        return text ? definitionRequires(JSON.parse(text) as WorkflowDefinition)[kind] : [];
      };
      const live = new Set(names(w.liveVersion));
      const draft = w.latestVersion !== w.liveVersion ? names(w.latestVersion) : [];
      for (const name of new Set([...live, ...draft])) {
        const list = out.get(name) ?? [];
        list.push({ workflowId: w.id, name: w.name, live: live.has(name) });
        out.set(name, list);
      }
    }
    const last = page[page.length - 1];
    if (page.length < PAGE || !last) return out;
    after = { createdAt: last.createdAt, id: last.id };
  }
}
