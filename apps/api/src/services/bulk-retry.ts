// Bulk retry (issue 16, item 2), the Worker's half: the selection's checks,
// the version each run would move to, and the preview that adds up — over
// every selected run's own retry preview (its run object's retryPreview) —
// which steps run again, which effects would fire again and which are
// already recorded (store/bulk-retry.ts), and which runs would only fail
// the same way again.
import { z } from "@hono/zod-openapi";
import {
  flattenSteps,
  parseInstanceId,
  type Step,
  type WorkflowDefinition,
} from "@switchyard/engine";
import type { Db } from "../db/client.ts";
import type { RetryPreview } from "../durable-objects/run-preview.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound } from "../errors.ts";
import { canonicalJson } from "../lib/json.ts";
import { getVersionRow, getWorkflowRow } from "../repositories/workflows.ts";
import { BULK_RETRY_LIMIT, type PlannedEffect, type SelectedRun } from "../store/bulk-retry.ts";
import { storeFor } from "../store/client.ts";
import { runnable } from "./drafts.ts";

/** Run objects asked at once while previewing. */
const PREVIEW_CONCURRENCY = 10;
/** Runs listed in wouldFailAgainRuns and incompatible. */
export const LISTED_RUNS = 20;

export const BulkRetryBody = z
  .object({
    workflowId: z.string().min(1).max(100).optional(),
    status: z.literal("failed").openapi({ description: "Only failed runs can be retried" }),
    since: z.iso.datetime({ offset: true }).optional().openapi({
      description: "Runs created at or after this time",
    }),
    until: z.iso.datetime({ offset: true }).optional().openapi({
      description: "Runs created at or before this time",
    }),
    errorGroup: z.string().min(1).max(100).optional().openapi({
      description: "Runs failed with this failure group (GET /v1/failure-groups)",
    }),
    stepId: z.string().min(1).max(100).optional().openapi({
      description: "Runs failed at this step (its id without a loop index)",
    }),
    version: z
      .union([z.number().int().positive(), z.literal("live")])
      .optional()
      .openapi({
        description:
          "The version to retry on: a number (needs `workflowId`), or \"live\" for each run's workflow's live version. Default: each run's own pinned version.",
      }),
  })
  .strict()
  .openapi("BulkRetrySelection");
export type BulkRetryBody = z.infer<typeof BulkRetryBody>;

/** The selection's own consistency, past what the schema checks: 400s that say what to fix. */
export function checkSelection(body: BulkRetryBody): void {
  if (body.since && body.until && Date.parse(body.since) > Date.parse(body.until)) {
    throw new ApiError(400, ErrorCode.badRequest, "`since` is after `until`", [
      { path: "since", message: "must not be after `until`" },
    ]);
  }
  if (typeof body.version === "number" && !body.workflowId) {
    throw new ApiError(400, ErrorCode.badRequest, "A version number needs `workflowId`", [
      { path: "version", message: "a number names one workflow's version: give `workflowId`" },
    ]);
  }
}

const iso = (t: string | undefined) => t && new Date(t).toISOString();

/** The failed runs selected, oldest first; more than the cap is a 422 asking for a narrower selection. */
export async function selectRuns(
  env: Env,
  tenantId: string,
  body: BulkRetryBody,
  cap = BULK_RETRY_LIMIT,
): Promise<SelectedRun[]> {
  const found = await storeFor(env, tenantId).selectFailedRuns(
    tenantId,
    {
      workflowId: body.workflowId,
      since: iso(body.since),
      until: iso(body.until),
      errorGroup: body.errorGroup,
      stepId: body.stepId,
    },
    cap,
  );
  refuseAboveCap(found.count, cap);
  return found.runs;
}

/** 422 above the cap, naming the count. */
export function refuseAboveCap(count: number, cap = BULK_RETRY_LIMIT): void {
  if (count <= cap) return;
  throw new ApiError(
    422,
    ErrorCode.validationFailed,
    `${count.toLocaleString("en-US")} failed runs match; a bulk retry takes at most ${cap.toLocaleString("en-US")}. Narrow the selection (a time range, a step or a failure group).`,
    { count, limit: cap },
  );
}

type Target = { version: number; definition: WorkflowDefinition };

/**
 * The version each selected workflow's runs move to: none (each run's
 * own), the number given, or each workflow's live version (null when it
 * has none: its runs cannot move). An unknown version is a 404.
 */
export async function resolveTargets(
  db: Db,
  tenantId: string,
  body: BulkRetryBody,
  workflowIds: string[],
): Promise<Map<string, Target | null>> {
  const out = new Map<string, Target | null>();
  if (body.version === undefined) return out;
  if (typeof body.version === "number") {
    const wf = await getWorkflowRow(db, tenantId, body.workflowId!);
    if (!wf) throw notFound("Workflow");
    const v = await getVersionRow(db, tenantId, body.workflowId!, body.version);
    if (!v) throw notFound(`Version ${body.version}`);
    out.set(body.workflowId!, {
      version: body.version,
      definition: runnable(body.version, v.definition, "run"),
    });
    return out;
  }
  for (const id of new Set(workflowIds)) {
    const wf = await getWorkflowRow(db, tenantId, id);
    const live = wf?.liveVersion ?? null;
    const v = live === null ? undefined : await getVersionRow(db, tenantId, id, live);
    out.set(
      id,
      v && live !== null
        ? { version: live, definition: runnable(live, v.definition, "run") }
        : null,
    );
  }
  return out;
}

/** Error codes that come back the same on every attempt with the same input. */
const DETERMINISTIC = new Set([
  "template_error",
  "condition_error",
  "filter_error",
  "invalid_config",
  "invalid_json_body",
  "not_a_list",
  "too_many_items",
  "state_too_large",
  "not_a_member",
  "unsupported_action",
  "ssrf_refused",
  "self_call_refused",
]);
/** 4xx answers worth another attempt: the target may answer otherwise later. */
const TRANSIENT_4XX = new Set([408, 409, 425, 429]);

/** Why a failure recurs on a retry with the same input, or null when it may not. */
export function deterministicReason(code: string, message: string): string | null {
  if (code === "http_error") {
    const status = Number(/answered (\d{3})/.exec(message)?.[1]);
    if (status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) {
      return `the target answered ${status}, which it gives the same request again`;
    }
    return null;
  }
  if (DETERMINISTIC.has(code)) return `its error (${code}) does not change on a retry`;
  return null;
}

export interface BulkRetryPreview {
  runs: number;
  steps: { again: number; kept: number; firstTime: number };
  effects: Record<string, number>;
  deduplicated: Record<string, number>;
  webhookCalls: { calls: number; originalIds: number };
  wouldFailAgain: number;
  wouldFailAgainRuns: {
    runId: string;
    workflowId: string;
    stepId: string;
    code: string;
    message: string;
    why: string;
  }[];
  incompatible: { runId: string; reason: string }[];
  incompatibleCount: number;
  limit: number;
}

/** Runs `work` over `items`, at most `n` at a time, answers in order. */
async function pool<T, R>(items: T[], n: number, work: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, lane));
  return out;
}

const stepIn = (definition: WorkflowDefinition, id: string): Step | undefined =>
  flattenSteps(definition).find((s) => s.step.id === id)?.step;

/** A step's definition without what it holds inside (a loop's or a block's own steps compare apart). */
const own = (step: Step | undefined): string | null =>
  step === undefined
    ? null
    : canonicalJson({
        ...step,
        steps: undefined,
        then: undefined,
        else: undefined,
        parallel: undefined,
        onTimeout: undefined,
      });

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

/** The message of a run's error as the index keeps it. */
function messageOf(run: SelectedRun): string {
  try {
    return (JSON.parse(run.error ?? "null") as { message?: string } | null)?.message ?? "";
  } catch {
    return "";
  }
}

/**
 * What retrying the selected runs would do, added up: each run's own retry
 * preview (its object's `retryPreview`, at most 10 asked at a time), its
 * planned effects checked against the markers and the ledger, and its
 * failure judged against the version it would run on.
 */
export async function previewBulkRetry(
  env: Env,
  db: Db,
  tenantId: string,
  body: BulkRetryBody,
): Promise<BulkRetryPreview> {
  const selected = await selectRuns(env, tenantId, body);
  const targets = await resolveTargets(
    db,
    tenantId,
    body,
    selected.map((r) => r.workflowId),
  );
  const ownVersions = new Map<string, Promise<WorkflowDefinition | null>>();
  const ownDefinition = (r: SelectedRun) => {
    const key = `${r.workflowId}:${r.workflowVersion}`;
    if (!ownVersions.has(key)) {
      ownVersions.set(
        key,
        getVersionRow(db, tenantId, r.workflowId, r.workflowVersion).then((v) =>
          v ? (JSON.parse(v.definition) as WorkflowDefinition) : null,
        ),
      );
    }
    return ownVersions.get(key)!;
  };
  const out: BulkRetryPreview = {
    runs: selected.length,
    steps: { again: 0, kept: 0, firstTime: 0 },
    effects: {},
    deduplicated: {},
    webhookCalls: { calls: 0, originalIds: 0 },
    wouldFailAgain: 0,
    wouldFailAgainRuns: [],
    incompatible: [],
    incompatibleCount: 0,
    limit: BULK_RETRY_LIMIT,
  };
  const planned: PlannedEffect[] = [];
  const previews = await pool(selected, PREVIEW_CONCURRENCY, async (r) => {
    const target = targets.get(r.workflowId);
    const stub = env.RUNS.get(env.RUNS.idFromName(r.id));
    const preview = (await stub.retryPreview(target ?? undefined, {
      render: true,
    })) as unknown as RetryPreview | null;
    return { run: r, target, preview };
  });
  for (const { run, target, preview } of previews) {
    const incompatible = (reason: string) => {
      out.incompatibleCount += 1;
      if (out.incompatible.length < LISTED_RUNS) out.incompatible.push({ runId: run.id, reason });
    };
    if (target === null) {
      incompatible("its workflow has no live version");
      continue;
    }
    if (!preview?.retryable) {
      incompatible("the run cannot be retried (it is no longer failed, or ended before any step)");
      continue;
    }
    if (preview.target && !preview.target.compatible) {
      const steps = preview.target.differing.map((d) => `'${d.stepId}' (${d.reason})`).join(", ");
      incompatible(`version ${preview.target.version} changes steps it already finished: ${steps}`);
      continue;
    }
    for (const s of preview.steps) {
      if (s.kind === "item") continue;
      if (s.plan === "kept") out.steps.kept += 1;
      else if (s.plan === "again") out.steps.again += 1;
      else out.steps.firstTime += 1;
      if (s.plan === "kept" || s.kind !== "action" || s.action === null) continue;
      planned.push({ runId: run.id, stepId: s.id, action: s.action });
      if (s.action === "call_webhook") {
        out.webhookCalls.calls += 1;
        if (s.attempts > 0) out.webhookCalls.originalIds += 1;
      }
    }
    const why = await recurs(run, preview, target, ownDefinition);
    if (why !== null) {
      out.wouldFailAgain += 1;
      if (out.wouldFailAgainRuns.length < LISTED_RUNS) {
        out.wouldFailAgainRuns.push({
          runId: run.id,
          workflowId: run.workflowId,
          stepId: why.stepId,
          code: run.group!.code,
          message: messageOf(run),
          why: why.why,
        });
      }
    }
  }
  const recorded = new Set(
    planned.length > 0 ? await storeFor(env, tenantId).recordedEffects(tenantId, planned) : [],
  );
  for (const e of planned) {
    if (recorded.has(`${e.runId}:${e.stepId}`)) bump(out.deduplicated, e.action);
    else bump(out.effects, e.action);
  }
  return out;
}

/**
 * Whether the run's failure would come back the same way on the version it
 * would run on: its failed step is unchanged there and its error does not
 * depend on when it is tried, or the step as that version has it cannot be
 * rendered from the run's context. Answers the failed step's instance id
 * and a sentence, or null.
 */
async function recurs(
  run: SelectedRun,
  preview: RetryPreview,
  target: Target | undefined,
  ownDefinition: (r: SelectedRun) => Promise<WorkflowDefinition | null>,
): Promise<{ stepId: string; why: string } | null> {
  const group = run.group;
  if (!group) return null;
  const reason = deterministicReason(group.code, messageOf(run));
  const failed =
    preview.steps.find(
      (s) =>
        s.status === "failed" &&
        s.kind !== "item" &&
        parseInstanceId(s.id)?.stepId === group.stepId,
    )?.id ?? group.stepId;
  let unchanged = true;
  if (target) {
    const before = await ownDefinition(run);
    const was = before ? own(stepIn(before, group.stepId)) : null;
    unchanged = was !== null && was === own(stepIn(target.definition, group.stepId));
  }
  if (!unchanged) {
    // Changed there: it fails again only if its new input cannot be rendered from the run.
    const unrendered = preview.unrendered?.find((u) => u.stepId === group.stepId);
    return unrendered
      ? {
          stepId: failed,
          why: `Step '${failed}' as version ${target!.version} has it cannot be filled in from this run: ${unrendered.message}`,
        }
      : null;
  }
  if (reason === null) return null;
  return {
    stepId: failed,
    why: target
      ? `Step '${failed}' failed with ${group.code}; ${reason}, and version ${target.version} leaves the step unchanged.`
      : `Step '${failed}' failed with ${group.code}; ${reason}, and the run retries on its own version ${run.workflowVersion}, where the step is unchanged.`,
  };
}
