// Plain words for what a run did: statuses, errors, timings and, before a
// retry, the effects a step will have again. Pure, so unit-testable and shared
// by the run list, the run timeline and the retry preview.
import type { RetryPlan, Run, RunStep, StepError } from "../api";
import { labelOf, personWords, type ThingWords } from "./run-things";
import { eventTypesWords } from "./wait-words";

export const TERMINAL = new Set(["succeeded", "failed", "filtered", "suppressed", "cancelled"]);

export function badgeClass(status: string): string {
  if (status === "failed") return "bad";
  if (status === "succeeded") return "ok";
  if (status === "waiting" || status === "running") return "draft";
  return "";
}

const STATUS_WORDS: Record<string, string> = {
  running: "Running",
  waiting: "Waiting",
  succeeded: "Succeeded",
  failed: "Failed",
  filtered: "Filtered out",
  suppressed: "Suppressed",
  cancelled: "Cancelled",
  pending: "Not started",
  skipped: "Skipped",
};

export const statusLabel = (status: string): string => STATUS_WORDS[status] ?? status;

export function asStepError(value: unknown): StepError | null {
  if (value == null) return null;
  if (typeof value === "string") return { code: "error", message: value };
  if (typeof value === "object") {
    const v = value as Record<string, unknown>;
    return {
      code: typeof v.code === "string" ? v.code : "error",
      message: typeof v.message === "string" ? v.message : JSON.stringify(value),
      path: typeof v.path === "string" ? v.path : undefined,
      position: v.position as StepError["position"],
    };
  }
  return { code: "error", message: String(value) };
}

/** A setting's label as the editor shows it: `config.to` → "To", `config.fields.status` → "Status". */
export const fieldLabel = (path?: string): string =>
  path
    ? labelOf(
        path
          .replace(/^config\./, "")
          .split(".")
          .pop() ?? path,
      )
    : "a field";
const field = fieldLabel;

/** A message with its settings' paths in the editor's words: `config.user: …` → `“User”: …`. */
export const plainPaths = (text: string): string =>
  text.replace(
    /\bconfig\.([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)/g,
    (_, p: string) => `“${fieldLabel(p)}”`,
  );

/** One sentence a person can act on, for a step's or a run's error. */
export function errorWords(err: StepError, opts: { title?: (id: string) => string } = {}): string {
  // The sentences below end with their own full stop.
  const m = plainPaths(err.message).replace(/\.+$/, "");
  switch (err.code) {
    case "items_failed":
      return loopFailedWords(m, opts.title);
    case "not_a_list":
      return `The loop's list is not a list in this run (${m.replace(/^expected a list, got /, "it is ").replace(/\ba map\b/, "a group of fields")}). Choose a list in the editor, then retry.`;
    case "too_many_items":
      return `The list is longer than the loop takes: ${m.replace(/ \(maxItems\)$/, "")}. Raise “At most this many items” in the editor, then retry.`;
    case "template_error":
      return `The template in “${field(err.path)}” could not be filled in: ${m}. The event or an earlier step does not have that data — fix the template, then retry.`;
    case "condition_error":
      return `The condition could not be evaluated: ${m}. Fix the condition, then retry.`;
    case "filter_error":
      return `The filter could not be evaluated: ${m}.`;
    case "invalid_config":
      return `The step's settings are not valid once filled in: ${m}.`;
    case "not_a_member":
      return `The person named is not a member of this workspace: ${m}.`;
    case "http_error":
      return `The receiver answered with an error: ${m}.`;
    case "network_error":
      return `The receiver could not be reached: ${m}.`;
    case "timeout":
      return `The call took too long and was given up: ${m}.`;
    case "ssrf_refused":
      return `The address is not allowed (private or internal networks are refused): ${m}.`;
    case "too_many_redirects":
    case "bad_redirect":
      return `The receiver redirected somewhere it should not: ${m}.`;
    case "rate_limited":
      return `The provider said to slow down: ${m}.`;
    case "provider_down":
    case "delivery_failed":
      return `The message provider did not accept the message: ${m}.`;
    case "unsupported_action":
      return `This server cannot run that kind of step: ${m}.`;
    case "cancelled":
      return "Someone cancelled the run.";
    default:
      return m.endsWith(".") ? m : `${m}.`;
  }
}

const RULES: Record<string, string> = {
  "it stops at the first failed item": "the loop stops at the first failed item",
  "every item ran": "every item ran",
};

/**
 * A loop's failure (the engine's `items_failed`) in words, its first failed
 * item counted from 1 as the run page names items.
 * @example loopFailedWords("1 of 5 items failed (every item ran); item 3: step 'reserve' failed: no such key 'sku'", () => "Reserve stock")
 * // "1 of 5 items failed (every item ran). The first, item 4, failed at “Reserve stock”: no such key 'sku'."
 */
export function loopFailedWords(
  message: string,
  title: (id: string) => string = (id) => id,
): string {
  const m =
    /^(\d+) of (\d+) items failed \((.*?)\); item (\d+): (?:step '([A-Za-z_][\w]*)' failed: )?(.*)$/s.exec(
      message,
    );
  if (!m) return message.endsWith(".") ? message : `${message}.`;
  const [, failed, total, rule = "", first, stepId, why = ""] = m;
  const ruleWords = rule
    .split("; ")
    .map((r) => RULES[r] ?? r.replace(/ not started$/, " did not start"))
    .join("; ");
  const where = stepId ? ` at “${title(stepId)}”` : "";
  const which = failed === "1" ? "It was" : "The first was";
  return `${failed} of ${total} items failed (${ruleWords}). ${which} item ${Number(first) + 1}, which failed${where}: ${why.replace(/\.+$/, "")}.`;
}

/**
 * An item's error (its first failed step's, as the engine words it) with the step's name.
 * @example itemErrorWords("step 'reserve' failed: no such key 'sku'", () => "Reserve stock") // "“Reserve stock” failed: no such key 'sku'."
 */
export function itemErrorWords(
  message: string,
  title: (id: string) => string = (id) => id,
): string {
  const m = /^step '([A-Za-z_][\w]*)' failed: (.*)$/s.exec(message);
  const text = m ? `“${title(m[1] ?? "")}” failed: ${m[2]}` : message;
  return text.endsWith(".") ? text : `${text}.`;
}

export function duration(from?: string | null, to?: string | null): string {
  if (!from) return "";
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** How an instant is written: the browser's way until the workspace's is known (state/workspace-format). */
let writeInstant = (iso: string): string => new Date(iso).toLocaleString();

/** The builder writes instants in the workspace's time zone and locale from here on. */
export function useInstantFormat(format: (iso: string) => string): void {
  writeInstant = format;
}

/** An instant in words: "5 Dec 2026, 17:40" (the workspace's time zone and locale). */
export const when = (iso?: string | null): string => (iso ? writeInstant(iso) : "");

/** The run's outcome in a sentence; `title` names a step the way people named it. */
export function runSummary(run: Run, title: (s: RunStep) => string = (s) => s.id): string {
  // A loop's items and their steps are the loop's to tell: the loop is named, not each item.
  const failed = run.steps
    .filter((s) => s.status === "failed" && !/\]$/.test(s.id))
    .map((s) => `“${title(s)}”`);
  switch (run.status) {
    case "succeeded":
      return "Every step that had to run succeeded.";
    case "failed":
      if (failed.length) return `Failed at step ${failed.join(" and ")}.`;
      if (run.filter?.error) return "Failed: the filter could not be evaluated.";
      return "Failed.";
    case "filtered":
      return "The filter said no, so no step ran. Nothing happened, as designed.";
    case "skipped":
      return `This occurrence of the schedule did not run: ${run.suppression?.message ?? "it was skipped"}.`;
    case "suppressed":
      return `The loop guard refused to start this run, so no step ran${run.suppression ? `: ${run.suppression.message}` : "."}`;
    case "waiting": {
      const w = run.steps.find((s) => s.status === "waiting");
      if (w?.kind === "waitFor") return `Waiting at step “${title(w)}” for an event.`;
      return w ? `Waiting at step “${title(w)}” (a delay or a decision).` : "Waiting.";
    }
    case "running":
      return "Running now.";
    case "cancelled":
      return "Cancelled: the remaining steps will not run.";
    default:
      return run.status;
  }
}

const SUPPRESSION: Record<string, string> = {
  cycle:
    "this workflow is already in the chain of runs that led to the event, so running it again would loop",
  max_depth: "the chain of workflows that led here is too long (the maximum depth was reached)",
};

export function suppressionWords(run: Run): string {
  const s = run.suppression;
  if (!s) return "The loop guard refused this run to prevent an endless chain of workflows.";
  const why = SUPPRESSION[s.reason];
  return why ? `Not started: ${why}. ${s.message}` : `Not started: ${s.message}`;
}

const str = (v: unknown): string =>
  typeof v === "string" ? v : v == null ? "" : JSON.stringify(v);

function get(input: unknown, key: string): string {
  if (input && typeof input === "object") return str((input as Record<string, unknown>)[key]);
  return "";
}

/**
 * A step's settings as written, without the values still holding a
 * `{{ template }}`: a retry preview says "the recipient", never the template.
 */
export function withoutTemplates(config: unknown): unknown {
  if (!config || typeof config !== "object" || Array.isArray(config)) return config;
  return Object.fromEntries(
    Object.entries(config).filter(([, v]) => !(typeof v === "string" && v.includes("{{"))),
  );
}

export interface Effect {
  text: string;
  /** Why running it again is, or is not, a duplicate. */
  safety?: string;
}

/**
 * What running a step means in the world. `input` is its rendered config
 * (from the last attempt or a dry run); `plan` says whether it ran before.
 */
export function effectOf(
  step: { id: string; kind: string; action?: string | null },
  input: unknown,
  plan: RetryPlan,
  attempted: boolean,
  words: ThingWords & { title?: string } = {},
): Effect {
  const again = plan === "again" && attempted ? " again" : "";
  const who = (key: string, fallback: string) => {
    const v = get(input, key);
    return v ? personWords(v, words) : fallback;
  };
  if (plan === "again" && !attempted && step.kind === "action") {
    // It failed before acting (a template, a bad setting): nothing happened yet.
    const first = effectOf(step, input, "first_time", false, words);
    return { text: first.text, safety: "it did not happen before: the step failed before acting" };
  }
  if (step.kind === "if") return { text: `checks its condition${again}` };
  if (step.kind === "parallel") return { text: "runs its branches' unfinished steps" };
  if (step.kind === "forEach")
    return { text: "goes on with its failed items; the items that succeeded keep their results" };
  if (step.kind === "delay") return { text: `waits${again}` };
  if (step.kind === "waitFor") {
    const types = (input as { event?: unknown } | null)?.event;
    return {
      text: `waits${again} for ${eventTypesWords(Array.isArray(types) || typeof types === "string" ? (types as string | string[]) : [])}`.replace(
        " for an event (none chosen yet)",
        " for its event",
      ),
    };
  }
  switch (step.action) {
    case "send_email":
      return {
        text: `sends an email${again} to ${who("to", "the recipient")}${get(input, "subject") ? ` (“${get(input, "subject")}”)` : ""}`,
        safety: again
          ? "a delivery already recorded as sent is never sent twice; the provider also gets the same idempotency key"
          : undefined,
      };
    case "send_sms":
      return {
        text: `sends a text message${again} to ${who("to", "the recipient")}`,
        safety: again ? "a delivery already recorded as sent is never sent twice" : undefined,
      };
    case "call_webhook":
      return {
        text: `calls ${(get(input, "method") || "POST").toUpperCase()} ${get(input, "url") || "the webhook"}${again}`,
        safety: again
          ? "same webhook-id as before, so receivers can dedupe; a receiver that does not may see it twice"
          : undefined,
      };
    case "update_record":
      return {
        text: get(input, "type")
          ? `updates ${labelOf(get(input, "type"))} ${get(input, "id") || "?"}${again}`
          : `updates a record${again}`,
        safety: again ? "exactly once per step, so no duplicate change" : undefined,
      };
    case "create_task":
      return {
        text: `creates a task for ${who("assignee", "the assignee")}${get(input, "title") ? ` (“${get(input, "title")}”)` : ""}`,
        safety: again ? "exactly once per step, so no duplicate task" : undefined,
      };
    case "notify_user":
      return {
        text: `notifies ${who("user", "the member")}`,
        safety: again ? "exactly once per step, so no duplicate notification" : undefined,
      };
    case "request_approval":
      return {
        text: `asks ${who("approver", "the approver")} for approval`,
        safety: again ? "exactly once per step, so no second request" : undefined,
      };
    default:
      return { text: `runs “${words.title ?? step.id}”${again}` };
  }
}

const DIFFER: Record<string, string> = {
  changed: "its settings were changed",
  removed: "it no longer exists",
  missing: "it no longer exists",
  kind_changed: "it is a different kind of step now",
  moved: "it moved to another place",
};

export function differingWords(d: { stepId: string; reason: string }, name?: string): string {
  return `“${name ?? d.stepId}” already ran in this run, and in that version ${DIFFER[d.reason] ?? d.reason}`;
}

const KIND_WORDS: Record<string, string> = {
  if: "Condition",
  parallel: "At the same time",
  delay: "Wait",
  waitFor: "Wait for an event",
  forEach: "For each",
  item: "Item",
};

/**
 * What people call a step: the name they gave it, else the action's title
 * from the catalogue ("Send email"), else the kind of step in words.
 */
export function stepTitle(
  s: { id: string; action?: string | null; kind?: string },
  name?: string | null,
  actionTitle?: string | null,
): string {
  if (name) return name;
  if (actionTitle) return actionTitle;
  if (s.action) return labelOf(s.action);
  return KIND_WORDS[s.kind ?? ""] ?? "Step";
}

/** Which branch an if/else took, in the editor's words. */
export const branchWords = (b: string): string =>
  b === "then" ? "the Yes branch" : b === "else" ? "the No branch" : `branch ${b}`;

/** Splits a template around an error's position, to mark the bad part. */
export function markAt(
  source: string,
  pos?: { offset: number; length: number },
): [string, string, string] | null {
  if (!pos || pos.offset < 0 || pos.offset > source.length) return null;
  const end = Math.min(source.length, pos.offset + Math.max(1, pos.length));
  return [source.slice(0, pos.offset), source.slice(pos.offset, end), source.slice(end)];
}

/** A part of a step's input the run kept only in short (DESIGN: a run never wedges on its size). */
export interface CutPart {
  /** Where in the input: `body`, or "the whole input". */
  where: string;
  bytes: number;
  sha256: string;
}

/** The parts of a kept input that were cut to keep the run small (the API's `$truncated` markers). */
export function cutParts(input: unknown): CutPart[] {
  const cut = (v: unknown): { bytes: number; sha256: string } | null => {
    if (typeof v !== "object" || v === null || !("$truncated" in v)) return null;
    const t = (v as { $truncated: { bytes?: unknown; sha256?: unknown } }).$truncated;
    return typeof t.bytes === "number" && typeof t.sha256 === "string"
      ? { bytes: t.bytes, sha256: t.sha256 }
      : null;
  };
  const whole = cut(input);
  if (whole) return [{ where: "the whole input", ...whole }];
  if (typeof input !== "object" || input === null || Array.isArray(input)) return [];
  const out: CutPart[] = [];
  for (const [k, v] of Object.entries(input)) {
    const c = cut(v);
    if (c) out.push({ where: k, ...c });
  }
  return out;
}

/** One cut part in words: "body: 200,000 bytes, kept only in short (SHA-256 3f2a…)". */
export function cutWords(p: CutPart): string {
  return `${p.where}: ${p.bytes.toLocaleString("en")} bytes, kept only in short (SHA-256 ${p.sha256.slice(0, 12)}…)`;
}
