// Who is told when a run fails (issue 14): the tenant's default (GET|PUT
// /v1/settings/tenant `alerts`) and each workflow's own choice (PATCH
// /v1/workflows/:id `alerts`, null: follow the tenant). D1 holds both as
// JSON; the tenant's store reads them here only when it owes an alert — the
// first failure of a streak, a recovery — never per run.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { workflows, workflowVersions } from "../db/schema.ts";
import { ApiError, ErrorCode, type Problem } from "../errors.ts";
import { listMembers } from "../repositories/users.ts";
import { settingsRow } from "./settings.ts";

/** `default`: whoever last published the workflow, and the tenant's admins and owners. */
export const DEFAULT_RECIPIENTS = "default";
/** Most people one alert names. */
export const MAX_ALERT_RECIPIENTS = 50;

export interface AlertSettings {
  enabled: boolean;
  /** `"default"`, or member ids (GET /v1/members). */
  recipients: typeof DEFAULT_RECIPIENTS | string[];
}

export const DEFAULT_ALERTS: AlertSettings = { enabled: true, recipients: DEFAULT_RECIPIENTS };

/** The stored JSON, or null when there is none (or it does not parse: the default then applies). */
export function parseAlerts(json: string | null | undefined): AlertSettings | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as Partial<AlertSettings>;
    const recipients =
      Array.isArray(v.recipients) && v.recipients.every((r) => typeof r === "string")
        ? v.recipients
        : DEFAULT_RECIPIENTS;
    return { enabled: v.enabled !== false, recipients };
  } catch {
    return null;
  }
}

export const alertsJson = (a: AlertSettings): string =>
  JSON.stringify({ enabled: a.enabled, recipients: a.recipients });

/**
 * Refuses (422, each with its path) recipients who are not members of the
 * tenant: an alert for nobody would be silence that looks like a setting.
 */
export async function checkRecipients(
  db: Db,
  tenantId: string,
  alerts: AlertSettings,
  path: string,
): Promise<void> {
  if (alerts.recipients === DEFAULT_RECIPIENTS) return;
  const members = new Set((await listMembers(db, tenantId)).map((m) => m.id));
  const problems: Problem[] = [];
  alerts.recipients.forEach((id, i) => {
    if (!members.has(id))
      problems.push({
        path: `${path}.recipients[${i}]`,
        message: `'${id}' is not a member of this workspace (GET /v1/members lists them)`,
      });
  });
  if (problems.length > 0)
    throw new ApiError(
      422,
      ErrorCode.validationFailed,
      "Alerts name people who are not members",
      problems,
    );
}

export interface AlertAudience {
  /** Alerts on for this workflow (its own choice, else the tenant's). */
  enabled: boolean;
  people: { userId: string; email: string; name: string }[];
}

/**
 * Who hears of this workflow's failures now: its own setting, else the
 * tenant's, else the default (the last publisher, if still a member, and
 * the admins and owners). Three small D1 reads, made once per alert.
 */
export async function alertAudience(
  db: Db,
  tenantId: string,
  workflowId: string,
): Promise<AlertAudience> {
  const [settings, wfRows, members] = await Promise.all([
    settingsRow(db, tenantId),
    db
      .select({
        alerts: workflows.alerts,
        publishedBy: workflows.publishedBy,
        liveCreatedBy: workflowVersions.createdBy,
      })
      .from(workflows)
      .leftJoin(
        workflowVersions,
        and(
          eq(workflowVersions.workflowId, workflows.id),
          eq(workflowVersions.version, workflows.liveVersion),
        ),
      )
      .where(and(eq(workflows.tenantId, tenantId), eq(workflows.id, workflowId)))
      .limit(1),
    listMembers(db, tenantId),
  ]);
  const wf = wfRows[0];
  const chosen = parseAlerts(wf?.alerts) ?? parseAlerts(settings?.alerts) ?? DEFAULT_ALERTS;
  if (!chosen.enabled) return { enabled: false, people: [] };
  const publisher = wf?.publishedBy ?? wf?.liveCreatedBy ?? null;
  const wanted =
    chosen.recipients === DEFAULT_RECIPIENTS
      ? members.filter((m) => m.id === publisher || m.role === "admin" || m.role === "owner")
      : members.filter((m) => (chosen.recipients as string[]).includes(m.id));
  return {
    enabled: true,
    people: wanted
      .slice(0, MAX_ALERT_RECIPIENTS)
      .map((m) => ({ userId: m.id, email: m.email, name: m.name })),
  };
}
