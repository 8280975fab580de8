// Open waits (issue 15, part 3; apps/api routes/waits.ts): runs whose "Wait
// for an event" step waits, what for, and stopping one (the run then takes
// the step's "If nothing arrives" branch).
import { type AuditEntry, api, type Page } from "./api";

export interface OpenWait {
  runId: string;
  stepId: string;
  workflowId: string;
  /** The event types it waits for. */
  event: string[];
  match: string | null;
  /** The values the match's `event.<path> == …` parts took when it opened, by event path. */
  keys: Record<string, unknown>;
  deadline: string;
  openedAt?: string;
}

const enc = encodeURIComponent;

export const waitEndpoints = {
  /** Open waits, oldest first: of one workflow, or all. */
  list: (workflowId?: string) =>
    api<Page<OpenWait>>(
      "GET",
      `/v1/waits?limit=100${workflowId ? `&workflowId=${enc(workflowId)}` : ""}`,
    ),
  /** Stops waiting: the run goes on with the step's "If nothing arrives" branch. */
  stop: (runId: string, stepId: string) =>
    api<{ runId: string; stepId: string; status: string }>(
      "DELETE",
      `/v1/waits/${enc(runId)}/${enc(stepId)}`,
    ),
  /** Who stopped a run's wait (the audit log's `wait.cancelled`), when the log says. */
  async stoppedBy(
    runId: string,
    stepId: string,
    since?: string | null,
  ): Promise<AuditEntry | null> {
    const q = new URLSearchParams({ type: "wait.cancelled", limit: "100" });
    if (since) q.set("since", since);
    const page = await api<Page<AuditEntry>>("GET", `/v1/audit?${q}`);
    return page.items.find((e) => e.subject === runId && e.details.stepId === stepId) ?? null;
  },
};
