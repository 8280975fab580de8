// What a definition needs from its tenant besides itself (issue 17): the
// connections its actions name and the secrets their fields read. Export
// documents list them, the secrets API shows where each secret is used, and
// a save names every secret that does not exist.
import { compileTemplate } from "@switchyard/expr";
import { isPlainObject } from "../util/json.ts";
import { joinPath, positionAt, type TextPosition } from "./problem.ts";
import { secretNameOf } from "./secrets.ts";
import type { WorkflowDefinition } from "./types.ts";

/** The names a definition needs, each list sorted and without repeats. */
export interface DefinitionRequires {
  connections: string[];
  secrets: string[];
}

/** One `{{ secrets.<name> }}` in an action's config. */
export interface SecretUse {
  name: string;
  /** The field: `steps[0].config.headers.Authorization`. */
  path: string;
  /** The placeholder in the field's text. */
  position: TextPosition;
}

/**
 * The connections (each action's `config.connection` written as a plain
 * name) and the secrets (each `{{ secrets.<name> }}` in an action's config)
 * a definition needs.
 * @example
 * definitionRequires({ …, steps: [{ id: "a", action: "call_webhook",
 *   config: { connection: "erp", url: "/orders", headers: { Authorization: "Bearer {{ secrets.erp_token }}" } } }] })
 * // { connections: ["erp"], secrets: ["erp_token"] }
 */
export function definitionRequires(
  definition: Pick<WorkflowDefinition, "steps">,
): DefinitionRequires {
  const connections = new Set<string>();
  for (const { config } of actionConfigs(definition)) {
    const connection = config.connection;
    if (typeof connection === "string" && connection !== "" && !connection.includes("{{")) {
      connections.add(connection);
    }
  }
  const secrets = new Set(secretUses(definition).map((u) => u.name));
  return { connections: [...connections].sort(), secrets: [...secrets].sort() };
}

/**
 * Every secret reference in the definition's action configs, in document
 * order, with its field and position. A field that does not compile has
 * none (validation reports it).
 * @example secretUses(def) // [{ name: "erp_token", path: "steps[0].config.headers.Authorization", position: … }]
 */
export function secretUses(definition: Pick<WorkflowDefinition, "steps">): SecretUse[] {
  const out: SecretUse[] = [];
  for (const { config, path } of actionConfigs(definition)) collect(config, `${path}.config`, out);
  return out;
}

/**
 * Every action step's config with the step's path, in document order. It
 * reads drafts too (stored while incomplete), so it trusts no shape: what
 * is not a list of steps is passed over.
 */
function actionConfigs(
  definition: Pick<WorkflowDefinition, "steps">,
): Array<{ config: Record<string, unknown>; path: string }> {
  const out: Array<{ config: Record<string, unknown>; path: string }> = [];
  const list = (steps: unknown, path: string): void => {
    if (!Array.isArray(steps)) return;
    steps.forEach((step: unknown, i) => {
      const at = `${path}[${i}]`;
      if (!isPlainObject(step)) return;
      if ("action" in step && isPlainObject(step.config))
        out.push({ config: step.config, path: at });
      for (const key of ["then", "else", "steps", "onTimeout"]) list(step[key], `${at}.${key}`);
      if (Array.isArray(step.parallel)) {
        step.parallel.forEach((lane: unknown, l) => {
          list(lane, `${at}.parallel[${l}]`);
        });
      }
    });
  };
  list(definition.steps, "steps");
  return out;
}

function collect(value: unknown, path: string, out: SecretUse[]): void {
  if (typeof value === "string") {
    if (!value.includes("{{") || !value.includes("secrets")) return;
    let placeholders: ReturnType<typeof compileTemplate>["placeholders"];
    try {
      placeholders = compileTemplate(value).placeholders;
    } catch {
      return;
    }
    for (const { ast } of placeholders) {
      const name = secretNameOf(ast);
      const { start, end } = ast.span;
      if (name !== null) out.push({ name, path, position: positionAt(value, start, end - start) });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      collect(item, `${path}[${i}]`, out);
    });
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) collect(item, joinPath(path, [key]), out);
  }
}
