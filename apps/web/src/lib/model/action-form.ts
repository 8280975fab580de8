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
