// A template's parameters: their types, what a value of each type must be,
// and how a value is written into each kind of place (places.ts).
import { isConnectionName } from "../catalogue/connection.ts";
import { eventTypeSchema } from "../definition/schema.ts";
import { SECRET_NAME_PATTERN } from "../definition/secrets.ts";
import { parseDuration } from "../util/duration.ts";
import { Place } from "./places.ts";

/** What a parameter holds; the builder picks its input by it. */
export const TemplateParamType = {
  text: "text",
  number: "number",
  /** A member's email (the builder offers the workspace's members). */
  person: "person",
  eventType: "event_type",
  /** A connection's name (Settings → Connections). */
  connection: "connection",
  /** A secret's name: `[[x]]` becomes `{{ secrets.<name> }}` in an action's field. */
  secret: "secret",
  duration: "duration",
  email: "email",
} as const;
export type TemplateParamType = (typeof TemplateParamType)[keyof typeof TemplateParamType];

export interface TemplateParam {
  /** As written in the workflow: `[[name]]`, `{ "$param": "name" }`. */
  name: string;
  label: string;
  help?: string;
  type: TemplateParamType;
  default?: string | number;
  required?: boolean;
  /** A value that works, for required parameters without a default (tests fill them with it). */
  example?: string | number;
}

/** A parameter's value once checked. */
export type ParamValue = string | number;

/** Longest text a parameter takes. */
export const MAX_PARAM_TEXT = 1000;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * What is wrong with `value` for a parameter of `type`, or null when it fits.
 * @example paramValueProblem("number", "10") // "expected a number"
 * @example paramValueProblem("event_type", "order.created") // null
 */
export function paramValueProblem(type: TemplateParamType, value: unknown): string | null {
  if (type === TemplateParamType.number) {
    return typeof value === "number" && Number.isFinite(value) ? null : "expected a number";
  }
  if (typeof value !== "string") return "expected text";
  if (value.length > MAX_PARAM_TEXT) return `longer than ${MAX_PARAM_TEXT} characters`;
  switch (type) {
    case TemplateParamType.text:
      return null;
    case TemplateParamType.person:
      return EMAIL.test(value) ? null : "expected a member's email, such as ann@example.com";
    case TemplateParamType.email:
      return EMAIL.test(value) ? null : "expected an email address, such as ann@example.com";
    case TemplateParamType.eventType: {
      const r = eventTypeSchema.safeParse(value);
      return r.success ? null : (r.error.issues[0]?.message ?? "expected an event type");
    }
    case TemplateParamType.connection:
      return isConnectionName(value)
        ? null
        : "expected a connection's name: lower-case letters, digits, _ and - (at most 63)";
    case TemplateParamType.secret:
      return SECRET_NAME_PATTERN.test(value)
        ? null
        : "expected a secret's name: a letter or _, then letters, digits or _ (at most 64)";
    case TemplateParamType.duration: {
      const ms = parseDuration(value);
      return ms !== null && ms > 0
        ? null
        : 'expected a duration such as "30m" or "48h" (hours, minutes, seconds)';
    }
  }
}

/**
 * An expression's string literal for `text`: double-quoted, with `\`, `"`
 * and control characters escaped the way EXPR.md reads them.
 * @example exprString('say "hi"') // "\"say \\\"hi\\\"\""
 */
export function exprString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/**
 * Literal text for a template field: every `{{` escaped as `\{{`, so a
 * value never opens a placeholder.
 * @example templateText("{{ x }}") // "\\{{ x }}"
 */
export function templateText(text: string): string {
  return text.replaceAll("{{", "\\{{");
}

/**
 * How a value is written into a string at a place: in an expression, a
 * literal (a quoted string, or a number); in a template, text with `{{`
 * escaped, and a secret as its placeholder `{{ secrets.<name> }}`; in plain
 * text, as it is.
 * @example inlineValue("text", "high", "expression") // "\"high\""
 * @example inlineValue("secret", "slack_webhook", "template") // "{{ secrets.slack_webhook }}"
 */
export function inlineValue(type: TemplateParamType, value: ParamValue, place: Place): string {
  if (place === Place.expression) {
    return typeof value === "number" ? String(value) : exprString(value);
  }
  if (place === Place.template) {
    if (type === TemplateParamType.secret) return `{{ secrets.${value} }}`;
    return templateText(String(value));
  }
  return String(value);
}

/**
 * What `{ "$param" }` becomes: in an expression, the literal's source; in a
 * template, a number stays a number (a typed field), a secret becomes its
 * placeholder and text is escaped; in plain text, the value itself.
 * @example wholeValue("number", 10000, "template") // 10000
 */
export function wholeValue(type: TemplateParamType, value: ParamValue, place: Place): ParamValue {
  if (typeof value === "number" && place !== Place.expression) return value;
  return inlineValue(type, value, place);
}
