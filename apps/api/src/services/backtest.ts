// Backtest a draft (issue 16, item 4): the draft and the live version dry-run
// over the tenant's own past events of the trigger's type, newest first. A
// read: nothing is written anywhere (no runs, no outbox, no audit entry).
//
// Bounded cost: at most 1,000 events, each dry-run twice (the expression
// language budgets every evaluation already); the store is read in pages of
// PAGE events, and the whole request stops at a time and a size budget and
// says `truncated: true`. The Workers clock only moves across I/O, so the
// time budget is checked between pages (each page is a store call).
import {
  type DryRunResult,
  type DryRunStep,
  dryRun,
  SCHEDULE_EVENT_TYPE,
  triggerType,
  type WorkflowDefinition,
} from "@switchyard/engine";
import type { TenantStoreStub } from "../store/client.ts";
import type { EventRow, RunOfEvent } from "../store/events.ts";
import { envelopeOf } from "../store/matching.ts";
import { eventKey } from "./event-key.ts";

export const BACKTEST_DEFAULT = 100;
export const BACKTEST_MAX = 1_000;
/** Events per store call: 50 × 256 KiB stays well under an RPC's 32 MiB. */
const PAGE = 50;
/** Wall time for the whole request, checked between pages. */
export const BACKTEST_TIME_MS = 5_000;
/** Event data read, in characters of JSON. */
const DATA_BUDGET = 16 * 1024 * 1024;
/** Answer size, in characters of JSON. */
const ANSWER_BUDGET = 4 * 1024 * 1024;
/** Pages read at most (schedule events of other workflows are skipped). */
const MAX_PAGES = 60;

export interface BacktestStep {
  id: string;
  runs: boolean;
  action?: string;
  kind?: string;
  branch?: "then" | "else";
  waits?: true;
  items?: number;
  error?: { code: string; message: string };
}

export interface BacktestItem {
  eventId: string;
  /** "order 1042": the event's key words, when it has an id. */
  key: string | null;
  occurredAt: string;
  receivedAt: string;
  matched: boolean;
  /** The filter's explanation parts (source, value or error). */
  explain: DryRunResult["filter"]["explanation"];
  /** The filter failed: the event would fail the run, not start it. */
  error?: { code: string; message: string };
  /** The steps a run would take (empty when it does not match). */
  steps: BacktestStep[];
  /** The live version's answer for the same event; null without a live version. */
  live: { matched: boolean; error?: { code: string; message: string } } | null;
  /**
   * What really happened: the run the event gave this workflow (`filtered`
   * when the filter said no then), null when none (e.g. it was not live).
   */
  run: { id: string; status: string } | null;
}

export interface BacktestResult {
  version: number;
  liveVersion: number | null;
  eventType: string;
  events: number;
  matched: number;
  liveMatched: number | null;
  /** Events where the version and the live version answer differently (0 without a live one). */
  differ: number;
  truncated: boolean;
  items: BacktestItem[];
}

export interface BacktestInput {
  workflowId: string;
  version: { version: number; definition: WorkflowDefinition };
  live: { version: number; definition: WorkflowDefinition } | null;
  limit: number;
}

/** The tenant store's one read this needs (structurally, for tests). */
export type EventSource = Pick<TenantStoreStub, "listEvents">;

/**
 * @example
 * await backtest(storeFor(env, t), t, { workflowId, version, live, limit: 100 })
 * // { events: 100, matched: 23, liveMatched: 19, differ: 4, items: [...] }
 */
export async function backtest(
  store: EventSource,
  tenantId: string,
  input: BacktestInput,
  clock: () => number = Date.now,
): Promise<BacktestResult> {
  const started = clock();
  const type = triggerType(input.version.definition.trigger);
  const liveType = input.live ? triggerType(input.live.definition.trigger) : null;
  const items: BacktestItem[] = [];
  let after: { receivedAt: string; id: string } | null = null;
  let dataRead = 0;
  let answerSize = 0;
  let truncated = false;
  let pages = 0;
  paging: while (items.length < input.limit) {
    if (pages >= MAX_PAGES || clock() - started > BACKTEST_TIME_MS) {
      truncated = true;
      break;
    }
    pages += 1;
    const rows = (await store.listEvents(tenantId, {
      type,
      limit: PAGE,
      after,
    })) as unknown as (EventRow & { runs: RunOfEvent[] })[];
    const page = rows.slice(0, PAGE);
    for (const row of page) {
      if (!isReal(row, type, input.workflowId)) continue;
      dataRead += row.data.length;
      if (dataRead > DATA_BUDGET) {
        truncated = true;
        break paging;
      }
      const item = itemFor(row, input, liveType);
      answerSize += JSON.stringify(item).length;
      if (answerSize > ANSWER_BUDGET) {
        truncated = true;
        break paging;
      }
      items.push(item);
      if (items.length >= input.limit) break paging;
    }
    const last = page[page.length - 1];
    if (rows.length <= PAGE || !last) break;
    after = { receivedAt: last.receivedAt, id: last.id };
  }
  const matched = items.filter((i) => i.matched).length;
  return {
    version: input.version.version,
    liveVersion: input.live?.version ?? null,
    eventType: type,
    events: items.length,
    matched,
    liveMatched: input.live ? items.filter((i) => i.live?.matched).length : null,
    differ: input.live ? items.filter((i) => i.matched !== i.live?.matched).length : 0,
    truncated,
    items,
  };
}

/**
 * Real events only: test events (sent to one workflow by its test run) are
 * left out, and a schedule's events count only for the workflow it belongs to.
 */
function isReal(row: EventRow, type: string, workflowId: string): boolean {
  if (row.onlyWorkflowId !== null) return false;
  if (type !== SCHEDULE_EVENT_TYPE) return true;
  try {
    const data = JSON.parse(row.data) as { workflowId?: unknown } | null;
    return data?.workflowId === workflowId;
  } catch {
    return false;
  }
}

function itemFor(
  row: EventRow & { runs: RunOfEvent[] },
  input: BacktestInput,
  liveType: string | null,
): BacktestItem {
  const envelope = envelopeOf(row);
  // Matching judged the event at its arrival: `now` is when it was received.
  const now = Date.parse(row.receivedAt);
  const event = { ...envelope, source: envelope.source ?? null };
  const draft = dryRun(input.version.definition, event, {
    now,
    workflowId: input.workflowId,
    version: input.version.version,
  });
  const matched = draft.filter.result === true;
  const item: BacktestItem = {
    eventId: row.id,
    key: eventKey(row.type, envelope.data),
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    matched,
    // Timestamps and durations in explanations serialise as their string forms.
    explain: JSON.parse(JSON.stringify(draft.filter.explanation)),
    steps: matched ? draft.steps.map(stepOf) : [],
    live: null,
    run: runOf(row.runs, input.workflowId),
  };
  if (draft.filter.error) item.error = errorOf(draft.filter.error);
  if (input.live) {
    if (liveType !== row.type) item.live = { matched: false };
    else {
      const live = dryRun(input.live.definition, event, {
        now,
        workflowId: input.workflowId,
        version: input.live.version,
      });
      item.live = { matched: live.filter.result === true };
      if (live.filter.error) item.live.error = errorOf(live.filter.error);
    }
  }
  return item;
}

function runOf(runs: RunOfEvent[], workflowId: string): BacktestItem["run"] {
  const run = runs.find((r) => r.workflowId === workflowId);
  return run ? { id: run.id, status: run.status } : null;
}

function stepOf(step: DryRunStep): BacktestStep {
  const out: BacktestStep = { id: step.id, runs: step.skipped !== true };
  if (step.action !== undefined) out.action = step.action;
  if (step.kind !== undefined) out.kind = step.kind;
  if (step.branch !== undefined) out.branch = step.branch;
  if (step.waits) out.waits = true;
  if (step.items !== undefined) out.items = step.items;
  if (step.error) out.error = errorOf(step.error);
  return out;
}

function errorOf(e: { code: string; message: string }): { code: string; message: string } {
  return { code: e.code, message: e.message };
}
