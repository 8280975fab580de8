// Workflows named by id inside a definition's text (issue 17, item 4). No
// field of a definition holds another workflow's id, but its text may: a
// notification's link to `/workflows/wf_…`, a handler's filter on
// `event.data.workflow.id == "wf_…"`. An id means nothing in another
// workspace, so export writes each one as `@workflow("<its name>")` and
// import writes the id of the workflow of that name in the workspace it
// lands in (one imported with it first, else one already there); a name
// that finds no single workflow stays as written and is reported.

/** A workflow id as ids are made (`wf_` and letters, digits, underscores). */
const ID = /\bwf_[A-Za-z0-9_]+/g;

/** `@workflow("<name>")`: the name is a JSON string. */
const REF = /@workflow\(("(?:[^"\\]|\\.)*")\)/g;

/**
 * The reference to a workflow by name, as a document writes it.
 * @example workflowRef("Handler") // '@workflow("Handler")'
 */
export function workflowRef(name: string): string {
  return `@workflow(${JSON.stringify(name)})`;
}

/** Copies `value`, passing every string (not keys) through `fn` with its path. */
export function mapStrings(
  value: unknown,
  fn: (text: string, path: string) => string,
  path = "",
): unknown {
  if (typeof value === "string") return fn(value, path);
  if (Array.isArray(value)) return value.map((v, i) => mapStrings(v, fn, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = mapStrings(v, fn, path === "" ? k : `${path}.${k}`);
    }
    return out;
  }
  return value;
}

/**
 * Every token in the strings of `value` shaped like a workflow id: the ids
 * to look up before `idsToRefs`.
 * @example candidateIds({ link: "/workflows/wf_abc/runs" }) // Set { "wf_abc" }
 */
export function candidateIds(value: unknown): Set<string> {
  const out = new Set<string>();
  mapStrings(value, (text) => {
    for (const m of text.matchAll(ID)) out.add(m[0]);
    return text;
  });
  return out;
}

/**
 * `value` with every id of `names` (id → name) written as a reference by
 * name; other tokens shaped like ids are left alone.
 * @example idsToRefs({ link: "/workflows/wf_a" }, new Map([["wf_a", "Orders"]])) // { link: '/workflows/@workflow("Orders")' }
 */
export function idsToRefs<T>(value: T, names: ReadonlyMap<string, string>): T {
  if (names.size === 0) return value;
  return mapStrings(value, (text) =>
    text.replace(ID, (id) => {
      const name = names.get(id);
      return name === undefined ? id : workflowRef(name);
    }),
  ) as T;
}

/** A reference that found no single workflow, and where it is. */
export interface UnresolvedRef {
  path: string;
  name: string;
  why: string;
}

/**
 * `value` with every `@workflow("<name>")` written as the id `resolve` gives
 * (or left as written when it gives a reason instead), and the references
 * that stayed. `prefix` is the path of `value` in the document.
 */
export function refsToIds<T>(
  value: T,
  resolve: (name: string) => { id: string } | { why: string },
  prefix: string,
): { value: T; unresolved: UnresolvedRef[] } {
  const unresolved: UnresolvedRef[] = [];
  const out = mapStrings(value, (text, path) => {
    if (!text.includes("@workflow(")) return text;
    return text.replace(REF, (whole, literal: string) => {
      let name: unknown;
      try {
        name = JSON.parse(literal);
      } catch {
        return whole;
      }
      if (typeof name !== "string") return whole;
      const found = resolve(name);
      if ("id" in found) return found.id;
      const at = prefix === "" ? path : path === "" ? prefix : `${prefix}.${path}`;
      unresolved.push({ path: at, name, why: found.why });
      return whole;
    });
  }) as T;
  return { value: out, unresolved };
}
