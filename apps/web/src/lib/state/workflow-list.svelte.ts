// The workflows list and, where GET /v1/runs answers, each workflow's recent runs;
// its 7-day chart, success rate and p95 come from the metrics the tenant's
// store counts as runs end (GET /v1/metrics/workflows: one request for the list).
import { endpoints, messageOf, type Run, type Workflow } from "$lib/api";
import { type MetricBucket, type MetricSummary, metricEndpoints } from "$lib/api-metrics";
import { triggerWords } from "$lib/model/trigger-words";
import { savesSettled } from "./autosave.svelte";

export interface RunStats {
  last?: Run;
  runs24h: number;
  failures24h: number;
  /** Runs per day, the last 7 days, oldest first. */
  perDay: number[];
}

const DAY = 86_400_000;

export function statsOf(runs: Run[], now = Date.now()): Map<string, RunStats> {
  const map = new Map<string, RunStats>();
  for (const run of runs) {
    const s = map.get(run.workflowId) ?? {
      runs24h: 0,
      failures24h: 0,
      perDay: [0, 0, 0, 0, 0, 0, 0],
    };
    const at = Date.parse(run.startedAt);
    if (!s.last || Date.parse(s.last.startedAt) < at) s.last = run;
    if (now - at < DAY) {
      s.runs24h++;
      if (run.status === "failed") s.failures24h++;
    }
    const daysAgo = Math.floor((now - at) / DAY);
    if (daysAgo >= 0 && daysAgo < 7) s.perDay[6 - daysAgo]++;
    map.set(run.workflowId, s);
  }
  return map;
}

/** Seven empty days, today last (a workflow with no runs this week). */
export function emptyWeek(now = Date.now()): MetricBucket[] {
  const today = Math.floor(now / DAY) * DAY;
  return Array.from({ length: 7 }, (_, i) => ({
    start: new Date(today - (6 - i) * DAY).toISOString(),
    runs: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    p50Ms: null,
    p95Ms: null,
  }));
}

export class WorkflowList {
  items = $state<Workflow[]>([]);
  loading = $state(true);
  error = $state("");
  query = $state("");
  /** null while GET /v1/runs is not available: the run columns stay hidden. */
  stats = $state<Map<string, RunStats> | null>(null);
  /** Each workflow's last 7 days; null while the metrics are not available (the column stays hidden). */
  week = $state<Map<string, MetricSummary> | null>(null);

  readonly filtered = $derived.by(() => {
    const q = this.query.trim().toLowerCase();
    if (!q) return this.items;
    return this.items.filter(
      (w) => w.name.toLowerCase().includes(q) || triggerWords(w.trigger).toLowerCase().includes(q),
    );
  });

  async load(): Promise<void> {
    this.loading = true;
    this.error = "";
    try {
      // Leaving the editor saves its draft: list it as saved, not as it was.
      await savesSettled();
      this.items = (await endpoints.workflows()).items;
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
    const [runs, week] = await Promise.allSettled([
      endpoints.runs("limit=200"),
      metricEndpoints.all("7d"),
    ]);
    this.stats = runs.status === "fulfilled" ? statsOf(runs.value.items) : null;
    this.week =
      week.status === "fulfilled" ? new Map(week.value.items.map((m) => [m.workflowId, m])) : null;
  }
}
