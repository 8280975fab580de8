// Reads a JSON Schema as the shape of a context, for check(). Lookups are
// lazy, so recursive schemas ($ref cycles) cost nothing up front.

/** The subset of JSON Schema that check() understands; other keywords are ignored. */
export type JsonSchema =
  | boolean
  | {
      type?: string | string[];
      properties?: Record<string, JsonSchema>;
      additionalProperties?: JsonSchema;
      patternProperties?: Record<string, JsonSchema>;
      items?: JsonSchema | JsonSchema[];
      prefixItems?: JsonSchema[];
      enum?: unknown[];
      const?: unknown;
      anyOf?: JsonSchema[];
      oneOf?: JsonSchema[];
      allOf?: JsonSchema[];
      $ref?: string;
      $defs?: Record<string, JsonSchema>;
      definitions?: Record<string, JsonSchema>;
      /** OpenAPI 3.0 style. */
      nullable?: boolean;
      /** Marks a value the host supplies as a Timestamp or Duration. */
      "x-expr-type"?: "timestamp" | "duration";
      [keyword: string]: unknown;
    };

type SchemaObject = Exclude<JsonSchema, boolean>;

// Kinds of value as bits, so unions are `|` and "can these meet" is `&`.
export const K = {
  null: 1,
  bool: 2,
  number: 4,
  string: 8,
  list: 16,
  map: 32,
  timestamp: 64,
  duration: 128,
} as const;
export const ANY = 255;

export const KIND_NAMES: readonly [number, string][] = Object.entries(K).map(([n, b]) => [b, n]);

const WITH_ARTICLE: Record<string, string> = {
  null: "null",
  bool: "a bool",
  number: "a number",
  string: "a string",
  list: "a list",
  map: "a map",
  timestamp: "a timestamp",
  duration: "a duration",
};

/** "a number", "a string or null", … for messages. */
export function describeMask(mask: number): string {
  if (mask === ANY) return "any value";
  return KIND_NAMES.filter(([b]) => mask & b)
    .map(([, n]) => WITH_ARTICLE[n]!)
    .join(" or ");
}

/** "number", "string", … as in runtime messages ("cannot compare number with string"). */
export function bareMask(mask: number): string {
  return KIND_NAMES.filter(([b]) => mask & b)
    .map(([, n]) => n)
    .join(" or ");
}

const TYPE_BITS: Record<string, number> = {
  null: K.null,
  boolean: K.bool,
  number: K.number,
  integer: K.number,
  string: K.string,
  array: K.list,
  object: K.map,
};

export function kindOfValue(v: unknown): number {
  if (v === null) return K.null;
  if (typeof v === "boolean") return K.bool;
  if (typeof v === "number") return K.number;
  if (typeof v === "string") return K.string;
  if (Array.isArray(v)) return K.list;
  return typeof v === "object" ? K.map : 0;
}

const hasOwn = (o: object, k: string): boolean => Object.hasOwn(o, k);

/** Answers questions about one root schema. */
export class SchemaReader {
  constructor(private readonly root: JsonSchema) {}

  /** Follows `$ref` (local JSON pointers only) and turns booleans into objects. */
  resolve(s: JsonSchema | undefined): SchemaObject {
    let cur: JsonSchema | undefined = s;
    for (let hops = 0; hops < 32; hops++) {
      if (cur === undefined || cur === true) return {};
      if (cur === false) return { not: {} };
      if (typeof cur.$ref !== "string") return cur;
      cur = this.pointer(cur.$ref);
    }
    return {};
  }

  private pointer(ref: string): JsonSchema | undefined {
    if (ref === "#") return this.root;
    if (!ref.startsWith("#/")) return undefined;
    let node: unknown = this.root;
    for (const raw of ref.slice(2).split("/")) {
      const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
      if (typeof node !== "object" || node === null || !hasOwn(node, key)) return undefined;
      node = (node as Record<string, unknown>)[key];
    }
    return node as JsonSchema;
  }

  /** The kinds of value a schema admits. */
  mask(s: JsonSchema | undefined, depth = 0): number {
    const o = this.resolve(s);
    if (depth > 16) return ANY;
    if ("not" in o && Object.keys(o).length === 1) return 0;
    let m = ANY;
    const xt = o["x-expr-type"];
    if (xt === "timestamp") return K.timestamp;
    if (xt === "duration") return K.duration;
    if (hasOwn(o, "const")) m &= kindOfValue(o.const);
    if (Array.isArray(o.enum)) m &= o.enum.reduce<number>((acc, v) => acc | kindOfValue(v), 0);
    if (typeof o.type === "string" || Array.isArray(o.type)) {
      const types = Array.isArray(o.type) ? o.type : [o.type];
      let t = types.reduce((acc, name) => acc | (TYPE_BITS[name] ?? 0), 0);
      if (o.nullable === true) t |= K.null;
      m &= t;
    }
    const alternatives = o.anyOf ?? o.oneOf;
    if (Array.isArray(alternatives)) {
      m &= alternatives.reduce((acc, a) => acc | this.mask(a, depth + 1), 0);
    }
    if (Array.isArray(o.allOf)) for (const a of o.allOf) m &= this.mask(a, depth + 1);
    return m;
  }

  /** The schemas a map's field may have; `null` when the schema says the field cannot exist. */
  field(s: JsonSchema, name: string, depth = 0): JsonSchema[] | null {
    const o = this.resolve(s);
    if (depth > 16) return [true];
    const alternatives = o.anyOf ?? o.oneOf;
    if (Array.isArray(alternatives)) {
      const found = alternatives
        .filter((a) => this.mask(a) & K.map)
        .map((a) => this.field(a, name, depth + 1));
      if (found.every((f) => f === null)) return null;
      return found.flatMap((f) => f ?? []);
    }
    const parts = Array.isArray(o.allOf) ? o.allOf.map((a) => this.field(a, name, depth + 1)) : [];
    if (o.properties !== undefined && hasOwn(o.properties, name)) return [o.properties[name]!];
    const specific = parts.find((f) => f !== null && !(f.length === 1 && f[0] === true));
    if (specific !== undefined) return specific;
    if (o.patternProperties !== undefined && Object.keys(o.patternProperties).length > 0)
      return [true];
    const extra = o.additionalProperties;
    if (extra === false) return null;
    if (extra !== undefined) return [extra];
    if (parts.length > 0) return parts.some((f) => f === null) ? null : [true];
    // Listed properties and nothing said about others: we read it as the
    // complete shape, so a typo is reported (see README, "check").
    return o.properties !== undefined ? null : [true];
  }

  /** Names the schema lists for a map, for "did you mean" hints. */
  fieldNames(s: JsonSchema): string[] {
    const o = this.resolve(s);
    const alternatives = o.anyOf ?? o.oneOf ?? o.allOf ?? [];
    return [...Object.keys(o.properties ?? {}), ...alternatives.flatMap((a) => this.fieldNames(a))];
  }

  /** The schemas of a list's elements. */
  items(s: JsonSchema): JsonSchema[] {
    const o = this.resolve(s);
    const alternatives = o.anyOf ?? o.oneOf;
    if (Array.isArray(alternatives)) {
      return alternatives.filter((a) => this.mask(a) & K.list).flatMap((a) => this.items(a));
    }
    const out: JsonSchema[] = [];
    if (Array.isArray(o.prefixItems)) out.push(...o.prefixItems);
    if (Array.isArray(o.items)) out.push(...o.items);
    else if (o.items !== undefined) out.push(o.items);
    return out.length > 0 ? out : [true];
  }
}
