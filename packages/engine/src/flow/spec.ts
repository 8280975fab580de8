// Flow control (issue 16, item 1): `concurrency`, `throttle` and `debounce`
// at the top level of a definition, beside `trigger` (DESIGN.md, "Wave 2
// constructs"). This file is their shape and their validation, each problem
// at its path; keys.ts renders their keys, decide.ts makes the decisions.
import { compileTemplate, ExprError } from "@switchyard/expr";
import { z } from "zod";
import type { Problem } from "../definition/problem.ts";
import { joinPath } from "../definition/problem.ts";
import { SECRETS_ONLY_IN_ACTIONS, SECRETS_ROOT, secretInText } from "../definition/secrets.ts";
import { formatDuration, parseDuration } from "../util/duration.ts";
import { isPlainObject } from "../util/json.ts";

/** At most `limit` runs per key started and not yet ended. */
export interface ConcurrencySpec {
  key?: string;
  limit: number;
}

/** At most `limit` starts per `period` per key, spread evenly (one per period/limit); the excess waits. */
export interface ThrottleSpec {
  key?: string;
  limit: number;
  period: string;
}

/** One run per burst of events for a key, with the burst's last event. */
export interface DebounceSpec {
  key?: string;
  quiet: string;
  maxWait?: string;
}

export interface FlowControl {
  concurrency?: ConcurrencySpec;
  throttle?: ThrottleSpec;
  debounce?: DebounceSpec;
}

const SECOND = 1_000;
const DAY = 24 * 3_600_000;

export const FLOW_LIMITS = {
  maxConcurrency: 1_000,
  maxThrottle: 10_000,
  minPeriodMs: SECOND,
  maxPeriodMs: DAY,
  minQuietMs: SECOND,
  maxQuietMs: DAY,
  maxMaxWaitMs: 7 * DAY,
  /** A rendered key longer than this is replaced by a hash prefix (keys.ts). */
  maxKeyLength: 200,
  maxKeyTemplateLength: 500,
} as const;

/** The tenant-wide cap on running runs (tenant settings `maxRunningRuns`). */
export const TENANT_RUNNING_CAP = { default: 100, min: 1, max: 1_000 } as const;

const keySchema = z
  .string()
  .min(1, { message: "must not be empty: leave `key` out for one key for the whole workflow" })
  .max(FLOW_LIMITS.maxKeyTemplateLength)
  .describe("a template over the trigger event, e.g. {{ order.customer_id }}; absent: one key");

const duration = (minMs: number, maxMs: number) =>
  z.string().refine(
    (text) => {
      const ms = parseDuration(text);
      return ms !== null && ms >= minMs && ms <= maxMs;
    },
    {
      message: `expected a duration such as "30s", "10m" or "1h", from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
    },
  );

export const concurrencySchema = z
  .strictObject({
    key: keySchema.optional(),
    limit: z.number().int().min(1).max(FLOW_LIMITS.maxConcurrency),
  })
  .describe(
    "at most `limit` runs per key at once (started and not ended); the rest wait, in order",
  );

export const throttleSchema = z
  .strictObject({
    key: keySchema.optional(),
    limit: z.number().int().min(1).max(FLOW_LIMITS.maxThrottle),
    period: duration(FLOW_LIMITS.minPeriodMs, FLOW_LIMITS.maxPeriodMs),
  })
  .describe("at most `limit` starts per `period` per key; the excess waits, never dropped");

export const debounceSchema = z
  .strictObject({
    key: keySchema.optional(),
    quiet: duration(FLOW_LIMITS.minQuietMs, FLOW_LIMITS.maxQuietMs),
    maxWait: duration(FLOW_LIMITS.minQuietMs, FLOW_LIMITS.maxMaxWaitMs).optional(),
  })
  .describe(
    "one run with the last event once events for a key stop for `quiet` (at the latest `maxWait` after the first)",
  );

/** The flow-control keys of a definition, for OpenAPI and the definition's strict shape. */
export const flowShape = {
  concurrency: concurrencySchema.optional(),
  throttle: throttleSchema.optional(),
  debounce: debounceSchema.optional(),
} as const;

export const FLOW_KEYS = ["concurrency", "throttle", "debounce"] as const;

/** The flow control a definition asks for; null when it asks for none. */
export function flowOf(definition: FlowControl): FlowControl | null {
  const { concurrency, throttle, debounce } = definition;
  if (!concurrency && !throttle && !debounce) return null;
  return {
    ...(concurrency ? { concurrency } : {}),
    ...(throttle ? { throttle } : {}),
    ...(debounce ? { debounce } : {}),
  };
}

/**
 * Every problem with a definition's flow control (the structure is the
 * definition shape's; this adds what zod cannot say): maxWait at least
 * quiet, and keys that compile and read only the trigger event — the
 * payload name (`order` for `order.created`) or `event` — because a key is
 * rendered before the run exists.
 * @example flowProblems({ debounce: { quiet: "1m", maxWait: "30s" } }, "order")
 * // [{ path: "debounce.maxWait", message: "must be at least quiet (1m)" }]
 */
export function flowProblems(
  input: Record<string, unknown>,
  payloadName: string | null,
): Problem[] {
  const problems: Problem[] = [];
  for (const name of FLOW_KEYS) {
    const spec = input[name];
    if (!isPlainObject(spec)) continue;
    if (typeof spec.key === "string" && spec.key.length > 0) {
      keyProblems(spec.key, joinPath(name, ["key"]), payloadName, problems);
    }
  }
  const d = input.debounce;
  if (isPlainObject(d) && typeof d.quiet === "string" && typeof d.maxWait === "string") {
    const quiet = parseDuration(d.quiet);
    const maxWait = parseDuration(d.maxWait);
    if (quiet !== null && maxWait !== null && maxWait < quiet) {
      problems.push({ path: "debounce.maxWait", message: `must be at least quiet (${d.quiet})` });
    }
  }
  return problems;
}

function keyProblems(
  text: string,
  path: string,
  payloadName: string | null,
  problems: Problem[],
): void {
  try {
    const template = compileTemplate(text);
    if (template.isStatic) {
      problems.push({
        path,
        message:
          "a key is a template such as {{ order.customer_id }}; a fixed text is one key for every event — leave `key` out for that",
      });
      return;
    }
    const readable = ["event", ...(payloadName ? [payloadName] : [])];
    for (const reference of template.references()) {
      const root = reference.split(".")[0] ?? "";
      if (root === SECRETS_ROOT) {
        problems.push(secretInText(text, path) ?? { path, message: SECRETS_ONLY_IN_ACTIONS });
        return;
      }
      if (!readable.includes(root)) {
        problems.push({
          path,
          message: `a key reads only the trigger event (${readable.join(" or ")}), not '${root}': it is rendered before the run starts`,
        });
        return;
      }
    }
  } catch (error) {
    problems.push({
      path,
      message: error instanceof ExprError || error instanceof Error ? error.message : String(error),
    });
  }
}

/** Milliseconds of a (valid) spec's duration. */
export const ms = (text: string): number => parseDuration(text) ?? 0;
