// Metrics (issue 16, item 5): per workflow, runs per hour or day, success
// rate, p50/p95 durations and the slowest or most failing steps, over 24 h,
// 7 d or 30 d. Aggregated as runs end, never by scanning runs per request:
// the transaction that writes a run's final index row (StoreCore.indexRun)
// also upserts one row of counters for the workflow's UTC hour of the run's
// finish, and one per (step, hour) for the action and forEach steps that
// finished in it. A row keeps a fixed histogram of durations (BOUNDS, log
// spaced), from which the read side estimates percentiles. A view sums at
// most 720 hourly rows (30 days); rows older than 31 days are purged with
// the store's retention pass.
//
// What counts:
// - A run counts when its index row first moves into `succeeded`, `failed`
//   or `cancelled` (the previous row says whether this is the first time:
//   the same end told twice counts once). `cancelled` is counted apart and
//   is neither a success nor a failure, nor a duration. A failed run that
//   is retried and ends again counts again, in the hour of its new finish:
//   the metrics count run ends.
// - Not counted: test runs, and runs that never ran a step (`filtered`,
//   `suppressed`, a schedule's `skipped` occurrence; these end at matching).
// - Duration: the run's finish minus its start. Steps: action steps and
//   forEach steps (a loop counts once, with its whole duration, not per
//   item); blocks, delays and waits are left out (their time is waiting).
import type { StoreDb } from "./db.ts";
import { run } from "./raw.ts";
import type { RunAuditRecord, RunRow } from "./runs.ts";

const HOUR_MS = 3_600_000;
const DAY_HOURS = 24;
/** Metric rows are kept this long (the longest window is 30 days). */
export const METRIC_KEEP_HOURS = 31 * DAY_HOURS;

/** The longest duration a bin resolves (30 days); longer ones share the last bin. */
const MAX_MS = 30 * 24 * HOUR_MS;
/** Log-spaced bins between 1 ms and 30 days. */
const LOG_BINS = 46;
/**
 * Upper bounds of the duration bins: bin 0 is [0, 1 ms), bin i (1 … 46) is
 * [BOUNDS[i-1], BOUNDS[i]), each 1.6 times the one before, and bin 47 is
 * 30 days or more. A percentile is estimated within its bin (log-linear),
 * clamped to the fastest and slowest run seen: within a factor of 1.6, and
 * exact when the runs in a bucket took the same time.
 */
export const BOUNDS: readonly number[] = [
  1,
  ...Array.from({ length: LOG_BINS }, (_, i) => Math.exp(((i + 1) * Math.log(MAX_MS)) / LOG_BINS)),
];
export const BIN_COUNT = BOUNDS.length + 1;
/** The bin width as a ratio, for the OpenAPI description. */
export const BIN_RATIO = Math.exp(Math.log(MAX_MS) / LOG_BINS);

/** The bin of a duration. */
export function binOf(ms: number): number {
  if (!(ms >= 1)) return 0;
  if (ms >= MAX_MS) return BIN_COUNT - 1;
  let i = Math.min(
    LOG_BINS,
    Math.max(1, 1 + Math.floor((Math.log(ms) / Math.log(MAX_MS)) * LOG_BINS)),
  );
  while (i > 1 && ms < BOUNDS[i - 1]!) i--;
  while (i < LOG_BINS && ms >= BOUNDS[i]!) i++;
  return i;
}

const emptyHist = (): number[] => new Array<number>(BIN_COUNT).fill(0);
const histWith = (bin: number | null): string => {
  const h = emptyHist();
  if (bin !== null) h[bin] = 1;
  return JSON.stringify(h);
};

/** Run statuses metrics count. */
const COUNTED = ["succeeded", "failed", "cancelled"] as const;
const FINAL = new Set(["succeeded", "failed", "cancelled", "filtered", "suppressed", "skipped"]);

type Prev = Pick<RunRow, "status" | "seq" | "finishedAt" | "hasObject">;

/**
 * True when writing `row` over `prev` is this run's first word of a new end:
 * the write moves the index forward (the upsert's own rule) and the row was
 * not already at this end (a repeat of the same end changes nothing).
 */
export function isNewEnd(prev: Prev | undefined, row: Prev): boolean {
  if (!(COUNTED as readonly string[]).includes(row.status)) return false;
  if (prev === undefined) return true;
  const forward = row.seq > prev.seq || (row.seq === prev.seq && row.hasObject && !prev.hasObject);
  if (!forward) return false;
  return !FINAL.has(prev.status) || prev.finishedAt !== row.finishedAt;
}

const UPSERT_HOUR = `INSERT INTO metric_hours
  (tenant_id, workflow_id, hour, succeeded, failed, cancelled, hist, min_ms, max_ms)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
  ON CONFLICT (tenant_id, workflow_id, hour) DO UPDATE SET
    succeeded = succeeded + excluded.succeeded,
    failed = failed + excluded.failed,
    cancelled = cancelled + excluded.cancelled,
    hist = CASE WHEN ?9 IS NULL THEN hist ELSE json_set(hist, ?9, json_extract(hist, ?9) + 1) END,
    min_ms = CASE WHEN ?8 IS NULL THEN min_ms ELSE min(coalesce(min_ms, ?8), ?8) END,
    max_ms = CASE WHEN ?8 IS NULL THEN max_ms ELSE max(coalesce(max_ms, ?8), ?8) END`;

const UPSERT_STEP = `INSERT INTO metric_steps
  (tenant_id, workflow_id, hour, step_id, runs, failed, hist, min_ms, max_ms)
  VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7, ?7)
  ON CONFLICT (tenant_id, workflow_id, hour, step_id) DO UPDATE SET
    runs = runs + 1,
    failed = failed + excluded.failed,
    hist = json_set(hist, ?8, json_extract(hist, ?8) + 1),
    min_ms = min(coalesce(min_ms, ?7), ?7),
    max_ms = max(coalesce(max_ms, ?7), ?7)`;

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const span = (from: string | null, to: string | null): number | null => {
  const a = ms(from);
  const b = ms(to);
  return a === null || b === null || Number.isNaN(a) || Number.isNaN(b) ? null : Math.max(0, b - a);
};

/**
 * The metrics hook, inside the transaction that writes the run's index row:
 * one upsert for the run's hour and one per finished action or loop step,
 * nothing read. `prev` is the index row before this write.
 */
export function noteRunMetrics(
  db: StoreDb,
  tenantId: string,
  prev: Prev | undefined,
  row: RunRow,
  audit: RunAuditRecord | undefined,
  now: number,
): void {
  if (row.test || !isNewEnd(prev, row)) return;
  const finished = ms(row.finishedAt) ?? now;
  const hour = Math.floor(finished / HOUR_MS);
  const status = row.status as (typeof COUNTED)[number];
  const counted = status !== "cancelled";
  const duration = counted ? (span(row.startedAt, row.finishedAt) ?? 0) : null;
  const bin = duration === null ? null : binOf(duration);
  run(
    db,
    UPSERT_HOUR,
    tenantId,
    row.workflowId,
    hour,
    status === "succeeded" ? 1 : 0,
    status === "failed" ? 1 : 0,
    status === "cancelled" ? 1 : 0,
    histWith(bin),
    duration,
    bin === null ? null : `$[${bin}]`,
  );
  if (!counted || audit === undefined) return;
  for (const s of audit.steps) {
    if (s.action === undefined && s.items === undefined) continue;
    if (s.status !== "succeeded" && s.status !== "failed") continue;
    const d = span(s.startedAt, s.finishedAt);
    if (d === null) continue;
    const b = binOf(d);
    run(
      db,
      UPSERT_STEP,
      tenantId,
      row.workflowId,
      hour,
      s.id,
      s.status === "failed" ? 1 : 0,
      histWith(b),
      d,
      `$[${b}]`,
    );
  }
}

/** Purges metric rows older than METRIC_KEEP_HOURS, a bounded batch per table. */
export function purgeMetrics(db: StoreDb, now: number, batch = 5_000): number {
  const cutoff = Math.floor(now / HOUR_MS) - METRIC_KEEP_HOURS;
  let n = 0;
  for (const table of ["metric_hours", "metric_steps"]) {
    n += run<{ one: number }>(
      db,
      `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE hour < ? LIMIT ?) RETURNING 1 AS one`,
      cutoff,
      batch,
    ).length;
  }
  return n;
}

export function hasMetrics(db: StoreDb): boolean {
  return run(db, "SELECT 1 AS one FROM metric_hours LIMIT 1").length > 0;
}

// ── Reading ─────────────────────────────────────────────────────────────

export const METRIC_WINDOWS = ["24h", "7d", "30d"] as const;
export type MetricWindow = (typeof METRIC_WINDOWS)[number];

/** A window's buckets: 24 hours, or 7 or 30 UTC days, the current one last. */
export function windowSpan(
  window: MetricWindow,
  now: number,
): { bucketHours: number; buckets: number; fromHour: number; toHour: number } {
  const hour = Math.floor(now / HOUR_MS);
  if (window === "24h") return { bucketHours: 1, buckets: 24, fromHour: hour - 23, toHour: hour };
  const days = window === "7d" ? 7 : 30;
  const day = Math.floor(hour / DAY_HOURS);
  return {
    bucketHours: DAY_HOURS,
    buckets: days,
    fromHour: (day - days + 1) * DAY_HOURS,
    toHour: (day + 1) * DAY_HOURS - 1,
  };
}

/** Counts and a merged histogram. */
interface Tally {
  succeeded: number;
  failed: number;
  cancelled: number;
  hist: number[];
  min: number | null;
  max: number | null;
}

const tally = (): Tally => ({
  succeeded: 0,
  failed: 0,
  cancelled: 0,
  hist: emptyHist(),
  min: null,
  max: null,
});

function add(t: Tally, r: HourRow | StepRow): void {
  if (typeof r.step_id === "string") {
    const s = r as StepRow;
    t.succeeded += s.runs - s.failed;
  } else {
    const h = r as HourRow;
    t.succeeded += h.succeeded;
    t.cancelled += h.cancelled;
  }
  t.failed += r.failed;
  const h = JSON.parse(r.hist) as number[];
  for (let i = 0; i < BIN_COUNT; i++) t.hist[i]! += h[i] ?? 0;
  if (r.min_ms !== null) t.min = t.min === null ? r.min_ms : Math.min(t.min, r.min_ms);
  if (r.max_ms !== null) t.max = t.max === null ? r.max_ms : Math.max(t.max, r.max_ms);
}

/** The q-quantile (0 … 1) of a histogram, or null when it is empty. */
export function quantile(
  hist: readonly number[],
  q: number,
  min: number | null,
  max: number | null,
): number | null {
  const n = hist.reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let before = 0;
  for (let i = 0; i < hist.length; i++) {
    const c = hist[i]!;
    if (before + c < rank) {
      before += c;
      continue;
    }
    const lo = i === 0 ? 0 : BOUNDS[i - 1]!;
    const hi = i < BOUNDS.length ? BOUNDS[i]! : (max ?? lo);
    const frac = (rank - before - 0.5) / c;
    let v = lo <= 0 ? hi * frac : lo * (hi / lo) ** frac;
    if (min !== null) v = Math.max(v, min);
    if (max !== null) v = Math.min(v, max);
    return Math.round(v);
  }
  return null;
}

interface HourRow extends Record<string, string | number | null> {
  workflow_id: string;
  hour: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  hist: string;
  min_ms: number | null;
  max_ms: number | null;
}

interface StepRow extends Record<string, string | number | null> {
  step_id: string;
  runs: number;
  failed: number;
  hist: string;
  min_ms: number | null;
  max_ms: number | null;
}

export interface MetricCounts {
  runs: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface MetricBucket extends MetricCounts {
  start: string;
}

export interface StepMetric {
  stepId: string;
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

export interface WorkflowMetricsView extends MetricSummary {
  slowSteps: StepMetric[];
  failingSteps: StepMetric[];
}

/** Steps listed as slowest or most failing. */
const TOP_STEPS = 5;

const counts = (t: Tally): MetricCounts => ({
  runs: t.succeeded + t.failed,
  succeeded: t.succeeded,
  failed: t.failed,
  cancelled: t.cancelled,
  p50Ms: quantile(t.hist, 0.5, t.min, t.max),
  p95Ms: quantile(t.hist, 0.95, t.min, t.max),
});

function summarise(rows: HourRow[], window: MetricWindow, now: number): MetricSummary {
  const w = windowSpan(window, now);
  const buckets = Array.from({ length: w.buckets }, tally);
  const total = tally();
  for (const r of rows) {
    const i = Math.floor((r.hour - w.fromHour) / w.bucketHours);
    if (i < 0 || i >= w.buckets) continue;
    add(buckets[i]!, r);
    add(total, r);
  }
  const c = counts(total);
  return {
    window,
    ...c,
    successRate: c.runs === 0 ? null : c.succeeded / c.runs,
    buckets: buckets.map((t, i) => ({
      start: new Date((w.fromHour + i * w.bucketHours) * HOUR_MS).toISOString(),
      ...counts(t),
    })),
  };
}

const HOURS_OF = `SELECT workflow_id, hour, succeeded, failed, cancelled, hist, min_ms, max_ms
  FROM metric_hours WHERE tenant_id = ? AND workflow_id = ? AND hour >= ? AND hour <= ?`;
const STEPS_OF = `SELECT step_id, runs, failed, hist, min_ms, max_ms
  FROM metric_steps WHERE tenant_id = ? AND workflow_id = ? AND hour >= ? AND hour <= ?`;
const HOURS_ALL = `SELECT workflow_id, hour, succeeded, failed, cancelled, hist, min_ms, max_ms
  FROM metric_hours WHERE tenant_id = ? AND hour >= ? AND hour <= ?`;

/** One workflow's metrics over a window, from its hourly rows. */
export function workflowMetrics(
  db: StoreDb,
  tenantId: string,
  workflowId: string,
  window: MetricWindow,
  now: number,
): WorkflowMetricsView {
  const w = windowSpan(window, now);
  const rows = run<HourRow>(db, HOURS_OF, tenantId, workflowId, w.fromHour, w.toHour);
  const byStep = new Map<string, Tally>();
  for (const r of run<StepRow>(db, STEPS_OF, tenantId, workflowId, w.fromHour, w.toHour)) {
    const t = byStep.get(r.step_id) ?? tally();
    byStep.set(r.step_id, t);
    add(t, r);
  }
  const steps: StepMetric[] = [...byStep].map(([stepId, t]) => {
    const c = counts(t);
    return { stepId, runs: c.runs, failed: c.failed, p50Ms: c.p50Ms, p95Ms: c.p95Ms };
  });
  const slowSteps = [...steps]
    .sort((a, b) => (b.p95Ms ?? 0) - (a.p95Ms ?? 0) || a.stepId.localeCompare(b.stepId))
    .slice(0, TOP_STEPS);
  const failingSteps = steps
    .filter((s) => s.failed > 0)
    .sort((a, b) => b.failed - a.failed || b.failed / b.runs - a.failed / a.runs)
    .slice(0, TOP_STEPS);
  return { ...summarise(rows, window, now), slowSteps, failingSteps };
}

/** Every workflow's summary over a window (the workflow list), workflows without runs left out. */
export function tenantMetrics(
  db: StoreDb,
  tenantId: string,
  window: MetricWindow,
  now: number,
): ({ workflowId: string } & MetricSummary)[] {
  const w = windowSpan(window, now);
  const byWorkflow = new Map<string, HourRow[]>();
  for (const r of run<HourRow>(db, HOURS_ALL, tenantId, w.fromHour, w.toHour)) {
    const list = byWorkflow.get(r.workflow_id);
    if (list === undefined) byWorkflow.set(r.workflow_id, [r]);
    else list.push(r);
  }
  return [...byWorkflow].map(([workflowId, rows]) => ({
    workflowId,
    ...summarise(rows, window, now),
  }));
}
