// Templates in people's words (issue 17, item 5): the gallery's cards by
// category and what each needs ("Needs a Slack connection"), the blanks a
// template asks for with their defaults, which of them are still empty, and
// the API's problems put back at their blank (`params.<name>` → that field).
// Pure and self-contained, so tests read it as the builder does.
import { checkValues } from "@switchyard/engine";
import type { ApiProblem } from "../api";
import type { TemplateParam, TemplateSummary, TemplateValues } from "../api-travel";

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

export interface NeedLine {
  text: string;
  /** The workspace lacks it (known only when the server says). */
  missing: boolean;
  kind: "connection" | "secret";
  /** Its name in the workflow as the template comes (a blank's default). */
  name: string;
}

/** A blank's label without the kind it already says: "Slack webhook (secret)" → "Slack webhook". */
const bareLabel = (label: string): string =>
  label.replace(/\s*\((secret|connection)\)\s*$/i, "").trim();

/**
 * What a template needs, one line each, and whether this workspace lacks it
 * (under the name the template suggests): "Needs an ERP connection", "Needs
 * a Slack webhook, kept as a secret". A blank says it by its label; a name
 * the workflow fixes, by that name.
 * @example needLines({ params: [], requires: { connections: ["slack"], secrets: [] } })[0].text // "Needs a Slack connection"
 */
export function needLines(t: Pick<TemplateSummary, "params" | "requires" | "ready">): NeedLine[] {
  const lacks = {
    connection: new Set(t.ready?.missingConnections ?? []),
    secret: new Set(t.ready?.missingSecrets ?? []),
  };
  const out: NeedLine[] = [];
  const said = new Set<string>();
  for (const p of t.params) {
    if (p.type !== "connection" && p.type !== "secret") continue;
    const name = String(p.default ?? p.example ?? "");
    said.add(`${p.type}:${name}`);
    const what = bareLabel(p.label);
    const text =
      p.type === "connection"
        ? `Needs ${name ? connectionWords(name) : "a connection"}`
        : `Needs ${article(what)} ${what}, kept as a secret`;
    out.push({ kind: p.type, name, text, missing: name !== "" && lacks[p.type].has(name) });
  }
  for (const name of t.requires.connections) {
    if (said.has(`connection:${name}`)) continue;
    out.push({
      kind: "connection",
      name,
      text: `Needs ${connectionWords(name)}`,
      missing: lacks.connection.has(name),
    });
  }
  for (const name of t.requires.secrets) {
    if (said.has(`secret:${name}`)) continue;
    out.push({
      kind: "secret",
      name,
      text: `Needs ${secretWords(name)}`,
      missing: lacks.secret.has(name),
    });
  }
  return out;
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

/**
 * A blank's hint: its help, and an example when there is one (not for a
 * member, who is chosen from a list).
 * @example paramHint({ name: "n", label: "N", type: "number", help: "How many", example: 3 }) // "How many. For example 3."
 */
export function paramHint(p: TemplateParam): string {
  const parts: string[] = [];
  if (p.help?.trim()) parts.push(p.help.trim().replace(/\.$/, ""));
  if (p.example !== undefined && p.example !== "" && p.type !== "person") {
    parts.push(`For example ${p.example}`);
  }
  return parts.length ? `${parts.join(". ")}.` : "";
}

/**
 * Values to show the template's workflow with before it is made: each blank
 * as typed when it fits its kind, else its default, else its example (a
 * blank still empty or half typed does not blank the summary out).
 * @example previewValues([{ name: "n", label: "N", type: "number", default: 5 }], { n: "x" }) // { n: 5 }
 */
export function previewValues(
  params: readonly TemplateParam[],
  values: Record<string, string>,
): TemplateValues {
  const given = paramValues(params, values);
  const out: TemplateValues = {};
  for (const p of params) {
    const v = given[p.name];
    const fits = v !== undefined && checkValues([p], { [p.name]: v }).ok;
    const use = fits ? v : (p.default ?? p.example);
    if (use !== undefined) out[p.name] = use;
  }
  return out;
}
