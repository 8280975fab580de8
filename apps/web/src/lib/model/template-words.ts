// Templates in people's words (issue 17, item 5): the gallery's cards by
// category and what each needs ("Needs a Slack connection"), the blanks a
// template asks for with their defaults, which of them are still empty, and
// the API's problems put back at their blank (`params.<name>` → that field).
// Pure and self-contained, so tests read it as the builder does.
import type { ApiProblem } from "../api";
import type { Requirements, TemplateParam, TemplateSummary, TemplateValues } from "../api-travel";

/** Names people know by another spelling than a connection's name. */
const KNOWN: Record<string, string> = {
  slack: "Slack",
  teams: "Microsoft Teams",
  msteams: "Microsoft Teams",
  google_chat: "Google Chat",
  googlechat: "Google Chat",
  gchat: "Google Chat",
  hubspot: "HubSpot",
  salesforce: "Salesforce",
  stripe: "Stripe",
  erp: "ERP",
  crm: "CRM",
  github: "GitHub",
  jira: "Jira",
  zendesk: "Zendesk",
  pagerduty: "PagerDuty",
};

/**
 * A connection's name as people say it: "slack" → "Slack", "erp_api" → "ERP api".
 * @example serviceWords("google_chat") // "Google Chat"
 */
export function serviceWords(name: string): string {
  const key = name.toLowerCase();
  if (KNOWN[key]) return KNOWN[key];
  const words = name.split(/[-_.\s]+/).filter(Boolean);
  const said = words.map((w) => KNOWN[w.toLowerCase()] ?? w.toLowerCase());
  const text = said.join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "a" or "an" before a word; an acronym is read letter by letter ("an ERP", "a CRM"). */
function article(word: string): string {
  if (/^[A-Z]{2,}/.test(word)) return /^[AEFHILMNORSX]/.test(word) ? "an" : "a";
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/**
 * "a Slack connection", "an ERP connection".
 * @example connectionWords("erp") // "an ERP connection"
 */
export function connectionWords(name: string): string {
  const said = serviceWords(name);
  return `${article(said)} ${said} connection`;
}

/** "the secret “erp_token”". */
export const secretWords = (name: string): string => `the secret “${name}”`;

/** "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export interface NeedLine {
  text: string;
  /** The workspace lacks it (known only when the server says). */
  missing: boolean;
  kind: "connection" | "secret";
  name: string;
}

/**
 * What a template needs, one line each, and whether this workspace lacks it:
 * "Needs a Slack connection" / "Needs the secret “erp_token”".
 */
export function needLines(t: Pick<TemplateSummary, "requires" | "ready">): NeedLine[] {
  const lacks = {
    connection: new Set(t.ready?.missingConnections ?? []),
    secret: new Set(t.ready?.missingSecrets ?? []),
  };
  return [
    ...t.requires.connections.map((name) => ({
      kind: "connection" as const,
      name,
      text: `Needs ${connectionWords(name)}`,
      missing: lacks.connection.has(name),
    })),
    ...t.requires.secrets.map((name) => ({
      kind: "secret" as const,
      name,
      text: `Needs ${secretWords(name)}`,
      missing: lacks.secret.has(name),
    })),
  ];
}

/** The card's one line of needs: "Needs nothing else" or "Needs a Slack connection and the secret “x”". */
export function needsSentence(requires: Requirements): string {
  const parts = [
    ...requires.connections.map(connectionWords),
    ...requires.secrets.map(secretWords),
  ];
  return parts.length ? `Needs ${listWords(parts)}` : "Needs nothing but this workspace";
}

export interface Category<T> {
  category: string;
  items: T[];
}

/** The gallery's sections: categories in the order they first appear, templates by title within. */
export function byCategory<T extends { category: string; title: string }>(
  items: readonly T[],
): Category<T>[] {
  const out: Category<T>[] = [];
  for (const item of items) {
    const name = item.category.trim() || "Other";
    let group = out.find((g) => g.category === name);
    if (!group) {
      group = { category: name, items: [] };
      out.push(group);
    }
    group.items.push(item);
  }
  for (const g of out) g.items.sort((a, b) => a.title.localeCompare(b.title));
  return out;
}

/** Each blank's starting value: its default, else empty. */
export function initialValues(params: readonly TemplateParam[]): Record<string, string> {
  return Object.fromEntries(
    params.map((p) => [p.name, p.default === undefined ? "" : String(p.default)]),
  );
}

/** The values as the API takes them: numbers as numbers, empty blanks left out. */
export function paramValues(
  params: readonly TemplateParam[],
  values: Record<string, string>,
): TemplateValues {
  const out: TemplateValues = {};
  for (const p of params) {
    const raw = (values[p.name] ?? "").trim();
    if (raw === "") continue;
    const n = Number(raw);
    out[p.name] = p.type === "number" && Number.isFinite(n) ? n : raw;
  }
  return out;
}

/** What each blank says is wrong before anything is sent: required and empty, or not a number. */
export function localProblems(
  params: readonly TemplateParam[],
  values: Record<string, string>,
): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of params) {
    const raw = (values[p.name] ?? "").trim();
    if (raw === "" && p.required) out.set(p.name, [`Fill in ${lowerFirst(p.label)}.`]);
    else if (raw !== "" && p.type === "number" && !Number.isFinite(Number(raw)))
      out.set(p.name, [`${p.label} must be a number.`]);
  }
  return out;
}

const lowerFirst = (s: string): string =>
  /^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s;

/**
 * The API's problems at their blank: `params.amount` → "amount"; anything
 * else (the template as a whole) under "".
 */
export function problemsByParam(details: readonly ApiProblem[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of details ?? []) {
    const m = /^params(?:\.|\[")([^."\]]+)/.exec(d.path);
    const key = m?.[1] ?? "";
    out.set(key, [...(out.get(key) ?? []), d.message]);
  }
  return out;
}

/** A blank's hint: its help, and an example when there is one. */
export function paramHint(p: TemplateParam): string {
  const parts: string[] = [];
  if (p.help?.trim()) parts.push(p.help.trim().replace(/\.$/, ""));
  if (p.example !== undefined && p.example !== "") parts.push(`For example ${p.example}`);
  return parts.join(". ");
}

const PARAM = /\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const WHOLE_PARAM = /^\{\{\s*params\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

/**
 * The template's workflow with the blanks filled in as typed so far, for
 * the summary before anything is created (`{{ params.amount }}` → 10000);
 * a blank still empty reads as its label in angle quotes (‹Amount›).
 * @example fillParams({ a: "over {{ params.amount }}" }, [{ name: "amount", label: "Amount", type: "number" }], { amount: "5" }) // { a: "over 5" }
 */
export function fillParams<T>(
  value: T,
  params: readonly TemplateParam[],
  values: Record<string, string>,
): T {
  const typed = paramValues(params, values);
  const label = (name: string) => params.find((p) => p.name === name)?.label ?? name;
  const shown = (name: string): string | number => typed[name] ?? `‹${label(name)}›`;
  const fill = (v: unknown): unknown => {
    if (typeof v === "string") {
      const whole = WHOLE_PARAM.exec(v);
      if (whole?.[1] && typeof typed[whole[1]] === "number") return typed[whole[1]];
      return v.replace(PARAM, (_, name: string) => String(shown(name)));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    }
    return v;
  };
  return fill(value) as T;
}
