// The audit log in people's words (issue 14, item 3): who did it by name
// ("Ada Admin", API key “ERP sync”, Switchyard's auto-pause), what it was
// done to by name ("Big order approval", "Run of Big order approval",
// "Record order o-1"), the details as labelled words, and an editor's
// autosaves folded into one line ("Draft saved 14 times"). Pure: the names
// come in as functions, so the page and the tests read it the same way.
import { labelOf } from "./run-things";

export interface AuditLine {
  id: string;
  seq: number;
  at: string;
  actor: { type: string; id: string };
  type: string;
  subject: string;
  details: Record<string, unknown>;
}

export interface AuditNames {
  /** A member by user id: their name, else their email. */
  member?: (id: string) => string | undefined;
  /** An API key's name by id. */
  key?: (id: string) => string | undefined;
  /** A workflow's name by id. */
  workflow?: (id: string) => string | undefined;
}

/** What the platform does by itself, named for what it is. */
const SYSTEM_WORDS: Record<string, string> = {
  "auto-pause": "Switchyard (auto-pause)",
  "loop-guard": "Switchyard (loop guard)",
};

/**
 * Who did it: a member by name, a key by its name, the platform by role.
 * @example actorWords({ type: "user", id: "usr_1" }, { member: () => "Ada" }) // "Ada"
 */
export function actorWords(actor: AuditLine["actor"], names: AuditNames): string {
  switch (actor.type) {
    case "user":
      return names.member?.(actor.id) ?? "a former member";
    case "api_key": {
      const name = names.key?.(actor.id);
      return name ? `API key “${name}”` : "an API key";
    }
    case "system":
      if (actor.id.startsWith("run:")) return "a workflow run";
      return SYSTEM_WORDS[actor.id] ?? "Switchyard";
    default:
      return "Switchyard's operators";
  }
}

export interface SubjectWords {
  text: string;
  href: string | null;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/**
 * What it was done to, by name, with where to see it.
 * @example subjectWords({ subject: "wf_1", details: { name: "Big orders" }, … }, {}) // { text: "Big orders", href: "/workflows/wf_1" }
 */
export function subjectWords(e: AuditLine, names: AuditNames): SubjectWords {
  const s = e.subject;
  const workflowName = (id: string) => names.workflow?.(id) ?? str(e.details.name);
  if (s.startsWith("wf_")) {
    return { text: workflowName(s) ?? "a deleted workflow", href: `/workflows/${s}` };
  }
  if (s.startsWith("run_")) {
    const wf = str(e.details.workflowId);
    const name = wf ? names.workflow?.(wf) : undefined;
    return { text: name ? `Run of ${name}` : "A run", href: `/runs/${s}` };
  }
  if (s.startsWith("us_")) return { text: names.member?.(s) ?? "a former member", href: null };
  if (s.startsWith("tn_")) return { text: "This workspace", href: null };
  if (s.startsWith("inv_")) {
    const email = str(e.details.email);
    return { text: email ? `The invitation of ${email}` : "An invitation", href: null };
  }
  if (s.startsWith("key_")) {
    const name = names.key?.(s);
    return { text: name ? `API key “${name}”` : "an API key", href: null };
  }
  if (s.startsWith("apr_")) return { text: "An approval", href: `/approvals/${s}` };
  // A tracked job: the bulk retry of many failed runs (issue 16, item 3).
  if (s.startsWith("job_")) {
    return { text: "A retry of many failed runs", href: null };
  }
  if (e.type === "record.changed") {
    const slash = s.indexOf("/");
    const [type, id] = [s.slice(0, slash), s.slice(slash + 1)];
    return {
      text: `Record ${type} ${id}`,
      href: `/records/${encodeURIComponent(type)}/${encodeURIComponent(id)}`,
    };
  }
  return { text: s, href: null };
}

/** Keys that say nothing a person needs (ids the subject already names, internals). */
const QUIET = new Set(["replacedDraft", "runId", "stepId", "workflowId", "replaces", "invitation"]);

function valueWords(key: string, v: unknown, names: AuditNames): string {
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string" && v.startsWith("us_")) return names.member?.(v) ?? v;
  if (typeof v === "string" && v.startsWith("wf_")) return names.workflow?.(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => valueWords(key, x, names)).join(", ");
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v ?? "—");
}

/**
 * The details as words: a workflow's version as "version 3, saved as a
 * draft" or "version 3, published", anything else as "Label: value".
 * @example detailWords({ type: "workflow.updated", details: { version: 3, published: false } … }, {}) // "Version 3, saved as a draft"
 */
export function detailWords(e: AuditLine, names: AuditNames): string {
  const d = e.details;
  if (e.type === "runs.bulk_retry_started" || e.type === "job.cancelled") return jobWords(e, names);
  const parts: string[] = [];
  const rest = { ...d };
  if (typeof d.version === "number" && e.type.startsWith("workflow.")) {
    const how =
      d.published === true ? ", published" : d.published === false ? ", saved as a draft" : "";
    parts.push(`Version ${d.version}${how}`);
    delete rest.version;
    delete rest.published;
    if (typeof d.previousLiveVersion === "number") {
      parts.push(`was version ${d.previousLiveVersion}`);
      delete rest.previousLiveVersion;
    }
  }
  // The subject already says the workflow's name.
  if (e.subject.startsWith("wf_")) delete rest.name;
  for (const [k, v] of Object.entries(rest)) {
    if (QUIET.has(k) || v === null || v === undefined) continue;
    parts.push(`${labelOf(k)}: ${valueWords(k, v, names)}`);
  }
  return parts.join(" · ");
}

/**
 * A bulk retry's details (issue 16, item 3): how many runs, of which
 * workflow, on which version; when stopped, how far it had come.
 * @example jobWords({ type: "runs.bulk_retry_started", details: { total: 42, version: "live" } … }, {}) // "42 runs · on the live version"
 */
function jobWords(e: AuditLine, names: AuditNames): string {
  const d = e.details;
  const total = typeof d.total === "number" ? d.total : null;
  const runs = (n: number) => `${n} ${n === 1 ? "run" : "runs"}`;
  if (e.type === "job.cancelled") {
    return total === null
      ? ""
      : `Stopped after ${typeof d.done === "number" ? d.done : 0} of ${runs(total)}`;
  }
  const parts: string[] = [];
  if (total !== null) parts.push(runs(total));
  const sel = (d.selection ?? {}) as Record<string, unknown>;
  const wf = str(sel.workflowId);
  if (wf) parts.push(`of ${names.workflow?.(wf) ?? "a deleted workflow"}`);
  if (str(sel.errorGroup)) parts.push("one failure group");
  const v = d.version;
  parts.push(
    v === "live"
      ? "on the live version"
      : typeof v === "number"
        ? `on version ${v}`
        : "on the version each run started with",
  );
  return parts.join(" · ");
}

/** One row of the page: an entry, or an editor's autosaves folded together. */
export interface AuditRow {
  /** The newest entry of the row (the list is newest first). */
  entry: AuditLine;
  /** How many entries the row stands for (1 for most). */
  count: number;
  /** The oldest entry folded in (the same as `entry` for one). */
  oldest: AuditLine;
}

const isAutosave = (e: AuditLine): boolean =>
  e.type === "workflow.updated" && e.details.replacedDraft === true;

/**
 * Folds runs of autosaves (the same person's draft saves of the same
 * workflow, one after the other in the list) into one row with a count;
 * every entry stays in the chain and is one "Show each" away.
 */
export function foldAutosaves(entries: readonly AuditLine[]): AuditRow[] {
  const rows: AuditRow[] = [];
  for (const e of entries) {
    const last = rows.at(-1);
    if (
      last &&
      isAutosave(e) &&
      isAutosave(last.oldest) &&
      last.oldest.subject === e.subject &&
      last.oldest.actor.type === e.actor.type &&
      last.oldest.actor.id === e.actor.id
    ) {
      last.count += 1;
      last.oldest = e;
      continue;
    }
    rows.push({ entry: e, count: 1, oldest: e });
  }
  return rows;
}
