// The tenant's own settings (API.md, Wave 2 "Tenant settings"): its time
// zone, locale and how many days run history is kept. D1 holds them (null
// columns mean the default); the tenant's store keeps a copy of the
// retention for the alarm that purges history (store/retention.ts); the
// store reads `alerts` when it owes a failure alert (alert-settings.ts). A
// change is one `settings.updated` audit entry in the same D1 batch.
import { TENANT_RUNNING_CAP } from "@switchyard/engine";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import { tenantSettings } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { storeFor } from "../store/client.ts";
import { DEFAULT_RETENTION_DAYS } from "../store/retention.ts";
import { type AlertSettings, alertsJson, DEFAULT_ALERTS, parseAlerts } from "./alert-settings.ts";
import { auditKeyOf } from "./context.ts";
import { forgetSettings, type SettingsRow, settingsRow } from "./settings.ts";

/** Run history is kept at least a day and at most 400 days (a year and a bit). */
export const RETENTION_DAYS_MIN = 1;
export const RETENTION_DAYS_MAX = 400;

export interface TenantSettingsView {
  timezone: string;
  locale: string;
  retentionDays: number;
  /** Every member signs in with a second factor (single sign-on: the identity provider's). */
  require2fa: boolean;
  /** Failure alerts of workflows that do not choose their own. */
  alerts: AlertSettings;
  /**
   * Flow control's tenant-wide cap: runs of every workflow running at once
   * (a run waiting on a delay, an approval or an event does not count);
   * beyond it new runs wait. The store keeps a copy (store/flow.ts).
   */
  maxRunningRuns: number;
}

export type TenantSettingsInput = Partial<TenantSettingsView>;

export const TENANT_SETTINGS_DEFAULTS: TenantSettingsView = {
  timezone: "UTC",
  locale: "en",
  retentionDays: DEFAULT_RETENTION_DAYS,
  require2fa: false,
  alerts: DEFAULT_ALERTS,
  maxRunningRuns: TENANT_RUNNING_CAP.default,
};

/**
 * The canonical IANA name of a time zone (`europe/berlin` → `Europe/Berlin`),
 * or null when the runtime does not know it. UTC offsets (`+01:00`) are not
 * zones: they ignore daylight saving time.
 * @example canonicalTimeZone("Europe/Berlin") // "Europe/Berlin"
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^[A-Za-z]/.test(name)) return null;
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/**
 * The canonical form of a BCP 47 language tag (`de-ch` → `de-CH`), or null
 * when it is not one.
 * @example canonicalLocale("pt-br") // "pt-BR"
 */
export function canonicalLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    return canonical ?? null;
  } catch {
    return null;
  }
}

export function tenantSettingsView(row: SettingsRow | undefined): TenantSettingsView {
  return {
    timezone: row?.timezone ?? TENANT_SETTINGS_DEFAULTS.timezone,
    locale: row?.locale ?? TENANT_SETTINGS_DEFAULTS.locale,
    retentionDays: row?.retentionDays ?? TENANT_SETTINGS_DEFAULTS.retentionDays,
    require2fa: row?.require2fa ?? TENANT_SETTINGS_DEFAULTS.require2fa,
    alerts: parseAlerts(row?.alerts) ?? TENANT_SETTINGS_DEFAULTS.alerts,
    maxRunningRuns: row?.maxRunningRuns ?? TENANT_SETTINGS_DEFAULTS.maxRunningRuns,
  };
}

/**
 * Changes the fields given (the others stay), audits what changed, then
 * hands the retention to the tenant's store. Values arrive validated by the
 * route; names and tags are stored in their canonical form.
 * @example await putTenantSettings(db, env, tenantId, actor, { retentionDays: 14 }, now)
 */
export async function putTenantSettings(
  db: Db,
  env: Env,
  tenantId: string,
  actor: Actor,
  input: TenantSettingsInput,
  now: string,
): Promise<TenantSettingsView> {
  const before = tenantSettingsView(await settingsRow(db, tenantId));
  // The route has checked them: canonicalising cannot fail here.
  const wanted: TenantSettingsInput = {
    timezone: input.timezone && (canonicalTimeZone(input.timezone) ?? input.timezone),
    locale: input.locale && (canonicalLocale(input.locale) ?? input.locale),
    retentionDays: input.retentionDays,
    require2fa: input.require2fa,
    alerts: input.alerts,
    maxRunningRuns: input.maxRunningRuns,
  };
  const after: TenantSettingsView = { ...before };
  // Only what changed is written: a field never set keeps following the default.
  const set: Partial<SettingsRow> & { updatedAt: string } = { updatedAt: now };
  const changes: Record<string, { old: unknown; new: unknown }> = {};
  if (wanted.timezone !== undefined && wanted.timezone !== before.timezone) {
    after.timezone = set.timezone = wanted.timezone;
    changes.timezone = { old: before.timezone, new: wanted.timezone };
  }
  if (wanted.locale !== undefined && wanted.locale !== before.locale) {
    after.locale = set.locale = wanted.locale;
    changes.locale = { old: before.locale, new: wanted.locale };
  }
  if (wanted.retentionDays !== undefined && wanted.retentionDays !== before.retentionDays) {
    after.retentionDays = set.retentionDays = wanted.retentionDays;
    changes.retentionDays = { old: before.retentionDays, new: wanted.retentionDays };
  }
  if (wanted.require2fa !== undefined && wanted.require2fa !== before.require2fa) {
    after.require2fa = set.require2fa = wanted.require2fa;
    changes.require2fa = { old: before.require2fa, new: wanted.require2fa };
  }
  if (wanted.maxRunningRuns !== undefined && wanted.maxRunningRuns !== before.maxRunningRuns) {
    after.maxRunningRuns = set.maxRunningRuns = wanted.maxRunningRuns;
    changes.maxRunningRuns = { old: before.maxRunningRuns, new: wanted.maxRunningRuns };
  }
  if (wanted.alerts !== undefined && alertsJson(wanted.alerts) !== alertsJson(before.alerts)) {
    after.alerts = wanted.alerts;
    set.alerts = alertsJson(wanted.alerts);
    changes.alerts = { old: before.alerts, new: wanted.alerts };
  }

  if (Object.keys(changes).length > 0) {
    await commitWithAudit(
      db,
      auditKeyOf(env),
      tenantId,
      now,
      () => [
        db
          .insert(tenantSettings)
          .values({ tenantId, ...set })
          .onConflictDoUpdate({ target: tenantSettings.tenantId, set }),
      ],
      [{ type: AuditType.settingsUpdated, actor, subject: "tenant", details: changes }],
    );
    forgetSettings(tenantId);
  }
  // Pushed whenever it is named, changed or not: should a push fail after
  // the commit, sending the same value again brings the store in line.
  if (input.retentionDays !== undefined) {
    await storeFor(env, tenantId).setRetention(tenantId, after.retentionDays);
  }
  if (input.maxRunningRuns !== undefined) {
    await storeFor(env, tenantId).setMaxRunningRuns(tenantId, after.maxRunningRuns);
  }
  // Schedules without a zone of their own follow the tenant's.
  if (input.timezone !== undefined) await storeFor(env, tenantId).refreshWorkflows(tenantId);
  return after;
}
