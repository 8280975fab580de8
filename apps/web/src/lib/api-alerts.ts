// Failure alerts (apps/api services/alert-settings.ts, routes/workflow-settings.ts):
// who is told when a run fails, for the workspace and for each workflow, and
// how a failing workflow is shown.
import { api, type TenantSettings, type Workflow } from "./api";

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
