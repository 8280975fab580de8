// Failure alerts (apps/api services/alert-settings.ts, routes/workflow-settings.ts):
// who is told when a run fails, for the workspace and for each workflow, and
// how a failing workflow is shown.
import { api, type TenantSettings, type Workflow } from "./api";
import { workspaceFormat } from "./state/workspace-format.svelte";

/** `"default"`: the person who last published the workflow, and the admins and owners. */
export interface AlertSettings {
  enabled: boolean;
  recipients: "default" | string[];
}

/** A workflow whose runs keep failing, since the last success. */
export interface Failing {
  since: string;
  failedRuns: number;
  lastFailedAt: string;
  lastRunId: string;
  step: string | null;
  error: string | null;
}

/** Pause the workflow after `failures` failed runs within `minutes`. */
export interface AutoPause {
  failures: number;
  minutes: number;
}

/** Why a workflow was paused automatically. */
export interface Paused {
  at: string;
  failures: number;
  minutes: number | null;
  runId: string;
}

/** Times and days in the workspace's time zone and locale. */
const TIME: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit" };
const DAY: Intl.DateTimeFormatOptions = { day: "numeric", month: "short" };

export const alertEndpoints = {
  /** null: never pause it automatically. */
  saveAutoPause: (workflowId: string, autoPause: AutoPause | null) =>
    api<Workflow>("PATCH", `/v1/workflows/${encodeURIComponent(workflowId)}`, { autoPause }),
  /** null: the workflow follows the workspace's choice. */
  saveWorkflowAlerts: (workflowId: string, alerts: AlertSettings | null) =>
    api<Workflow>("PATCH", `/v1/workflows/${encodeURIComponent(workflowId)}`, { alerts }),
  /** null: nothing runs when a run fails. */
  saveOnFailure: (workflowId: string, handlerId: string | null) =>
    api<Workflow>("PATCH", `/v1/workflows/${encodeURIComponent(workflowId)}`, {
      onFailure: handlerId ? { workflowId: handlerId } : null,
    }),
  saveWorkspaceAlerts: (alerts: AlertSettings) =>
    api<TenantSettings>("PUT", "/v1/settings/tenant", { alerts }),
};

/**
 * "Failing since 10:42 — 3 failed runs" (the time alone when it is today).
 * @example failingText({ since: "2026-12-05T10:42:00Z", failedRuns: 3, … }, now)
 */
export function failingText(f: Failing, now = new Date()): string {
  const time = workspaceFormat.when(f.since, TIME);
  const today =
    workspaceFormat.when(f.since, { dateStyle: "short" }) ===
    workspaceFormat.when(now.toISOString(), { dateStyle: "short" });
  const when = today ? time : `${workspaceFormat.when(f.since, DAY)} ${time}`;
  return `Failing since ${when} — ${f.failedRuns} failed run${f.failedRuns === 1 ? "" : "s"}`;
}

/** One line of a run's history (GET /v1/runs/:id/history). */
export interface RunHistoryEntry {
  kind: "failed" | "succeeded" | "retried";
  at: string;
  version: number | null;
  step?: string | null;
  error?: string | null;
  by?: { type: string; id: string; name: string | null };
  fromVersion?: number | null;
}

export const runHistory = (runId: string) =>
  api<{ items: RunHistoryEntry[] }>("GET", `/v1/runs/${encodeURIComponent(runId)}/history`);

/**
 * "10 minutes", "2 hours", "1 day".
 * @example minutesText(90) // "90 minutes"
 */
export function minutesText(m: number): string {
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (m % 1440 === 0) return unit(m / 1440, "day");
  if (m % 60 === 0) return unit(m / 60, "hour");
  return unit(m, "minute");
}

/**
 * "Paused on 5 Dec, 17:40 after 3 failed runs within 10 minutes".
 * @example pausedText({ at: "2026-12-05T17:40:00Z", failures: 3, minutes: 10, runId: "run_1" })
 */
export function pausedText(p: Paused): string {
  const when = `${workspaceFormat.when(p.at, DAY)}, ${workspaceFormat.when(p.at, TIME)}`;
  const within = p.minutes ? ` within ${minutesText(p.minutes)}` : "";
  return `Paused on ${when} after ${p.failures} failed runs${within}`;
}
