// validateDefinition: every problem of a definition at once, each with its
// path, so the builder can mark them all and the API answers 422 once.
import type { z } from "zod";
import { actionNames, getAction } from "../catalogue/registry.ts";
import { flowProblems } from "../flow/spec.ts";
import { SCHEDULE_EVENT_TYPE } from "../schedule/plan.ts";
import { validateSchedule } from "../schedule/validate.ts";
import { isPlainObject, utf8Length } from "../util/json.ts";
import type { ExpressionScope } from "./expressions.ts";
import { checkExpression, checkTemplate } from "./expressions.ts";
import {
  DEFINITION_LIMITS,
  LOOP_DEFAULTS,
  LOOP_INDEX_NAME,
  RESERVED_CONTEXT_NAMES,
} from "./limits.ts";
import { normalizeDefinition } from "./normalize.ts";
import type { Problem, TextPosition } from "./problem.ts";
import { joinPath } from "./problem.ts";
import { definitionShape, eventTriggerSchema, STEP_ID_PATTERN, stepShapes } from "./schema.ts";
import { misplacedSecrets } from "./secrets.ts";
import type { WorkflowDefinition } from "./types.ts";

export type ValidationResult =
  | { ok: true; definition: WorkflowDefinition }
  | { ok: false; problems: Problem[] };

const KIND_KEYS = ["action", "if", "parallel", "delay", "waitFor", "forEach"] as const;

/** A loop around a step: its id and its item's name. */
interface LoopAround {
  id: string;
  as: string;
}

interface Pending {
  kind: "expression" | "template";
  path: string;
  text: string;
  /** The loops around it, outermost first: their items and their body steps are in scope. */
  loops: LoopAround[];
}

/**
 * Checks a definition completely: structure (strict: unknown keys are
 * problems), limits, unique step ids, each action's config against its
 * catalogue schema, and every filter, condition and template compiled, with
 * positions. On success the definition comes back normalised.
 * @example
 * const result = validateDefinition(body);
 * if (!result.ok) return problems422(result.problems); // [{ path: "steps[2].config.to", message: "…" }]
 */
export function validateDefinition(input: unknown): ValidationResult {
  const problems: Problem[] = [];
  if (!isPlainObject(input)) {
    return {
      ok: false,
      problems: [{ path: "", message: "expected a workflow definition object" }],
    };
  }
  let json: string;
  try {
    json = JSON.stringify(input);
  } catch {
    return { ok: false, problems: [{ path: "", message: "the definition is not JSON" }] };
  }
  const bytes = utf8Length(json);
  if (bytes > DEFINITION_LIMITS.maxBytes) {
    return {
      ok: false,
      problems: [
        {
          path: "",
          message: `the definition is ${bytes} bytes; at most ${DEFINITION_LIMITS.maxBytes} are allowed`,
        },
      ],
    };
  }

  addIssues(problems, "", definitionShape.safeParse(input));
  if (isPlainObject(input.trigger)) problems.push(...triggerProblems(input.trigger));

  const walker = new StepWalker(problems);
  if (Array.isArray(input.steps)) walker.list(input.steps, "steps", 1);
  if (walker.count > DEFINITION_LIMITS.maxSteps) {
    problems.push({
      path: "steps",
      message: `a workflow has at most ${DEFINITION_LIMITS.maxSteps} steps; this one has ${walker.count}`,
    });
  }

  const trigger = input.trigger;
  const eventType = !isPlainObject(trigger)
    ? ""
    : "schedule" in trigger
      ? SCHEDULE_EVENT_TYPE
      : typeof trigger.event === "string"
        ? trigger.event
        : "";
  // A platform event's first segment is a reserved name: its payload is `event.data` only.
  const segment = eventType.includes(".") ? (eventType.split(".")[0] ?? null) : null;
  const firstSegment =
    segment !== null && (RESERVED_CONTEXT_NAMES as readonly string[]).includes(segment)
      ? null
      : segment;
  const scope: ExpressionScope = {
    payloadName: firstSegment,
    stepIds: new Set(walker.ids.keys()),
    isFilter: false,
    locals: [],
    loopOf: walker.loopOf,
    loops: [],
  };
  // Flow-control keys are rendered before the run: they read the trigger event only.
  problems.push(...flowProblems(input, firstSegment));
  // Secrets are read in action configs only (checked with their templates below).
  problems.push(...misplacedSecrets(input));
  if (typeof input.filter === "string" && input.filter.length > 0) {
    checkExpression(input.filter, "filter", { ...scope, isFilter: true }, problems);
  }
  for (const loop of walker.loopNames) {
    const taken =
      loop.as === firstSegment
        ? `the event's data is already named '${loop.as}'`
        : (RESERVED_CONTEXT_NAMES as readonly string[]).includes(loop.as) ||
            loop.as === LOOP_INDEX_NAME
          ? `'${loop.as}' is a name every step already reads`
          : loop.outer.includes(loop.as)
            ? `a loop around this one already names its item '${loop.as}'`
            : null;
    if (taken !== null) {
      problems.push({
        path: `${loop.path}.as`,
        message: `${taken}: give this loop's item another name`,
      });
    }
  }
  for (const item of walker.pending) {
    const local: ExpressionScope =
      item.loops.length === 0
        ? scope
        : {
            ...scope,
            locals: [...item.loops.map((l) => l.as), LOOP_INDEX_NAME],
            loops: item.loops.map((l) => l.id),
          };
    if (item.kind === "expression") checkExpression(item.text, item.path, local, problems);
    else checkTemplate(item.text, item.path, local, problems);
  }

  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, definition: normalizeDefinition(input as unknown as WorkflowDefinition) };
}

/** An event trigger, or a schedule (exactly one), each problem at its path. */
function triggerProblems(trigger: Record<string, unknown>): Problem[] {
  if (!("schedule" in trigger)) {
    const problems: Problem[] = [];
    addIssues(problems, "trigger", eventTriggerSchema.safeParse(trigger));
    return problems;
  }
  const extra = Object.keys(trigger).filter((k) => k !== "schedule");
  if (extra.length > 0) {
    return [
      {
        path: "trigger",
        message: `a trigger is an event or a schedule, not both: remove ${extra.map((k) => `"${k}"`).join(", ")}`,
      },
    ];
  }
  return validateSchedule(trigger.schedule, "trigger.schedule");
}

class StepWalker {
  count = 0;
  readonly ids = new Map<string, string>();
  readonly pending: Pending[] = [];
  /** Each step inside a loop: the innermost loop's id. */
  readonly loopOf = new Map<string, string>();
  /** Each loop's item name, with the names of the loops around it. */
  readonly loopNames: { path: string; as: string; outer: string[] }[] = [];
  private depthReported = false;
  /** The loops around the steps being walked, outermost first. */
  private loops: LoopAround[] = [];

  constructor(private readonly problems: Problem[]) {}

  list(steps: readonly unknown[], path: string, depth: number): void {
    steps.forEach((raw, index) => {
      this.step(raw, `${path}[${index}]`, depth);
    });
  }

  private expression(path: string, text: string): void {
    this.pending.push({ kind: "expression", path, text, loops: this.loops });
  }

  private step(raw: unknown, path: string, depth: number): void {
    this.count++;
    if (depth > DEFINITION_LIMITS.maxDepth && !this.depthReported) {
      this.depthReported = true;
      this.problems.push({
        path,
        message: `steps nest at most ${DEFINITION_LIMITS.maxDepth} levels deep`,
      });
    }
    if (!isPlainObject(raw)) {
      this.problems.push({ path, message: "expected a step object" });
      return;
    }
    this.recordId(raw.id, path);
    const loop = this.loops.at(-1);
    if (loop !== undefined && typeof raw.id === "string") this.loopOf.set(raw.id, loop.id);
    const kinds = KIND_KEYS.filter((key) => key in raw);
    const [kind] = kinds;
    if (kind === undefined || kinds.length > 1) {
      this.problems.push({
        path,
        message:
          kind === undefined
            ? 'a step needs one of "action", "if", "parallel", "delay", "waitFor" or "forEach"'
            : `a step has exactly one of "action", "if", "parallel", "delay", "waitFor" or "forEach"; this one has ${kinds.map((k) => `"${k}"`).join(" and ")}`,
      });
      return;
    }
    addIssues(this.problems, path, stepShapes[kind].safeParse(raw));
    switch (kind) {
      case "action":
        this.action(raw, path);
        return;
      case "if":
        if (typeof raw.if === "string" && raw.if.length > 0) this.expression(`${path}.if`, raw.if);
        if (Array.isArray(raw.then)) this.list(raw.then, `${path}.then`, depth + 1);
        if (Array.isArray(raw.else)) this.list(raw.else, `${path}.else`, depth + 1);
        return;
      case "parallel":
        if (Array.isArray(raw.parallel)) {
          raw.parallel.forEach((lane, index) => {
            if (Array.isArray(lane)) this.list(lane, `${path}.parallel[${index}]`, depth + 1);
          });
        }
        return;
      case "delay":
        return;
      case "waitFor":
        // `match` sees the run's context plus `event`, the incoming event
        // (a reserved name, so the ordinary scope check covers it).
        if (isPlainObject(raw.waitFor) && typeof raw.waitFor.match === "string") {
          if (raw.waitFor.match.length > 0) {
            this.expression(`${path}.waitFor.match`, raw.waitFor.match);
          }
        }
        if (Array.isArray(raw.onTimeout)) this.list(raw.onTimeout, `${path}.onTimeout`, depth + 1);
        return;
      case "forEach":
        this.forEach(raw, path, depth);
        return;
    }
  }

  /** The list is read outside the loop's own scope; the body inside it. */
  private forEach(raw: Record<string, unknown>, path: string, depth: number): void {
    if (typeof raw.forEach === "string" && raw.forEach.length > 0) {
      this.expression(`${path}.forEach`, raw.forEach);
    }
    const as = typeof raw.as === "string" ? raw.as : LOOP_DEFAULTS.as;
    this.loopNames.push({ path, as, outer: this.loops.map((l) => l.as) });
    if (!Array.isArray(raw.steps)) return;
    const outer = this.loops;
    this.loops = [...outer, { id: typeof raw.id === "string" ? raw.id : "", as }];
    this.list(raw.steps, `${path}.steps`, depth + 1);
    this.loops = outer;
  }

  private recordId(id: unknown, path: string): void {
    if (typeof id !== "string" || !STEP_ID_PATTERN.test(id)) return;
    const first = this.ids.get(id);
    if (first === undefined) this.ids.set(id, path);
    else {
      this.problems.push({
        path: `${path}.id`,
        message: `duplicate step id '${id}' (also at ${first})`,
      });
    }
  }

  private action(raw: Record<string, unknown>, path: string): void {
    if (typeof raw.action !== "string" || raw.action.length === 0) return;
    const action = getAction(raw.action);
    if (action === undefined) {
      this.problems.push({
        path: `${path}.action`,
        message: `unknown action '${raw.action}'; expected one of ${actionNames().join(", ")}`,
      });
      return;
    }
    if (!isPlainObject(raw.config)) return;
    addIssues(this.problems, `${path}.config`, action.config.safeParse(raw.config));
    this.collectTemplates(raw.config, `${path}.config`);
  }

  private collectTemplates(value: unknown, path: string): void {
    if (typeof value === "string") {
      this.pending.push({ kind: "template", path, text: value, loops: this.loops });
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => {
        this.collectTemplates(item, `${path}[${index}]`);
      });
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        this.collectTemplates(item, joinPath(path, [key]));
      }
    }
  }
}

/** Appends a zod result's issues as problems under `base`. */
function addIssues(problems: Problem[], base: string, result: z.ZodSafeParseResult<unknown>): void {
  if (result.success) return;
  for (const issue of result.error.issues) {
    const path = joinPath(base, issue.path);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        problems.push({ path: joinPath(path, [key]), message: `unknown key '${key}'` });
      }
    } else if (issue.code === "invalid_type" && issue.message.endsWith("received undefined")) {
      problems.push({ path, message: "required" });
    } else {
      const problem: Problem = { path, message: issue.message };
      // A check of text (a call_webhook body's JSON) may say where in the text.
      const position = issue.code === "custom" ? issue.params?.position : undefined;
      if (position !== undefined) problem.position = position as TextPosition;
      problems.push(problem);
    }
  }
}
