// Failure groups and bulk retry in an operations manager's words (issue 16,
// items 2 and 3): "Send to ERP failed 42 times: ERP answered 503 for order …",
// "Retrying 42 runs will: send 38 emails again (4 already sent are not sent
// twice), change no record twice, …", "Retried 17 of 42 · 1 could not be
// retried". Pure: names and the clock's formatting come in as functions, so
// the dialog and the unit tests (tests/builder/bulk-retry-model.test.ts) read
// it the same way.
import type { BulkPreview, FailureGroup, Job } from "../api-bulk-retry";

/** "1 email", "38 emails". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const isAre = (n: number): string => (n === 1 ? "is" : "are");

/** "42 times"; "once" and "twice" read better. */
export function times(n: number): string {
  if (n === 1) return "once";
  if (n === 2) return "twice";
  return `${n} times`;
}

// ---- failure groups -------------------------------------------------------

/** "Send to ERP failed 42 times". */
export function groupHeadline(g: Pick<FailureGroup, "count">, stepName: string): string {
  return `${stepName} failed ${g.count === 1 ? "once" : `${g.count} times`}`;
}

/** The placeholders the API writes into a normalised message: `<n>`, `<id>`, `<uuid>`, … */
const PLACEHOLDER = /<[a-z_]+>/g;

/**
 * The group's message for people: the normalised message, with the address
 * of the server that answered taken from the example (the same for the whole
 * group, and it says who failed) and everything else that differs from run to
 * run (ids, order numbers, amounts, names) written as "…". The API keeps an
 * HTTP status as it is: a 400 and a 503 are different groups.
 * @example groupMessage("ERP answered 503 for order <n>", "ERP answered 503 for order 4411") // "ERP answered 503 for order …"
 */
export function groupMessage(normalised: string, example: string): string {
  const parts = normalised.split(PLACEHOLDER);
  const holes = normalised.match(PLACEHOLDER) ?? [];
  if (holes.length === 0) return normalised;
  const literal = (p: string) =>
    p
      .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      .replace(/\s+/g, "\\s+")
      // A quoted string the API wrote as "…" was some real quoted text.
      .replaceAll('"…"', '"[^"]*"');
  const found = new RegExp(`^${parts.map(literal).join("(.+?)")}$`, "s").exec(example.trim());
  let out = parts[0] ?? "";
  holes.forEach((_, i) => {
    const value = found?.[i + 1];
    // Within a URL's host and port: the server is the same for the whole group.
    const inAddress = /:\/\/\S*$/.test(out);
    out += value !== undefined && inAddress ? value : "…";
    out += parts[i + 1] ?? "";
  });
  // "…-…" or "….…" read as one thing that differs.
  return out.replace(/…(?:[.:,/_-]…)+/g, "…");
}

/** "first 01:12, last 03:40", or "at 01:12" for a group seen once or within one minute. */
export function seenWords(
  g: Pick<FailureGroup, "count" | "firstSeen" | "lastSeen">,
  time: (iso: string) => string,
): string {
  const [first, last] = [time(g.firstSeen), time(g.lastSeen)];
  // Within the same minute, as written, "first 02:12, last 02:12" says nothing more.
  if (g.count === 1 || first === last) return `at ${last}`;
  return `first ${first}, last ${last}`;
}

/** "Retry these 42 runs", "Retry this run". */
export const retryGroupLabel = (count: number): string =>
  count === 1 ? "Retry this run" : `Retry these ${count} runs`;

// ---- the preview ----------------------------------------------------------

export interface PreviewNames {
  /** An action's title from the catalogue ("Call a webhook"), for actions this file does not know. */
  action?: (name: string) => string | undefined;
  /** What to call the webhook being called, when one step is selected ("“Send to ERP”"). */
  webhook?: string;
}

/** How an effect of one action is told: what happens again, and what is not done twice. */
function effectPart(action: string, again: number, deduped: number, names: PreviewNames): string {
  const not = (done: string, twice: string) =>
    deduped > 0 ? ` (${deduped} already ${done} ${isAre(deduped)} not ${twice} twice)` : "";
  switch (action) {
    // `again` counts what the retry would do, first time or not: "send 38
    // emails", not "again" — the deduplicated count says what is not repeated.
    case "send_email":
      return `${again ? `send ${plural(again, "email")}` : "send no email twice"}${not("sent", "sent")}`;
    case "send_sms":
      return `${again ? `send ${plural(again, "text message")}` : "send no text message twice"}${not("sent", "sent")}`;
    case "update_record": {
      // Record changes are made once per step with their marker: never twice.
      const kept = deduped ? ` (${deduped} already changed ${isAre(deduped)} kept)` : "";
      return again
        ? `change ${plural(again, "record")}, none of them twice${kept}`
        : `change no record twice${kept}`;
    }
    case "create_task":
      return `${again ? `create ${plural(again, "task")}` : "create no task twice"}${not("created", "created")}`;
    case "notify_user":
      return `${again ? `send ${plural(again, "notification")}` : "send no notification twice"}${not("sent", "sent")}`;
    case "request_approval":
      return `${again ? `ask for ${plural(again, "approval")}` : "ask for no approval twice"}${not("asked for", "asked for")}`;
    default: {
      const title = names.action?.(action) ?? action.replace(/_/g, " ");
      return again
        ? `run “${title}” ${times(again)}`
        : `run “${title}” no more${deduped ? ` (${deduped} already done ${isAre(deduped)} not done twice)` : ""}`;
    }
  }
}

/** The webhook calls: how many, and whether the receiver can tell them from the first ones. */
function webhookPart(p: BulkPreview, names: PreviewNames): string | null {
  const { calls, originalIds } = p.webhookCalls;
  if (!calls) return null;
  const what = names.webhook ?? (calls === 1 ? "a webhook" : "webhooks");
  if (originalIds >= calls)
    return `call ${what} ${times(calls)} again with the same webhook ids so the receiver can spot repeats`;
  if (originalIds > 0)
    return `call ${what} ${times(calls)} (${originalIds} of them again, with the same webhook ids so the receiver can spot repeats)`;
  return `call ${what} ${times(calls)}, none of them called before`;
}

/**
 * What retrying the selected runs will do, in sentences: the effects first
 * (deduplicated through the delivery ledger and the effect markers), then the
 * steps kept.
 */
export function previewSentences(p: BulkPreview, names: PreviewNames = {}): string[] {
  if (p.runs === 0) return ["No failed run matches this choice: there is nothing to retry."];
  const parts: string[] = [];
  const actions = new Set([...Object.keys(p.effects), ...Object.keys(p.deduplicated)]);
  for (const action of [...actions].sort(byEffectOrder)) {
    if (action === "call_webhook") continue;
    parts.push(effectPart(action, p.effects[action] ?? 0, p.deduplicated[action] ?? 0, names));
  }
  const hook = webhookPart(p, names);
  if (hook) parts.push(hook);
  const runs = plural(p.runs, "run");
  const out = [
    parts.length
      ? `Retrying ${runs} will: ${parts.join(", ")}.`
      : `Retrying ${runs} will send, change or call nothing outside Switchyard again.`,
  ];
  const steps: string[] = [];
  if (p.steps.kept) {
    steps.push(`${plural(p.steps.kept, "step")} already done ${isAre(p.steps.kept)} kept`);
  }
  if (p.steps.firstTime) {
    steps.push(
      `${plural(p.steps.firstTime, "step")} that never ran ${p.steps.firstTime === 1 ? "runs" : "run"} for the first time`,
    );
  }
  if (steps.length) out.push(`${capital(steps.join("; "))}.`);
  return out;
}

// The order people read effects in: messages to people, then records, then the rest.
const ORDER = [
  "send_email",
  "send_sms",
  "notify_user",
  "update_record",
  "create_task",
  "request_approval",
];
function byEffectOrder(a: string, b: string): number {
  const rank = (x: string) => (ORDER.includes(x) ? ORDER.indexOf(x) : ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** "4 runs would fail the same way:" (or nothing to say). */
export function wouldFailHeading(n: number): string {
  if (n === 0) return "";
  return n === 1 ? "1 run would fail the same way:" : `${n} runs would fail the same way:`;
}

const DIFFERS: Record<string, string> = {
  changed: "changed",
  removed: "removed",
  missing: "removed",
  kind_changed: "now a different kind of step",
  moved: "moved",
};

/**
 * Why a run would fail the same way, without the API's step ids and error
 * codes: "the target answered 404, which it gives the same request again, and
 * the run retries on its own version 1, where the step is unchanged".
 */
export function wouldFailWhy(why: string): string {
  const rest = /^Step '[^']*' failed with [\w.-]+; (.*)$/s.exec(why)?.[1] ?? why;
  // The line already names the step: "Step 'erp' as version 4 has it …" → "The step as version 4 has it …".
  return capital(
    rest
      .replace(/\bStep '[^']*'/g, "the step")
      .replace(/its error \([\w.-]+\)/g, "this error")
      .replace(/\.$/, ""),
  );
}

/** Why a run cannot move, with its steps by name: "version 3 changes steps it already finished: “Send to ERP” (changed)". */
export function incompatibleWhy(reason: string, stepName: (id: string) => string): string {
  return capital(
    reason.replace(
      /'([^']+)' \((\w+)\)/g,
      (_, id: string, how: string) =>
        `“${stepName(id)}” (${DIFFERS[how] ?? how.replace(/_/g, " ")})`,
    ),
  );
}

/** Runs that cannot move to the chosen version: what happens to them. */
export function incompatibleHeading(n: number, version: string): string {
  if (n === 0) return "";
  return n === 1
    ? `1 run cannot be retried on ${version}:`
    : `${n} runs cannot be retried on ${version}:`;
}

/** The over-the-limit answer (422) in a sentence the person can act on. */
export function tooManyWords(limit: number): string {
  return `More than ${limit.toLocaleString("en")} failed runs match: choose one workflow, a shorter time or one failure group, and retry those first.`;
}

// ---- the version ----------------------------------------------------------

export type VersionChoice = "own" | "live" | `${number}`;

export interface VersionOption {
  value: VersionChoice;
  label: string;
}

/**
 * The versions a bulk retry may run on: each run's own, the live one, and —
 * with one workflow selected — any saved version.
 */
export function versionOptions(
  live: number | null,
  versions: readonly number[] = [],
  severalWorkflows = false,
): VersionOption[] {
  const out: VersionOption[] = [{ value: "own", label: "the version each run started with" }];
  if (severalWorkflows) out.push({ value: "live", label: "each workflow's live version" });
  else if (live != null) out.push({ value: "live", label: `the live version (v${live})` });
  for (const v of [...versions].sort((a, b) => b - a)) {
    if (v !== live) out.push({ value: `${v}`, label: `version ${v}` });
  }
  return out;
}

/** The body's `version` for a choice: absent for each run's own. */
export function versionOf(choice: VersionChoice): number | "live" | undefined {
  if (choice === "own") return undefined;
  if (choice === "live") return "live";
  return Number(choice);
}

/** The chosen version in a phrase: "the live version (v7)", "version 5". */
export function versionWords(choice: VersionChoice, live: number | null): string {
  if (choice === "own") return "the version each run started with";
  if (choice === "live") return live == null ? "the live version" : `the live version (v${live})`;
  return `version ${choice}`;
}

// ---- the job --------------------------------------------------------------

export const jobRunning = (j: Pick<Job, "status">): boolean =>
  j.status === "queued" || j.status === "running";

/**
 * Runs retried so far: the job's `done` counts every run taken, whatever
 * came of it (retried, refused or skipped because it no longer failed).
 */
export const retriedOf = (j: Job): number => Math.max(0, j.done - j.failed - (j.skipped ?? 0));

/** "Retried 17 of 42 · 1 could not be retried". */
export function jobProgress(j: Job): string {
  const parts = [`Retried ${retriedOf(j)} of ${j.total}`];
  if (j.failed) parts.push(`${j.failed} could not be retried`);
  if (j.skipped) parts.push(`${j.skipped} skipped (no longer failed)`);
  return parts.join(" · ");
}

/** The job in one sentence: waiting, under way, or how it ended. */
export function jobSummary(j: Job): string {
  const retried = retriedOf(j);
  const couldNot = j.failed ? `; ${j.failed} could not be retried` : "";
  const skipped = j.skipped
    ? `; ${plural(j.skipped, "run")} no longer failed and ${j.skipped === 1 ? "was" : "were"} left alone`
    : "";
  switch (j.status) {
    case "queued":
      return `Waiting to start: ${plural(j.total, "run")} to retry.`;
    case "running":
      return `${jobProgress(j)}.`;
    case "succeeded":
      return `Done: retried ${retried} of ${plural(j.total, "run")}${couldNot}${skipped}.`;
    case "cancelled": {
      const left = Math.max(0, j.total - j.done);
      return `Stopped: retried ${retried} of ${plural(j.total, "run")}${couldNot}${skipped}; ${left} ${left === 1 ? "was" : "were"} not retried.`;
    }
    case "failed":
      // The API ends a job failed when not one of its runs could be retried.
      return `${j.total === 1 ? "The run" : `None of the ${j.total} runs`} could be retried${skipped}: see why below.`;
  }
}

/**
 * What a job retried, by name: "Retry of 42 failed runs of Send orders to
 * the ERP, in one failure group".
 */
export function jobTitle(j: Job, workflowName: (id: string) => string | undefined): string {
  const sel = j.selection ?? { status: "failed" };
  const of = sel.workflowId ? ` of ${workflowName(sel.workflowId) ?? "a deleted workflow"}` : "";
  const group = sel.errorGroup ? ", in one failure group" : "";
  return `Retry of ${plural(j.total, "failed run")}${of}${group}`;
}

/** How far along, 0 to 1, for a progress bar. */
export function jobFraction(j: Job): number {
  if (!j.total) return jobRunning(j) ? 0 : 1;
  return Math.min(1, j.done / j.total);
}
