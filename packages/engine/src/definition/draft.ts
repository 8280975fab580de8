// Drafts (issue 14, item 4) may be incomplete: an empty config, a half-typed
// expression, a missing field. They are stored with their problems, which
// block publishing and running, never saving. Only what is not a workflow at
// all is refused: the shape below is what every reader of a stored version
// (the API's views, the builder's editor, diffs) relies on.
//
// And what a workflow's steps do that other workflows may hear (item 9): a
// record write emits `<type>.created` / `<type>.updated`.
import { isPlainObject, utf8Length } from "../util/json.ts";
import { DEFINITION_LIMITS } from "./limits.ts";
import { joinPath, type Problem } from "./problem.ts";

// `steps` is a forEach body.
const NESTED_LISTS = ["then", "else", "onTimeout", "steps"] as const;

/**
 * Problems that keep a definition from being stored even as a draft: not an
 * object, too large, a name or trigger of the wrong type, steps that are not
 * lists of objects. An empty list means it can be stored (it may still have
 * other problems: see `validateDefinition`).
 * @example draftShapeProblems({ name: "", trigger: { event: "" }, steps: [{}] }) // []
 */
export function draftShapeProblems(input: unknown): Problem[] {
  if (!isPlainObject(input))
    return [{ path: "", message: "expected a workflow definition object" }];
  let bytes: number;
  try {
    bytes = utf8Length(JSON.stringify(input));
  } catch {
    return [{ path: "", message: "the definition is not JSON" }];
  }
  if (bytes > DEFINITION_LIMITS.maxBytes) {
    return [
      {
        path: "",
        message: `the definition is ${bytes} bytes; at most ${DEFINITION_LIMITS.maxBytes} are allowed`,
      },
    ];
  }
  const problems: Problem[] = [];
  const text = (key: string, value: unknown, optional: boolean, max: number) => {
    if (value === undefined && optional) return;
    if (typeof value !== "string") problems.push({ path: key, message: "expected text" });
    else if (value.length > max)
      problems.push({ path: key, message: `at most ${max} characters are allowed` });
  };
  text("name", input.name, false, DEFINITION_LIMITS.maxNameLength);
  text("description", input.description, true, DEFINITION_LIMITS.maxDescriptionLength);
  text("filter", input.filter, true, DEFINITION_LIMITS.maxExpressionLength);
  if (!isPlainObject(input.trigger)) {
    problems.push({
      path: "trigger",
      message: "expected an object with the event's type or a schedule",
    });
  } else if ("schedule" in input.trigger) {
    if (!isPlainObject(input.trigger.schedule))
      problems.push({ path: "trigger.schedule", message: "expected an object" });
  } else {
    text("trigger.event", input.trigger.event, false, DEFINITION_LIMITS.maxEventTypeLength);
  }
  stepList(input.steps, "steps", 1, problems);
  return problems;
}

function stepList(list: unknown, path: string, depth: number, problems: Problem[]): void {
  if (!Array.isArray(list)) {
    problems.push({ path, message: "expected a list of steps" });
    return;
  }
  if (depth > DEFINITION_LIMITS.maxDepth + 1) {
    problems.push({ path, message: `steps nest at most ${DEFINITION_LIMITS.maxDepth} deep` });
    return;
  }
  list.forEach((step, i) => {
    const at = joinPath(path, [i]);
    if (!isPlainObject(step)) {
      problems.push({ path: at, message: "expected a step (an object)" });
      return;
    }
    for (const key of NESTED_LISTS) {
      if (step[key] !== undefined) stepList(step[key], joinPath(at, [key]), depth + 1, problems);
    }
    if (step.parallel !== undefined) {
      if (!Array.isArray(step.parallel)) {
        problems.push({ path: joinPath(at, ["parallel"]), message: "expected a list of branches" });
      } else {
        step.parallel.forEach((branch, b) => {
          stepList(branch, joinPath(at, ["parallel", b]), depth + 1, problems);
        });
      }
    }
  });
}

/** What one step does that workflows can be started by. */
export interface StepEffect {
  stepId: string;
  /** The step's name, or its id when it has none. */
  stepName: string;
  /** Event types its effect emits. */
  events: string[];
}

/**
 * The events each step's effect emits: an `update_record` step on a literal
 * record type emits `<type>.created` (a new record) or `<type>.updated`. A
 * type given as a {{ template }} is only known when the step runs; it is not
 * listed. Tolerates drafts (steps of any shape).
 * @example stepEffects({ steps: [{ id: "m", action: "update_record", config: { type: "order" } }] })
 * // [{ stepId: "m", stepName: "m", events: ["order.created", "order.updated"] }]
 */
export function stepEffects(definition: unknown): StepEffect[] {
  const out: StepEffect[] = [];
  const visit = (list: unknown, depth: number): void => {
    if (!Array.isArray(list) || depth > DEFINITION_LIMITS.maxDepth + 1) return;
    for (const step of list) {
      if (!isPlainObject(step)) continue;
      const effect = effectOf(step);
      if (effect) out.push(effect);
      for (const key of NESTED_LISTS) visit(step[key], depth + 1);
      if (Array.isArray(step.parallel)) for (const b of step.parallel) visit(b, depth + 1);
    }
  };
  if (isPlainObject(definition)) visit(definition.steps, 1);
  return out;
}

function effectOf(step: Record<string, unknown>): StepEffect | null {
  if (step.action !== "update_record" || !isPlainObject(step.config)) return null;
  const type = step.config.type;
  if (typeof type !== "string" || !/^[a-z][a-z0-9_]*$/.test(type)) return null;
  const id = typeof step.id === "string" ? step.id : "";
  const name = typeof step.name === "string" && step.name.trim() ? step.name : id;
  return {
    stepId: id,
    stepName: name,
    events: [`${type}.created`, `${type}.updated`],
  };
}
