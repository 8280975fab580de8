// Metrics (issue 16, item 5; apps/api routes/workflow-metrics.ts): runs per
// hour or day, success rate, p50/p95 durations and the slowest or most
// failing steps, counted by the tenant's store as runs end.
import { api } from "./api";

export type MetricWindow = "24h" | "7d" | "30d";

export interface MetricCounts {
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface MetricBucket extends MetricCounts {
  /** The bucket's first instant (UTC hour or UTC day). */
  start: string;
}

export interface StepMetric {
  stepId: string;
  name?: string;
  runs: number;
  failed: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface MetricSummary extends MetricCounts {
  window: MetricWindow;
  successRate: number | null;
  buckets: MetricBucket[];
}

export interface WorkflowMetrics extends MetricSummary {
  slowSteps: StepMetric[];
  failingSteps: StepMetric[];
}

const enc = encodeURIComponent;

export const metricEndpoints = {
  /** One workflow's metrics over a window (the editor's Metrics tab). */
  workflow: (id: string, window: MetricWindow) =>
    api<WorkflowMetrics>("GET", `/v1/workflows/${enc(id)}/metrics?window=${window}`),
  /** Every workflow's summary over a window, in one request (the workflow list). */
  all: (window: MetricWindow) =>
    api<{ window: MetricWindow; items: ({ workflowId: string } & MetricSummary)[] }>(
      "GET",
      `/v1/metrics/workflows?window=${window}`,
    ),
};
