// Failure groups and bulk retry (issue 16, items 2 and 3; apps/api routes for
// failure groups, bulk-retry previews and jobs): failed runs grouped by what
// went wrong, a preview of what retrying many of them would do again, and the
// tracked job that retries them.
import { api, type Page } from "./api";

/** Failures of one step with the same error code and the same message, numbers and ids aside. */
export interface FailureGroup {
  id: string;
  workflowId: string;
  stepId: string;
  action: string | null;
  code: string;
  /** The message with its numbers and ids replaced: "ERP answered <n> for order <id>". */
  message: string;
  /** One real message of the group. */
  example: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  sampleRunId: string;
}

/** Which failed runs a bulk retry takes, and on which version. */
export interface BulkSelection {
  workflowId?: string;
  status: "failed";
  since?: string;
  until?: string;
  errorGroup?: string;
  stepId?: string;
  /** A version number, or "live"; absent: each run's own version. */
  version?: number | "live";
}

export interface BulkPreview {
  runs: number;
  steps: { again: number; kept: number; firstTime: number };
  /** Effects that happen again, by action ("send_email": 38). */
  effects: Record<string, number>;
  /** Effects that do not happen twice (the delivery ledger, effect markers), by action. */
  deduplicated: Record<string, number>;
  webhookCalls: { calls: number; originalIds: number };
  wouldFailAgain: number;
  wouldFailAgainRuns: Array<{
    runId: string;
    workflowId: string;
    stepId: string;
    code: string;
    message: string;
    why: string;
  }>;
  incompatible: Array<{ runId: string; reason: string }>;
  incompatibleCount: number;
  limit: number;
}

export type JobStatus = "queued" | "running" | "succeeded" | "cancelled" | "failed";

export interface Job {
  id: string;
  kind: "bulk_retry";
  status: JobStatus;
  total: number;
  /** Runs taken so far, whatever came of them (retried, refused or skipped). */
  done: number;
  /** Runs the retry refused (see `failures`). */
  failed: number;
  /** Runs no longer failed when their turn came. */
  skipped?: number;
  createdAt?: string;
  createdBy?: { type: string; id: string };
  finishedAt?: string | null;
  selection?: BulkSelection;
  failures?: Array<{ runId: string; reason: string }>;
}

const enc = encodeURIComponent;

/** The query string of a selection, for the failure groups and the runs list. */
export function selectionQuery(s: Partial<BulkSelection>): string {
  const q = new URLSearchParams();
  for (const key of ["workflowId", "since", "until", "errorGroup", "stepId"] as const) {
    const v = s[key];
    if (v) q.set(key, v);
  }
  return q.toString();
}

export const bulkRetry = {
  failureGroups: (s: { workflowId?: string; since?: string; until?: string }) =>
    api<{ items: FailureGroup[] }>("GET", `/v1/failure-groups?${selectionQuery(s)}`),
  preview: (s: BulkSelection) => api<BulkPreview>("POST", "/v1/runs/bulk-retry/preview", s),
  start: (s: BulkSelection) => api<{ job: Job }>("POST", "/v1/runs/bulk-retry", s),
  job: (id: string) => api<Job>("GET", `/v1/jobs/${enc(id)}`),
  /** The newest jobs first. */
  jobs: (limit = 5) => api<Page<Job>>("GET", `/v1/jobs?limit=${limit}`),
  cancel: (id: string) => api<Job>("POST", `/v1/jobs/${enc(id)}/cancel`),
};
