import { getAction } from "@switchyard/engine";
import { formatPath } from "../http.ts";
import { type ExecutionOutcome, permanentFailure } from "./types.ts";

/** Error codes executors report; the run shows them on the failed step. */
export const ExecutorErrorCode = {
  invalidConfig: "invalid_config",
  notAMember: "not_a_member",
} as const;

export type ParsedConfig<T> = { ok: true; value: T } | { ok: false; outcome: ExecutionOutcome };

/**
 * Validates a rendered config with the catalogue's own schema: the engine
 * checked the definition, but rendering can produce anything (an empty
 * string, an object where text was expected). A bad config is permanent:
 * the same input fails the same way on every attempt.
 * @example const parsed = parseConfig<TaskConfig>("create_task", config)
 */
export function parseConfig<T>(action: string, config: unknown): ParsedConfig<T> {
  const schema = getAction(action)?.config;
  if (!schema) {
    return {
      ok: false,
      outcome: permanentFailure("unsupported_action", `'${action}' is not in the catalogue`),
    };
  }
  const result = schema.safeParse(config);
  if (result.success) return { ok: true, value: result.data as T };
  return { ok: false, outcome: invalidConfig(result.error.issues) };
}

/** A permanent failure naming each bad field: `config.to: …; config.body: …`. */
export function invalidConfig(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): ExecutionOutcome {
  const message = issues
    .map((i) => `${formatPath(["config", ...i.path])}: ${i.message}`)
    .join("; ");
  return permanentFailure(ExecutorErrorCode.invalidConfig, message);
}
