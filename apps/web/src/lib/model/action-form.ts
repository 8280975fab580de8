// How an action's settings form reads beyond one control per field: a
// choice between two ways of sending (Slack's incoming webhook address or a
// connection with a bot token), and the address field's help once a
// connection is chosen. Read from the action's JSON Schema, so a new action
// with the same two fields gets the same choice.
import type { JsonSchema } from "../api";

export interface SendChoice {
  legend: string;
  options: Array<{ value: "webhook" | "connection"; words: string; fields: string[] }>;
}

/**
 * The "webhook address or connection" choice, for an action whose settings
 * offer both as optional fields (one of them is to be given); null otherwise.
 * @example sendChoice(slackSchema)?.options.map((o) => o.words)
 * // ["An incoming webhook address", "A connection (a bot token)"]
 */
export function sendChoice(schema: JsonSchema): SendChoice | null {
  const props = schema.properties ?? {};
  const required = schema.required ?? [];
  if (!props.webhookUrl || !props.connection) return null;
  if (required.includes("webhookUrl") || required.includes("connection")) return null;
  return {
    legend: "Send through",
    options: [
      { value: "webhook", words: "An incoming webhook address", fields: ["webhookUrl"] },
      {
        value: "connection",
        words: "A connection (a bot token)",
        fields: ["connection", ...(props.channel ? ["channel"] : [])],
      },
    ],
  };
}

/** Which way a step's settings send: a connection once one is named, else the webhook. */
export function chosenWay(
  config: Record<string, unknown>,
  remembered?: "webhook" | "connection",
): "webhook" | "connection" {
  if (typeof config.connection === "string" && config.connection !== "") return "connection";
  if (typeof config.webhookUrl === "string" && config.webhookUrl !== "") return "webhook";
  return remembered ?? "webhook";
}

/** The fields the other way owns: hidden (and cleared) while this way is chosen. */
export function hiddenFields(choice: SendChoice | null, way: "webhook" | "connection"): string[] {
  if (!choice) return [];
  return choice.options.filter((o) => o.value !== way).flatMap((o) => o.fields);
}

/**
 * The address field's help once a connection is chosen: a path is enough.
 * @example urlHintWithConnection("erp", "https://erp.example.com/api")
 * // "With the connection erp, a path such as /orders is enough: it is added to https://erp.example.com/api."
 */
export function urlHintWithConnection(name: string, baseUrl: string | undefined): string {
  const onto = baseUrl
    ? `: it is added to ${baseUrl}`
    : ": it is added to the connection's address";
  return `With the connection ${name}, a path such as /orders is enough${onto}. A full address works too.`;
}

/** Words for the choices of a select, where the catalogue's values are codes. */
const OPTION_WORDS: Record<string, Record<string, string>> = {
  bodyType: {
    json: "JSON (application/json)",
    form: "Form fields (application/x-www-form-urlencoded)",
    text: "Text, sent as written",
  },
};

/**
 * A select's option in words; the value itself where there are none.
 * @example optionWords("bodyType", "form") // "Form fields (application/x-www-form-urlencoded)"
 */
export function optionWords(key: string, value: string): string {
  return OPTION_WORDS[key]?.[value] ?? value;
}

/**
 * Fields whose values are expressions rather than templates (http_request's
 * outputs read `response`): plain text, no data picker and no secrets.
 */
export const isExpressionMap = (key: string): boolean => key === "outputs";

/** Whether a body is written as JSON: http_request's text body is not; otherwise its content type says. */
export function bodyIsJson(
  action: string,
  config: Record<string, unknown>,
  jsonByContentType: boolean,
): boolean {
  if (action === "http_request") return config.bodyType !== "text";
  return jsonByContentType;
}

/** Whether a field takes a JSON list (Slack's blocks): written as JSON text, kept as the list. */
export function takesList(schema: JsonSchema): boolean {
  return schema.type === "array" || (schema.anyOf ?? []).some((s) => s.type === "array");
}

/**
 * A list field's text as its value: JSON that is a list is kept as the list,
 * anything else (a template, text on its way to being JSON) as written.
 * @example listValue('[{"type":"divider"}]') // [{ type: "divider" }]
 */
export function listValue(text: string): unknown {
  const t = text.trim();
  if (!t.startsWith("[")) return text;
  try {
    const parsed: unknown = JSON.parse(t);
    return Array.isArray(parsed) ? parsed : text;
  } catch {
    return text;
  }
}
