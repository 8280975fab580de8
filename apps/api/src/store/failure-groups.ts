// Failure groups (issue 16, item 3): a failed run's signature — workflow,
// failed step (without its loop index: `reserve[3]` → `reserve`), error code
// and the message normalised the way Sentry groups messages — so many runs
// failing the same way show as one line with a count. The runs index keeps
// each failed run's group (runs.error_group, cleared when the run leaves
// failed); this module keeps one row per group with its first and last
// sighting. A group's count is an indexed count of the runs failed with it
// now, so a run retried into success leaves its group without any bookkeeping.
import { flattenSteps, parseInstanceId, type RunState, type StepState } from "@switchyard/engine";
import type { StoreDb } from "./db.ts";
import { run } from "./raw.ts";

/** A normalised message is cut here. */
export const MESSAGE_CHARS = 200;
/** Groups answered per request, largest first. */
export const GROUPS_LISTED = 100;

const ENGINE_CONTAINER_CODES = new Set(["items_failed", "branch_failed"]);

// Order matters: timestamps and UUIDs hold digits and dashes the later rules would split.
const RULES: [RegExp, string][] = [
  [/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, "<time>"],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>"],
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, "<email>"],
  // A URL's query values (the keys stay: they say what was asked).
  [/([?&][^=\s&#"']+=)[^&\s#"']*/g, "$1<v>"],
  [/"[^"]*"|'[^']*'|“[^”]*”/g, '"…"'],
  // Prefixed ids (`ru_3f9a…`, `pay_9004x1`) and bare hex ids with a digit.
  [/\b[A-Za-z]+_(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{4,}\b/g, "<id>"],
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<id>"],
  // Numbers, except an HTTP status after "answered" (a 400 and a 503 are different failures).
  [/(?<!answered )(?<![<\w])-?\d+(?:\.\d+)?/g, "<n>"],
];

/**
 * A message as its group sees it: numbers, UUIDs, hex and prefixed ids,
 * e-mail addresses, quoted strings, ISO timestamps and URL query values
 * replaced by placeholders, whitespace collapsed, cut at 200 characters.
 * @example normaliseMessage('order 1042 for "Ann" at 2026-05-01T10:00:00Z') // 'order <n> for "…" at <time>'
 */
export function normaliseMessage(message: string): string {
  let out = message;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, " ").trim().slice(0, MESSAGE_CHARS);
}

/** FNV-1a, twice (two offsets), as 16 hex digits: a stable id without async crypto. */
function hash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x9e3779b9;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

export interface FailureSignature {
  id: string;
  workflowId: string;
  stepId: string;
  /** The failed step's instance id (`reserve[3]`): where the run failed. */
  instanceId: string;
  action: string | null;
  code: string;
  message: string;
  example: string;
}

/** The group id of a signature's parts. */
export function groupId(workflowId: string, stepId: string, code: string, message: string): string {
  return `fg_${hash(`${workflowId}\u0000${stepId}\u0000${code}\u0000${message}`)}`;
}

/** Index path order: `a[2]` before `a[10]`. */
function byPath(a: string, b: string): number {
  const pa = parseInstanceId(a)?.path ?? [];
  const pb = parseInstanceId(b)?.path ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  }
  return pa.length - pb.length;
}

/** The ids of the steps inside a loop, at any depth. */
function bodyOf(state: RunState, loopId: string): Set<string> {
  const parents = new Map<string, string | null>();
  for (const { step, place } of flattenSteps(state.definition))
    parents.set(step.id, place.parentId);
  const out = new Set<string>();
  for (const id of parents.keys()) {
    for (let p = parents.get(id); p != null; p = parents.get(p)) {
      if (p === loopId) {
        out.add(id);
        break;
      }
    }
  }
  return out;
}

/**
 * The step a failed run failed at: the first failed step in document order
 * whose error is its own (a loop that failed because of its items, or a
 * parallel block because of a branch, points to the failed step inside).
 */
export function failedStepOf(state: RunState): { id: string; step: StepState } | null {
  const own = (s: StepState | undefined) =>
    s !== undefined &&
    s.status === "failed" &&
    s.kind !== "item" &&
    s.error !== null &&
    !ENGINE_CONTAINER_CODES.has(s.error.code);
  for (const id of state.order) {
    const step = state.steps[id];
    if (step?.status !== "failed") continue;
    if (own(step)) return { id, step: step! };
    if (step!.kind !== "forEach") continue;
    // This loop's step instances (`<body step>[i]…`, nested loops' too); the first failed by index.
    const body = bodyOf(state, id);
    const inside = Object.keys(state.steps)
      .filter(
        (k) => k.includes("[") && body.has(parseInstanceId(k)?.stepId ?? "") && own(state.steps[k]),
      )
      .sort(byPath);
    if (inside.length > 0) return { id: inside[0]!, step: state.steps[inside[0]!]! };
  }
  return null;
}

/** A failed run's signature; null for a run that is not failed or failed before any step (its filter). */
export function failureSignature(state: RunState): FailureSignature | null {
  if (state.status !== "failed") return null;
  const failed = failedStepOf(state);
  if (failed === null) return null;
  const stepId = parseInstanceId(failed.id)?.stepId ?? failed.id;
  const error = failed.step.error!;
  const message = normaliseMessage(error.message);
  return {
    id: groupId(state.workflowId, stepId, error.code, message),
    workflowId: state.workflowId,
    stepId,
    instanceId: failed.id,
    action: failed.step.action,
    code: error.code,
    message,
    example: error.message.slice(0, 1_000),
  };
}

/**
 * Notes a failure of the group at `at` (the run's end). Idempotent: a
 * repeated index write of the same end moves neither first nor last seen.
 */
export function noteFailure(
  db: StoreDb,
  tenantId: string,
  runId: string,
  sig: FailureSignature,
  at: string,
): void {
  run(
    db,
    `INSERT INTO failure_groups (tenant_id, id, workflow_id, step_id, action, code, message, example, sample_run_id, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, id) DO UPDATE SET
       first_seen = min(first_seen, excluded.first_seen),
       example = CASE WHEN excluded.last_seen >= last_seen THEN excluded.example ELSE example END,
       sample_run_id = CASE WHEN excluded.last_seen >= last_seen THEN excluded.sample_run_id ELSE sample_run_id END,
       last_seen = max(last_seen, excluded.last_seen)`,
    tenantId,
    sig.id,
    sig.workflowId,
    sig.stepId,
    sig.action,
    sig.code,
    sig.message,
    sig.example,
    runId,
    at,
    at,
  );
}

export interface FailureGroupView {
  id: string;
  workflowId: string;
  stepId: string;
  action: string | null;
  code: string;
  message: string;
  example: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  sampleRunId: string;
}

export interface FailureGroupQuery {
  workflowId?: string | undefined;
  /** Runs created at or after / before (ISO), as in the runs list. */
  since?: string | undefined;
  until?: string | undefined;
}

/**
 * The groups with runs failed now, largest first: an indexed count over the
 * failed runs only (runs_error_group), joined to each group's row.
 */
export function listFailureGroups(
  db: StoreDb,
  tenantId: string,
  q: FailureGroupQuery,
): FailureGroupView[] {
  const conds = ["r.tenant_id = ?", "r.error_group IS NOT NULL"];
  const params: unknown[] = [tenantId];
  if (q.workflowId) {
    conds.push("r.workflow_id = ?");
    params.push(q.workflowId);
  }
  if (q.since) {
    conds.push("r.created_at >= ?");
    params.push(q.since);
  }
  if (q.until) {
    conds.push("r.created_at <= ?");
    params.push(q.until);
  }
  const rows = run<{
    id: string;
    workflow_id: string;
    step_id: string;
    action: string | null;
    code: string;
    message: string;
    example: string;
    sample_run_id: string;
    first_seen: string;
    last_seen: string;
    n: number;
  }>(
    db,
    `SELECT g.id, g.workflow_id, g.step_id, g.action, g.code, g.message, g.example,
            g.sample_run_id, g.first_seen, g.last_seen, c.n
       FROM (SELECT r.error_group AS grp, count(*) AS n FROM runs r
              WHERE ${conds.join(" AND ")} GROUP BY r.error_group) c
       JOIN failure_groups g ON g.tenant_id = ? AND g.id = c.grp
      ORDER BY c.n DESC, g.last_seen DESC
      LIMIT ?`,
    ...params,
    tenantId,
    GROUPS_LISTED,
  );
  return rows.map((r) => ({
    id: r.id,
    workflowId: r.workflow_id,
    stepId: r.step_id,
    action: r.action,
    code: r.code,
    message: r.message,
    example: r.example,
    count: r.n,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    sampleRunId: r.sample_run_id,
  }));
}

/** Groups by id (for the runs they name): step, code and message. */
export function groupsById(
  db: StoreDb,
  tenantId: string,
  ids: string[],
): Map<string, { stepId: string; action: string | null; code: string; message: string }> {
  const out = new Map<
    string,
    { stepId: string; action: string | null; code: string; message: string }
  >();
  const unique = [...new Set(ids)];
  // 90 ids per statement: a Durable Object's SQLite takes 100 bound parameters at most.
  for (let i = 0; i < unique.length; i += 90) {
    const chunk = unique.slice(i, i + 90);
    for (const r of run<{
      id: string;
      step_id: string;
      action: string | null;
      code: string;
      message: string;
    }>(
      db,
      `SELECT id, step_id, action, code, message FROM failure_groups WHERE tenant_id = ? AND id IN (${chunk.map(() => "?").join(", ")})`,
      tenantId,
      ...chunk,
    )) {
      out.set(r.id, { stepId: r.step_id, action: r.action, code: r.code, message: r.message });
    }
  }
  return out;
}

/** Retention (store/retention.ts): groups last seen before `cutoff` go (their runs went with it). */
export function purgeFailureGroups(db: StoreDb, cutoff: string): void {
  run(db, "DELETE FROM failure_groups WHERE last_seen < ?", cutoff);
}
