// Which form control renders each property of an action's config JSON Schema.
import type { JsonSchema } from "../api";

export type Widget =
  | { kind: "text"; multiline: boolean }
  | { kind: "number" }
  | { kind: "select"; options: string[] }
  | { kind: "duration" }
  | { kind: "keyvalue" }
  | { kind: "json" }
  | { kind: "webhook-body" }
  | { kind: "person" }
  | { kind: "connection" }
  | { kind: "summary" };

const DURATION_NAMES = new Set(["timeout", "due", "delay"]);
const MULTILINE_NAMES = new Set(["body", "message", "description"]);

export function widgetFor(name: string, schema: JsonSchema): Widget {
  const enumOf = schema.enum ?? schema.anyOf?.find((s) => Array.isArray(s.enum))?.enum;
  if (enumOf) return { kind: "select", options: enumOf.map(String) };
  // The catalogue names a field's editor where no type could tell (call_webhook's body).
  if (schema["x-widget"] === "webhook-body") return { kind: "webhook-body" };
  if (schema["x-widget"] === "person") return { kind: "person" };
  if (schema["x-widget"] === "summary") return { kind: "summary" };
  // A connection's name: the workspace's connections, by name with their health.
  if (schema["x-widget"] === "connection" || name === "connection") return { kind: "connection" };
  if (schema.$ref) return { kind: "json" };
  const objectForm =
    schema.type === "object" ? schema : schema.anyOf?.find((s) => s.type === "object");
  if (objectForm && objectForm.additionalProperties !== false) return { kind: "keyvalue" };
  if (schema.type === "number" || schema.type === "integer") return { kind: "number" };
  if (DURATION_NAMES.has(name) || /duration|how long/i.test(schema.description ?? ""))
    return { kind: "duration" };
  return { kind: "text", multiline: MULTILINE_NAMES.has(name) };
}

/** "48h" → { amount: 48, unit: "h" }; null when it is not a plain duration. */
export function splitDuration(value: string): { amount: string; unit: string } | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  return m ? { amount: m[1], unit: m[2] } : null;
}

export function humanLabel(name: string): string {
  const spaced = name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
