/** JSON with object keys sorted at every level: the input of every hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Nesting depth of a parsed JSON value, computed without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const depth = d + 1;
    if (depth > max) max = depth;
    for (const child of Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, depth]);
    }
  }
  return max;
}

/** Parses stored JSON that this Worker wrote itself. */
export function parseStored<T>(text: string | null | undefined, fallback: T): T {
  if (text == null) return fallback;
  return JSON.parse(text) as T;
}

/**
 * What JSON.parse accepted but this Worker cannot keep as sent: a number
 * beyond a double's range (parsed as Infinity, it would be stored as null)
 * or a `__proto__` key (dropped, or worse, by every plain-object copy).
 * Returns the problem's path, or undefined when there is none.
 */
export function unkeepableJson(value: unknown): { path: string; message: string } | undefined {
  const stack: Array<[unknown, string]> = [[value, ""]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === "number" && !Number.isFinite(v)) {
      return { path, message: "a number too large for a double (it would be stored as null)" };
    }
    if (v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${path}[${i}]`]);
      continue;
    }
    for (const key of Object.keys(v)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (key === "__proto__") return { path: at, message: "the key '__proto__' is not allowed" };
      stack.push([(v as Record<string, unknown>)[key], at]);
    }
  }
  return undefined;
}
