// One action of the catalogue, defined once: its config and output schemas
// feed validation, the builder's forms (JSON Schema) and dry runs.
import { z } from "zod";
import { parseDuration } from "../util/duration.ts";

/**
 * How a dispatched action completes. `immediate`: the executor's success is
 * the step's success. `decision`: the executor's success only opens the
 * request (e.g. an approval); the step waits for a decision or its timeout.
 */
export const Completion = { immediate: "immediate", decision: "decision" } as const;
export type Completion = (typeof Completion)[keyof typeof Completion];

export interface ActionDefinition<
  Config extends z.ZodType = z.ZodType,
  Output extends z.ZodType = z.ZodType,
> {
  /** snake_case, as written in definitions (`"send_email"`). */
  name: string;
  title: string;
  description: string;
  config: Config;
  output: Output;
  /** Stands in for the output in dry runs and previews. */
  sampleOutput: z.output<Output>;
  completion: Completion;
  /**
   * For `decision` actions: the config field holding the wait's duration
   * and its default ("72h").
   */
  decisionTimeout?: { field: string; default: string };
}

/**
 * Declares an action of the catalogue.
 * @example
 * defineAction({ name: "send_sms", title: "Send SMS", description: "…",
 *   config: z.strictObject({ to: text("Phone"), body: text("Body") }),
 *   output: z.object({ messageId: z.string() }), sampleOutput: { messageId: "m_1" } })
 */
export function defineAction<Config extends z.ZodType, Output extends z.ZodType>(
  action: Omit<ActionDefinition<Config, Output>, "completion"> & { completion?: Completion },
): ActionDefinition<Config, Output> {
  return { ...action, completion: action.completion ?? Completion.immediate };
}

/** True when the text holds a `{{ … }}` placeholder. */
export function hasPlaceholder(text: string): boolean {
  return text.includes("{{");
}

/** A required text field (may be a template). */
export function text(description: string): z.ZodString {
  return z.string().min(1, { message: "must not be empty" }).describe(description);
}

/**
 * A member's email (or a template that renders one): the builder offers the
 * tenant's members by name for it (`x-widget: person`).
 * @example person("The approver's email")
 */
export function person(description: string): z.ZodString {
  return text(description).meta({ description, "x-widget": "person" });
}

/** Longest duration a config field may hold: 30 days (`720h`). */
export const MAX_CONFIG_DURATION_MS = 30 * 24 * 3_600_000;

/** A duration field ("10m", "48h", at most 720h), or a template that renders one. */
export function durationText(description: string): z.ZodString {
  return z
    .string()
    .refine(
      (value) => {
        if (hasPlaceholder(value)) return true;
        const ms = parseDuration(value);
        return ms !== null && ms > 0 && ms <= MAX_CONFIG_DURATION_MS;
      },
      { message: 'expected a duration such as "30m" or "48h" (at most 720h), or a {{ template }}' },
    )
    .describe(description);
}

/** Any JSON value; strings in it may be templates. */
export const jsonValue: z.ZodType<unknown> = z.json();
