// What a step did, as the thing it made: an email as an email (to, subject,
// body), a record as its fields, a task as a task, a webhook call as
// "POST <url> → 200" with the answer, an approval as its decision and who.
// Pure (people's names come in as a function), so the run page and the tests
// read it the same way; the raw JSON stays one click away on the page.

/** One labelled value: "Subject" → "Your order". */
export interface Fact {
  label: string;
  value: string;
  /** Text to keep its line breaks (a body, an answer). */
  long?: boolean;
}

export interface Thing {
  /** What it is, for the eye: "Email", "Record", "Webhook call". */
  kind: string;
  /** The one line that says it: "Email to Ada Lovelace (ada@acme.example)". */
  headline: string;
  facts: Fact[];
  link?: { href: string; text: string };
}

export interface ThingStep {
  action?: string | null;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: unknown;
}

export interface ThingWords {
  /** A member's name for an email address; the address itself for anyone else. */
  person?: (email: string) => string | undefined;
  /** A number the workspace's way ("12,500"); as written when absent. */
  number?: (n: number) => string;
}

type Dict = Record<string, unknown>;

const asDict = (v: unknown): Dict =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Dict) : {};

/** A value as text: strings as they are, anything else as compact JSON. */
export function textOf(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "number") return String(v);
  return JSON.stringify(v, null, 2);
}

/** "replyTo" → "Reply to", "due_at" → "Due at": the editor's labels for a setting. */
export function labelOf(key: string): string {
  const spaced = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/_/g, " ")
    .toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** "Ada Lovelace (ada@acme.example)" for a member, the address for anyone else. */
export function personWords(email: string, words: ThingWords, withAddress = false): string {
  const name = words.person?.(email);
  if (!name || name === email) return email;
  return withAddress ? `${name} (${email})` : name;
}

/** The facts that are there, in order, labelled; empty values left out. */
function facts(from: Dict, keys: Array<[string, string, boolean?]>): Fact[] {
  const out: Fact[] = [];
  for (const [key, label, long] of keys) {
    const value = textOf(from[key]);
    if (value !== "") out.push({ label, value, ...(long ? { long: true } : {}) });
  }
  return out;
}

const outboxLink = (output: Dict, what: string): Thing["link"] =>
  output.provider === "outbox"
    ? { href: "/outbox", text: `See the ${what} in the outbox` }
    : undefined;

function email(s: ThingStep, words: ThingWords): Thing {
  const input = asDict(s.input);
  const to = textOf(input.to);
  return {
    kind: "Email",
    headline: to ? `Email to ${personWords(to, words, true)}` : "Email",
    facts: facts(input, [
      ["subject", "Subject"],
      ["body", "Message", true],
      ["cc", "Copy to"],
      ["replyTo", "Reply to"],
    ]),
    link: outboxLink(asDict(s.output), "email"),
  };
}

function sms(s: ThingStep, words: ThingWords): Thing {
  const input = asDict(s.input);
  const to = textOf(input.to);
  return {
    kind: "Text message",
    headline: to ? `Text message to ${personWords(to, words, true)}` : "Text message",
    facts: facts(input, [["body", "Message", true]]),
    link: outboxLink(asDict(s.output), "message"),
  };
}

function notification(s: ThingStep, words: ThingWords): Thing {
  const input = asDict(s.input);
  const user = textOf(input.user);
  return {
    kind: "Notification",
    headline: user ? `Notification to ${personWords(user, words)}` : "Notification",
    facts: facts(input, [
      ["message", "Message", true],
      ["link", "Opens"],
    ]),
  };
}

function record(s: ThingStep): Thing {
  const input = asDict(s.input);
  const output = asDict(s.output);
  const type = textOf(output.type ?? input.type);
  const id = textOf(output.id ?? input.id);
  const fields = asDict(input.fields);
  const out: Fact[] = Object.entries(fields).map(([k, v]) => ({
    label: labelOf(k),
    value: textOf(v),
  }));
  if (typeof input.fields === "string")
    out.push({ label: "Fields", value: input.fields, long: true });
  if (Array.isArray(output.changed)) {
    const changed = (output.changed as unknown[]).map((c) => labelOf(String(c)).toLowerCase());
    out.push({
      label: "Changed",
      value: changed.length ? changed.join(", ") : "nothing: it already had these values",
    });
  }
  return {
    kind: "Record",
    headline: type && id ? `${labelOf(type)} ${id}` : "A record",
    facts: out,
    link:
      type && id
        ? {
            href: `/records/${encodeURIComponent(type)}/${encodeURIComponent(id)}`,
            text: "Open the record",
          }
        : undefined,
  };
}

function task(s: ThingStep, words: ThingWords): Thing {
  const input = asDict(s.input);
  const assignee = textOf(input.assignee);
  return {
    kind: "Task",
    headline: `Task${assignee ? ` for ${personWords(assignee, words)}` : ""}${input.title ? `: ${textOf(input.title)}` : ""}`,
    facts: facts(input, [
      ["description", "Details", true],
      ["due", "Due after"],
    ]),
    link: { href: "/inbox", text: "Open the inbox" },
  };
}

const DECISION: Record<string, string> = {
  approved: "Approved",
  rejected: "Rejected",
  expired: "Nobody decided in time: the request expired",
};

function approval(s: ThingStep, words: ThingWords): Thing {
  const input = asDict(s.input);
  const output = asDict(s.output);
  const approver = textOf(input.approver);
  const out = facts(input, [["description", "Details", true]]);
  // The facts the approver decided on, as the request showed them.
  for (const line of Array.isArray(input.summary) ? input.summary : []) {
    const { label, value } = asDict(line);
    if (typeof label !== "string" || label.trim() === "") continue;
    const text = typeof value === "number" && words.number ? words.number(value) : textOf(value);
    out.push({ label: label.trim(), value: text || "—" });
  }
  const decision = textOf(output.decision);
  if (decision) {
    const by = textOf(output.decidedBy);
    const who =
      by && decision !== "expired"
        ? ` by ${personWords(by.replace(/^api_key:.*/, "an API key"), words)}`
        : "";
    out.push({ label: "Decision", value: `${DECISION[decision] ?? decision}${who}` });
  }
  if (output.comment) out.push({ label: "Comment", value: textOf(output.comment), long: true });
  const id = textOf(output.approvalId);
  return {
    kind: "Approval",
    headline: `Approval${approver ? ` asked of ${personWords(approver, words)}` : ""}${input.title ? `: ${textOf(input.title)}` : ""}`,
    facts: out,
    link: id
      ? { href: `/approvals/${encodeURIComponent(id)}`, text: "Open the approval" }
      : { href: "/inbox", text: "Open the inbox" },
  };
}

/** The status a failed call's error names ("… answered 500: …"), if it does. */
function failedStatus(error: unknown): string | null {
  const message = textOf(asDict(error).message ?? error);
  return /\banswered (\d{3})\b/.exec(message)?.[1] ?? null;
}

/** A call's connection and its headers, each its own fact (a secret in one shows as its lock). */
function callFacts(input: Dict): Fact[] {
  const out: Fact[] = [];
  if (typeof input.connection === "string" && input.connection !== "")
    out.push({ label: "Connection", value: input.connection });
  for (const [name, value] of Object.entries(asDict(input.headers)))
    out.push({ label: `Header ${name}`, value: textOf(value) });
  for (const [name, value] of Object.entries(asDict(input.query)))
    out.push({ label: `Parameter ${name}`, value: textOf(value) });
  return out;
}

function webhook(s: ThingStep, kind = "Webhook call"): Thing {
  const input = asDict(s.input);
  const output = asDict(s.output);
  const method = (textOf(input.method) || (kind === "Webhook call" ? "POST" : "GET")).toUpperCase();
  const url = textOf(input.url);
  const status =
    output.status != null
      ? textOf(output.status)
      : s.status === "failed"
        ? (failedStatus(s.error) ?? "no answer")
        : "";
  const out = [...callFacts(input), ...facts(input, [["body", "Sent", true]])];
  if (output.body !== undefined && output.body !== "") {
    out.push({ label: "Answer", value: textOf(output.body), long: true });
  }
  return {
    kind,
    headline: `${method} ${url || (kind === "Webhook call" ? "the webhook" : "the address")}${status ? ` → ${status}` : ""}`,
    facts: out,
  };
}

/** A chat message (Slack, Teams, Google Chat): where it went and what it said. */
function chat(s: ThingStep, kind: string): Thing {
  const input = asDict(s.input);
  const channel = textOf(input.channel);
  const out = facts(input, [
    ["title", "Title"],
    ["text", "Message", true],
  ]);
  for (const [label, value] of Object.entries(asDict(input.facts)))
    out.push({ label, value: textOf(value) });
  if (typeof input.connection === "string" && input.connection !== "")
    out.push({ label: "Connection", value: input.connection });
  else if (input.webhookUrl !== undefined)
    out.push({ label: "Webhook", value: textOf(input.webhookUrl) });
  if (input.threadKey || input.threadTs)
    out.push({ label: "Thread", value: textOf(input.threadKey ?? input.threadTs) });
  return { kind, headline: `${kind}${channel ? ` to ${channel}` : ""}`, facts: out };
}

/** Any other step's settings, by the editor's labels. */
function generic(s: ThingStep): Thing | null {
  const input = asDict(s.input);
  const out = Object.entries(input).map(([k, v]) => ({ label: labelOf(k), value: textOf(v) }));
  return out.length ? { kind: "Step", headline: "", facts: out } : null;
}

/**
 * An event's data as labelled facts: nested fields by their path in words
 * ("Customer email"), lists as text. At most `max` facts.
 */
export function dataFacts(data: unknown, max = 40): Fact[] {
  const out: Fact[] = [];
  const visit = (v: unknown, path: string[]): void => {
    if (out.length >= max) return;
    const dict = v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Dict) : null;
    if (dict && path.length < 3 && Object.keys(dict).length > 0) {
      for (const [k, inner] of Object.entries(dict)) visit(inner, [...path, k]);
      return;
    }
    const label = labelOf(path.join(" ") || "value");
    const value = textOf(v);
    out.push({
      label,
      value: value === "" ? "(empty)" : value,
      ...(value.includes("\n") ? { long: true } : {}),
    });
  };
  visit(data, []);
  return out;
}

/** The thing a step made or would make; null when there is nothing to show. */
export function thingOf(s: ThingStep, words: ThingWords = {}): Thing | null {
  if (s.input == null && s.output == null) return null;
  switch (s.action) {
    case "send_email":
      return email(s, words);
    case "send_sms":
      return sms(s, words);
    case "notify_user":
      return notification(s, words);
    case "update_record":
      return record(s);
    case "create_task":
      return task(s, words);
    case "request_approval":
      return approval(s, words);
    case "call_webhook":
      return webhook(s);
    case "http_request":
      return webhook(s, "HTTP request");
    case "send_slack_message":
      return chat(s, "Slack message");
    case "send_teams_message":
      return chat(s, "Teams message");
    case "send_google_chat_message":
      return chat(s, "Google Chat message");
    default:
      return generic(s);
  }
}
