// zod schemas of the workflow definition. Two layers:
// - `stepShapes`: one strict object per step kind whose nested step lists are
//   `unknown[]`; validate.ts picks the kind from the step's keys and recurses
//   itself, so each problem gets one precise path instead of a union's noise.
// - `workflowDefinitionSchema`: the whole recursive schema, for OpenAPI and
//   JSON Schema consumers. Expressions, templates, action configs and
//   cross-step rules are validate.ts's work, not this schema's.
import { z } from "zod";
import { flowShape } from "../flow/spec.ts";
import { scheduleTriggerSchema } from "../schedule/validate.ts";
import { formatDuration, parseDuration } from "../util/duration.ts";
import {
  DEFINITION_LIMITS,
  PLATFORM_EVENT_TYPES,
  RESERVED_CONTEXT_NAMES,
  SCHEDULE_ONLY_EVENT_TYPES,
} from "./limits.ts";
import type { Step, WorkflowDefinition } from "./types.ts";

export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

/** A definition duration ("2s", "10m", "1h30m") no longer than `maxMs`. */
export function durationSchema(maxMs: number, minMs = 1): z.ZodString {
  return z.string().refine(
    (text) => {
      const ms = parseDuration(text);
      return ms !== null && ms >= minMs && ms <= maxMs;
    },
    {
      message: `expected a duration such as "30s", "10m" or "1h30m", from ${formatDuration(minMs)} to ${formatDuration(maxMs)}`,
    },
  );
}

const dottedType = z.string().max(DEFINITION_LIMITS.maxEventTypeLength).regex(EVENT_TYPE_PATTERN, {
  message: "expected a lower-case dotted event type with at least two segments, e.g. order.created",
});
const notReserved = (type: string): boolean =>
  !(RESERVED_CONTEXT_NAMES as readonly string[]).includes(type.split(".")[0] ?? "");
const reservedMessage = `the first segment may not be one of ${RESERVED_CONTEXT_NAMES.join(", ")}`;

const notScheduleOnly = (type: string): boolean =>
  !(SCHEDULE_ONLY_EVENT_TYPES as readonly string[]).includes(type);
const scheduleOnlyMessage =
  "schedule.fired is the platform's: give the workflow a schedule trigger instead";

export const eventTypeSchema = dottedType
  .refine(notReserved, { message: reservedMessage })
  .refine(notScheduleOnly, { message: scheduleOnlyMessage });

/** A trigger's event type: a client's, or one the platform emits (`workflow.failed`). */
const triggerEventTypeSchema = dottedType
  .refine(
    (type) => (PLATFORM_EVENT_TYPES as readonly string[]).includes(type) || notReserved(type),
    { message: `${reservedMessage} (except ${PLATFORM_EVENT_TYPES.join(", ")})` },
  )
  .refine(notScheduleOnly, { message: scheduleOnlyMessage });

/** `{ "event": "order.created" }`: runs start on events of that type. */
export const eventTriggerSchema = z.strictObject({ event: triggerEventTypeSchema });

/** Either trigger (for OpenAPI; validate.ts checks the two apart, for precise paths). */
export const triggerSchema = z.union([
  eventTriggerSchema,
  z.strictObject({ schedule: scheduleTriggerSchema }),
]);

export const stepIdSchema = z.string().max(DEFINITION_LIMITS.maxIdLength).regex(STEP_ID_PATTERN, {
  message: "expected an id of letters, digits and _ that does not start with a digit",
});

const nameSchema = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(DEFINITION_LIMITS.maxNameLength);
const expressionSchema = z
  .string()
  .min(1, { message: "must not be empty" })
  .max(DEFINITION_LIMITS.maxExpressionLength);

export const retryPolicySchema = z.strictObject({
  attempts: z.number().int().min(1).max(DEFINITION_LIMITS.maxAttempts).optional(),
  backoff: z.enum(["exponential", "fixed"]).optional(),
  initial: durationSchema(DEFINITION_LIMITS.maxBackoffMs).optional(),
  max: durationSchema(DEFINITION_LIMITS.maxBackoffMs).optional(),
});

const stepBase = { id: stepIdSchema, name: nameSchema.optional() };
const stepList = z.array(z.unknown());

/** One strict object per kind, nested step lists left to the caller. */
export const stepShapes = {
  action: z.strictObject({
    ...stepBase,
    action: z.string().min(1),
    config: z.record(z.string(), z.unknown()),
    retry: retryPolicySchema.optional(),
    timeout: durationSchema(DEFINITION_LIMITS.maxTimeoutMs, 1000).optional(),
  }),
  if: z.strictObject({
    ...stepBase,
    if: expressionSchema,
    then: stepList,
    else: stepList.optional(),
  }),
  parallel: z.strictObject({
    ...stepBase,
    parallel: z
      .array(stepList)
      .min(2, { message: "a parallel step needs at least two branches" })
      .max(DEFINITION_LIMITS.maxBranches),
  }),
  delay: z.strictObject({
    ...stepBase,
    delay: durationSchema(DEFINITION_LIMITS.maxDelayMs, 1000),
  }),
  waitFor: z.strictObject({
    ...stepBase,
    waitFor: z.strictObject({
      event: z.union([
        eventTypeSchema,
        z
          .array(eventTypeSchema)
          .min(1, { message: "name at least one event type" })
          .max(DEFINITION_LIMITS.maxWaitTypes),
      ]),
      match: expressionSchema.optional(),
      timeout: durationSchema(DEFINITION_LIMITS.maxDelayMs, 1000),
    }),
    onTimeout: stepList.optional(),
  }),
  forEach: z.strictObject({
    ...stepBase,
    forEach: expressionSchema,
    as: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
        message: "expected a name of letters, digits and _ that does not start with a digit",
      })
      .max(DEFINITION_LIMITS.maxIdLength)
      .optional(),
    concurrency: z.number().int().min(1).max(DEFINITION_LIMITS.maxLoopConcurrency).optional(),
    maxItems: z.number().int().min(1).max(DEFINITION_LIMITS.maxLoopItems).optional(),
    onItemFailure: z
      .union([
        z.enum(["stop", "continue"]),
        z.strictObject({
          failAbove: z.string().regex(/^(?:100|[1-9]?[0-9])(?:\.[0-9]+)?%$/, {
            message: 'expected a share such as "10%", from 0% to 100%',
          }),
        }),
      ])
      .optional(),
    steps: stepList.min(1, { message: "a loop needs at least one step" }),
  }),
} as const;

/** The top level, with `steps` left to the caller. */
export const definitionShape = z.strictObject({
  name: nameSchema,
  description: z.string().max(DEFINITION_LIMITS.maxDescriptionLength).optional(),
  // Checked by validate.ts (an event or a schedule, each with its own paths).
  trigger: z.record(z.string(), z.unknown(), {
    error: "expected an object: { event } or { schedule }",
  }),
  filter: expressionSchema.optional(),
  steps: z.array(z.unknown()).min(1, { message: "a workflow needs at least one step" }),
  // Flow control (flow/spec.ts); keys and cross-field rules: flowProblems.
  ...flowShape,
});

/** The whole recursive step schema (structure only). */
export const stepSchema: z.ZodType<Step> = z.lazy(() =>
  z.union([
    stepShapes.action,
    stepShapes.if.extend({ then: z.array(stepSchema), else: z.array(stepSchema).optional() }),
    stepShapes.parallel.extend({ parallel: z.array(z.array(stepSchema)).min(2) }),
    stepShapes.delay,
    stepShapes.waitFor.extend({ onTimeout: z.array(stepSchema).optional() }),
    stepShapes.forEach.extend({ steps: z.array(stepSchema).min(1) }),
  ]),
);

/**
 * The whole definition (structure only). Use `validateDefinition` to check a
 * definition fully; this schema is for documentation (OpenAPI) and typing.
 */
export const workflowDefinitionSchema: z.ZodType<WorkflowDefinition> = definitionShape.extend({
  trigger: triggerSchema,
  steps: z.array(stepSchema).min(1),
});
