// What a definition needs from its tenant besides itself (issue 17): the
// connections its steps name and the secrets their fields read. A save
// names each one that does not exist as a problem at the field that names
// it: a draft is saved and lists them; publishing (and saving live) is 422.
import { secretUses, type WorkflowDefinition } from "@switchyard/engine";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, type Problem } from "../errors.ts";
import { storeFor } from "../store/client.ts";

/** One action step's `config.connection` written as a plain name, with its field's path. */
export interface ConnectionUse {
  name: string;
  path: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Every plain connection name in the definition's action steps, in
 * document order. It reads drafts too, so it trusts no shape; a name
 * given as a template is known only when the step runs.
 * @example connectionUses(def) // [{ name: "erp", path: "steps[0].config.connection" }]
 */
export function connectionUses(definition: unknown): ConnectionUse[] {
  const out: ConnectionUse[] = [];
  const list = (steps: unknown, path: string): void => {
    if (!Array.isArray(steps)) return;
    steps.forEach((step: unknown, i) => {
      const at = `${path}[${i}]`;
      if (!isObject(step)) return;
      const config = step.config;
      if (typeof step.action === "string" && isObject(config)) {
        const name = config.connection;
        if (typeof name === "string" && name !== "" && !name.includes("{{")) {
          out.push({ name, path: `${at}.config.connection` });
        }
      }
      for (const key of ["then", "else", "steps", "onTimeout"]) list(step[key], `${at}.${key}`);
      if (Array.isArray(step.parallel)) {
        step.parallel.forEach((lane: unknown, l) => {
          list(lane, `${at}.parallel[${l}]`);
        });
      }
    });
  };
  if (isObject(definition)) list(definition.steps, "steps");
  return out;
}

/**
 * Every connection and secret the definition names that the tenant lacks.
 * @example await requirementProblems(env, tenantId, def) // [{ path: "steps[0].config.connection", message: "…" }]
 */
export async function requirementProblems(
  env: Env,
  tenantId: string,
  definition: unknown,
): Promise<Problem[]> {
  return (await requirementProblemsOf(env, tenantId, [definition]))[0] ?? [];
}

/**
 * `requirementProblems` of many definitions (a page of workflows) with at
 * most two store calls: the tenant's connections, and which of the named
 * secrets exist.
 */
export async function requirementProblemsOf(
  env: Env,
  tenantId: string,
  definitions: readonly unknown[],
): Promise<Problem[][]> {
  const connectionsOf = definitions.map(connectionUses);
  const secretsOf = definitions.map((d) =>
    isObject(d) && Array.isArray(d.steps) ? secretUses(d as Pick<WorkflowDefinition, "steps">) : [],
  );
  const secretNames = [...new Set(secretsOf.flat().map((u) => u.name))];
  const store = storeFor(env, tenantId);
  const [connections, secrets] = await Promise.all([
    connectionsOf.some((u) => u.length > 0) ? store.listConnections(tenantId) : [],
    secretNames.length > 0 ? store.existingSecrets(tenantId, secretNames) : [],
  ]);
  const haveConnections = new Set(connections.map((c) => c.name));
  const haveSecrets = new Set(secrets);
  return definitions.map((_, i) => [
    ...(connectionsOf[i] ?? [])
      .filter((u) => !haveConnections.has(u.name))
      .map((u) => ({
        path: u.path,
        message: `there is no connection named '${u.name}': add it in Settings → Connections`,
      })),
    ...(secretsOf[i] ?? [])
      .filter((u) => !haveSecrets.has(u.name))
      .map((u) => ({
        path: u.path,
        message: `secret '${u.name}' does not exist: add it in Settings → Secrets`,
        position: u.position,
      })),
  ]);
}

/**
 * 422 when the definition names a connection or a secret the tenant lacks:
 * what goes live must be able to run.
 */
export async function assertRequirements(
  env: Env,
  tenantId: string,
  definition: unknown,
  what = "The workflow",
): Promise<void> {
  const problems = await requirementProblems(env, tenantId, definition);
  if (problems.length === 0) return;
  throw new ApiError(
    422,
    ErrorCode.invalidDefinition,
    `${what} uses ${problems.length === 1 ? "a connection or secret" : `${problems.length} connections or secrets`} this workspace does not have`,
    problems,
  );
}
