// Connections and secrets by name across workspaces (issue 17, item 4). A
// document names what its definitions use; the workspace it lands in must
// have each, or the import maps it to one it has. Mapping rewrites the
// definitions: an action's `config.connection` (a connection's name), and
// each `{{ secrets.<old> }}` placeholder in an action's config to
// `{{ secrets.<new> }}` — the only places either may be named.
import { secretNameOf } from "@switchyard/engine";
import { type Ast, compileTemplate } from "@switchyard/expr";
import { mapStrings } from "./transfer-refs.ts";

/** Renames, old name → name in this workspace. */
export interface CredentialMap {
  connections: ReadonlyMap<string, string>;
  secrets: ReadonlyMap<string, string>;
}

/**
 * The template with each placeholder naming a renamed secret written as
 * `secrets.<new name>`; anything else (and a text that is not a template)
 * unchanged.
 * @example renameSecrets("Bearer {{ secrets.erp }}", new Map([["erp", "erp_prod"]])) // "Bearer {{ secrets.erp_prod }}"
 */
export function renameSecrets(text: string, renames: ReadonlyMap<string, string>): string {
  if (renames.size === 0 || !text.includes("{{") || !text.includes("secrets")) return text;
  let placeholders: readonly { ast: Ast }[];
  try {
    placeholders = compileTemplate(text).placeholders;
  } catch {
    return text; // not a template the engine accepts: it cannot name a secret either
  }
  const edits: Array<{ start: number; end: number; to: string }> = [];
  for (const p of placeholders) {
    const name = secretNameOf(p.ast);
    const to = name === null ? undefined : renames.get(name);
    if (to !== undefined && to !== name) {
      edits.push({ start: p.ast.span.start, end: p.ast.span.end, to: `secrets.${to}` });
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, e.start) + e.to + out.slice(e.end);
  }
  return out;
}

/** Nested step lists of a step (a draft's may be missing or partly typed). */
const NESTED_LISTS = ["then", "else", "onTimeout", "steps"] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Every action step of a (possibly incomplete) definition, at any depth, in document order. */
function actionSteps(definition: Record<string, unknown>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const visit = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    for (const step of list) {
      if (!isObject(step)) continue;
      if (typeof step.action === "string") out.push(step);
      for (const key of NESTED_LISTS) visit(step[key]);
      if (Array.isArray(step.parallel)) for (const lane of step.parallel) visit(lane);
    }
  };
  visit(definition.steps);
  return out;
}

/**
 * A copy of the definition with the map applied to every action step, at
 * any depth (branches, loops, a wait's timeout steps). Tolerates drafts.
 * @example applyCredentialMap(def, { connections: new Map([["erp", "erp_eu"]]), secrets: new Map() })
 */
export function applyCredentialMap<T extends Record<string, unknown>>(
  definition: T,
  map: CredentialMap,
): T {
  if (map.connections.size === 0 && map.secrets.size === 0) return definition;
  const copy = structuredClone(definition);
  for (const step of actionSteps(copy)) {
    if (!isObject(step.config)) continue;
    const config = mapStrings(step.config, (text) => renameSecrets(text, map.secrets)) as Record<
      string,
      unknown
    >;
    if (typeof config.connection === "string") {
      const to = map.connections.get(config.connection);
      if (to !== undefined) config.connection = to;
    }
    step.config = config;
  }
  return copy;
}
