// Failure alerts in a tenant's store (issue 14). The store hears of every
// run's end already (the runs index); with that same write it keeps each
// workflow's streak of failed runs and decides what is owed: the first
// failure of a streak is told (with the failing step's name, the error in
// words and a link to the run), the next ones only count, and the first
// success after them is told as a recovery with the count. What is owed is
// stored in the same transaction as the index row and delivered after it
// (store/alert-delivery.ts), so a run end delivered twice alerts once and a
// crash in between still alerts.
import { flattenSteps, type RunState } from "@switchyard/engine";
import { and, eq, getTableName } from "drizzle-orm";
import { notePauseFailure } from "./auto-pause.ts";
import type { StoreDb } from "./db.ts";
import { run } from "./raw.ts";
import { failureStreaks, owedAlerts } from "./schema.ts";

/** The words kept of an error in an alert. */
const MAX_ERROR_CHARS = 500;

/** What the store needs of a run that ended failed or succeeded. */
export interface RunEnd {
  runId: string;
  workflowId: string;
  workflowName: string;
  status: "failed" | "succeeded";
  /** The checkpoint that ended it: a retry that fails again is another end. */
  seq: number;
  finishedAt: string;
  /** The failing step (null when the run failed before any step: its filter). */
  step: { id: string; name: string; input: unknown } | null;
  error: string | null;
}

export type AlertKind = "failing" | "recovered" | "paused";

export interface Alert {
  id: string;
  kind: AlertKind;
  workflowId: string;
  workflowName: string;
  runId: string;
  at: string;
  /** failing: 1; recovered: the failed runs of the streak that ended. */
  count: number;
  since: string;
  step: string | null;
  error: string | null;
  /** paused: the threshold it crossed (`count` failed runs within its minutes). */
  threshold?: { failures: number; minutes: number };
}

export type FailureStreak = typeof failureStreaks.$inferSelect;

/**
 * What the run DO tells the store when a run ends failed or succeeded;
 * null for other ends (cancelled, filtered, suppressed) and test runs,
 * which neither alert nor break a streak.
 */
export function runEndOf(state: RunState, at: string): RunEnd | null {
  if (state.test) return null;
  if (state.status !== "failed" && state.status !== "succeeded") return null;
  let step: RunEnd["step"] = null;
  let error: string | null = state.error?.message ?? null;
  if (state.status === "failed") {
    const byId = new Map(flattenSteps(state.definition).map((v) => [v.step.id, v.step]));
    const failed = state.order.filter((id) => state.steps[id]?.status === "failed");
    // The innermost failure says most: a block fails because a step in it did.
    const actions = failed.filter((i) => state.steps[i]?.kind === "action");
    const id = actions.at(-1) ?? failed.at(-1);
    if (id !== undefined) {
      const s = state.steps[id]!;
      step = { id, name: byId.get(id)?.name?.trim() || id, input: s.input ?? null };
      error = s.error?.message ?? error;
    } else if (state.filter?.error) {
      // Its filter failed before any step ran.
      step = { id: "filter", name: "Filter", input: state.event.data };
    }
    error = (error ?? "The run failed").slice(0, MAX_ERROR_CHARS);
  }
  return {
    runId: state.runId,
    workflowId: state.workflowId,
    workflowName: state.definition.name,
    status: state.status,
    seq: state.seq,
    finishedAt: state.finishedAt === null ? at : new Date(state.finishedAt).toISOString(),
    step,
    error,
  };
}

export function getStreak(
  db: StoreDb,
  tenantId: string,
  workflowId: string,
): FailureStreak | undefined {
  return db
    .select()
    .from(failureStreaks)
    .where(and(eq(failureStreaks.tenantId, tenantId), eq(failureStreaks.workflowId, workflowId)))
    .get();
}

/** Every workflow failing now (the workflow list shows them). */
export function listStreaks(db: StoreDb, tenantId: string): FailureStreak[] {
  return db.select().from(failureStreaks).where(eq(failureStreaks.tenantId, tenantId)).all();
}

/**
 * Moves the workflow's streak on by a fresh run end (the caller has checked
 * it is not a repeat) and stores the alert it owes, if any. Runs inside the
 * transaction that writes the run's index row.
 */
export function noteRunEnd(db: StoreDb, tenantId: string, end: RunEnd): Alert | null {
  const streak = getStreak(db, tenantId, end.workflowId);
  const where = and(
    eq(failureStreaks.tenantId, tenantId),
    eq(failureStreaks.workflowId, end.workflowId),
  );
  const base = {
    id: `alert_${end.runId}_${end.seq}`,
    workflowId: end.workflowId,
    workflowName: end.workflowName,
    runId: end.runId,
    at: end.finishedAt,
  };
  let alert: Alert | null = null;
  if (end.status === "succeeded") {
    if (!streak) return null;
    db.delete(failureStreaks).where(where).run();
    alert = {
      ...base,
      kind: "recovered",
      count: streak.failedRuns,
      since: streak.since,
      step: null,
      error: null,
    };
  } else if (streak) {
    db.update(failureStreaks)
      .set({
        failedRuns: streak.failedRuns + 1,
        lastRunId: end.runId,
        lastFailedAt: end.finishedAt,
        lastStep: end.step?.name ?? null,
        lastError: end.error,
      })
      .where(where)
      .run();
    return null;
  } else {
    db.insert(failureStreaks)
      .values({
        tenantId,
        workflowId: end.workflowId,
        since: end.finishedAt,
        failedRuns: 1,
        firstRunId: end.runId,
        lastRunId: end.runId,
        lastFailedAt: end.finishedAt,
        lastStep: end.step?.name ?? null,
        lastError: end.error,
      })
      .run();
    alert = {
      ...base,
      kind: "failing",
      count: 1,
      since: end.finishedAt,
      step: end.step?.name ?? null,
      error: end.error,
    };
  }
  oweAlert(db, tenantId, alert);
  return alert;
}

function oweAlert(db: StoreDb, tenantId: string, alert: Alert): void {
  db.insert(owedAlerts)
    .values({ id: alert.id, tenantId, alert: JSON.stringify(alert), createdAt: alert.at })
    .onConflictDoNothing()
    .run();
}

/**
 * A fresh run end, for its workflow's streak and, when it failed, its
 * auto-pause threshold: `owes` when an alert waits to be delivered,
 * `paused` when the workflow just left the live copy.
 */
export function noteRunEndAll(
  db: StoreDb,
  tenantId: string,
  end: RunEnd,
): { owes: boolean; paused: boolean } {
  const streak = noteRunEnd(db, tenantId, end);
  const pause = notePauseFailure(db, end);
  if (pause) oweAlert(db, tenantId, pause);
  return { owes: streak !== null || pause !== null, paused: pause !== null };
}

/** Alerts not delivered yet, oldest first (a few at a time). */
export function owedAlertsOf(db: StoreDb, tenantId: string, limit = 20): Alert[] {
  return db
    .select()
    .from(owedAlerts)
    .where(eq(owedAlerts.tenantId, tenantId))
    .orderBy(owedAlerts.createdAt)
    .limit(limit)
    .all()
    .map((r) => JSON.parse(r.alert) as Alert);
}

/** Read on every match pass and run end: SQL text, not a drizzle build each time. */
const ANY_OWED = `SELECT 1 AS one FROM "${getTableName(owedAlerts)}" LIMIT 1`;

/** True while an alert waits to be delivered (the alarm tries again). */
export function hasOwedAlerts(db: StoreDb): boolean {
  return run(db, ANY_OWED).length > 0;
}

export function settleAlert(db: StoreDb, tenantId: string, id: string): void {
  db.delete(owedAlerts)
    .where(and(eq(owedAlerts.tenantId, tenantId), eq(owedAlerts.id, id)))
    .run();
}

/** The run's page in the builder: a same-origin path. */
export const runLink = (runId: string): string => `/runs/${encodeURIComponent(runId)}`;

/** The workflow's settings page, where a paused workflow is turned back on. */
export const settingsLink = (workflowId: string): string =>
  `/workflows/${encodeURIComponent(workflowId)}/settings`;

const minutesWords = (m: number): string =>
  m % 60 === 0 ? `${m / 60} hour${m === 60 ? "" : "s"}` : `${m} minute${m === 1 ? "" : "s"}`;

const plural = (n: number): string => `${n} failed run${n === 1 ? "" : "s"}`;

/**
 * The alert in words: the in-app notification's message, and the email's
 * subject and body (its link on the platform's own origin).
 * @example alertText(alert, "https://app.example").subject // "Workflow 'Orders' is failing"
 */
export function alertText(
  a: Alert,
  publicUrl: string,
): { message: string; subject: string; body: string; link: string } {
  const origin = publicUrl.replace(/\/+$/, "");
  if (a.kind === "paused") {
    const link = settingsLink(a.workflowId);
    const within = a.threshold ? ` within ${minutesWords(a.threshold.minutes)}` : "";
    const message = `Workflow '${a.workflowName}' was paused after ${plural(a.count)}${within}. It starts no new runs until someone turns it back on.`;
    const last = a.step ? ` at step '${a.step}'` : "";
    return {
      message,
      subject: `Workflow '${a.workflowName}' was paused`,
      body:
        `${message}\n\nThe last failure${last}: ${a.error ?? "the run failed"}\n` +
        `The run: ${origin}${runLink(a.runId)}\n\nTurn it back on: ${origin}${link}\n`,
      link,
    };
  }
  const link = runLink(a.runId);
  const url = `${origin}${link}`;
  if (a.kind === "recovered") {
    const message = `Workflow '${a.workflowName}' recovered after ${plural(a.count)}.`;
    return {
      message,
      subject: `Workflow '${a.workflowName}' recovered`,
      body: `${message}\n\nIt had been failing since ${a.since}. The run that succeeded: ${url}\n`,
      link,
    };
  }
  const where = a.step ? ` at step '${a.step}'` : "";
  const message = `Workflow '${a.workflowName}' failed${where}: ${a.error ?? "the run failed"}`;
  return {
    message,
    subject: `Workflow '${a.workflowName}' is failing`,
    body:
      `${message}\n\nThe run: ${url}\n\n` +
      "You will not be told of further failures until it succeeds again; then you hear how many runs failed.\n",
    link,
  };
}
