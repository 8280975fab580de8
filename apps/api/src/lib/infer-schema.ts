/**
 * A JSON Schema describing one sample value, for the builder's field
 * pickers and `check` when a type has no declared schema.
 */
export function inferSchema(value: unknown, depth = 0): Record<string, unknown> {
  if (depth > 8) return {};
  if (value === null) return { type: "null" };
  if (Array.isArray(value)) {
    return value.length > 0
      ? { type: "array", items: inferSchema(value[0], depth + 1) }
      : { type: "array" };
  }
  switch (typeof value) {
    case "string":
      return /^\d{4}-\d{2}-\d{2}T/.test(value)
        ? { type: "string", format: "date-time" }
        : { type: "string" };
    case "number":
      return { type: "number" };
    case "boolean":
      return { type: "boolean" };
    case "object": {
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        properties[k] = inferSchema(v, depth + 1);
      return { type: "object", properties };
    }
    default:
      return {};
  }
}
