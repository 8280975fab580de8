// Pure operations on a definition's step tree: addressing a list of steps,
// inserting, moving, duplicating and removing steps, and fresh unique ids.
import type { Step, WorkflowDefinition } from "@switchyard/engine";

/**
 * Where a list of steps lives: `[]` is the top level, `[2, "then"]` the then-list
 * of the step at 2, `[2, "parallel", 1]` the second branch of a parallel block.
 */
export type ListRef = Array<number | string>;

export type StepKindName = "action" | "if" | "parallel" | "delay" | "waitFor" | "forEach";

export function kindOf(step: Step): StepKindName {
  if ("action" in step) return "action";
  if ("if" in step) return "if";
  if ("parallel" in step) return "parallel";
  if ("waitFor" in step) return "waitFor";
  if ("forEach" in step) return "forEach";
  return "delay";
}

/** The step list a ref points to (created empty for a missing `else`). */
export function listAt(def: WorkflowDefinition, ref: ListRef): Step[] {
  let list: Step[] = def.steps;
  for (let i = 0; i < ref.length; ) {
    const step = list[ref[i] as number] as Step & Record<string, unknown>;
    const key = ref[i + 1] as string;
    if (key === "parallel") {
      list = (step.parallel as Step[][])[ref[i + 2] as number] as Step[];
      i += 3;
    } else {
      step[key] ??= [];
      list = step[key] as Step[];
      i += 2;
    }
  }
  return list;
}

export const refKey = (ref: ListRef): string => JSON.stringify(ref);
export const parseRef = (key: string): ListRef => JSON.parse(key) as ListRef;

/** Every step in the tree, depth first, with the list it sits in and its index. */
export function walk(
  steps: Step[],
  visit: (step: Step, ref: ListRef, index: number, depth: number) => void,
  ref: ListRef = [],
  depth = 0,
): void {
  steps.forEach((step, index) => {
    visit(step, ref, index, depth);
    if ("if" in step) {
      walk(step.then, visit, [...ref, index, "then"], depth + 1);
      walk(step.else ?? [], visit, [...ref, index, "else"], depth + 1);
    } else if ("parallel" in step) {
      step.parallel.forEach((branch, b) => {
        walk(branch, visit, [...ref, index, "parallel", b], depth + 1);
      });
    } else if ("waitFor" in step) {
      walk(step.onTimeout ?? [], visit, [...ref, index, "onTimeout"], depth + 1);
    } else if ("forEach" in step) {
      walk(step.steps, visit, [...ref, index, "steps"], depth + 1);
    }
  });
}

export function allIds(def: WorkflowDefinition): Set<string> {
  const ids = new Set<string>();
  walk(def.steps, (s) => {
    ids.add(s.id);
  });
  return ids;
}

/** Finds a step by id: its list ref and index. */
export function locate(
  def: WorkflowDefinition,
  id: string,
): { ref: ListRef; index: number; step: Step } | null {
  let found: { ref: ListRef; index: number; step: Step } | null = null;
  walk(def.steps, (step, ref, index) => {
    if (step.id === id && !found) found = { ref, index, step };
  });
  return found;
}

export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A valid, unused identifier derived from `base` ("Send email" → "send_email_2"). */
export function freshId(base: string, taken: Set<string>): string {
  let stem = base
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 40);
  if (!stem || !/^[a-z_]/.test(stem)) stem = `step_${stem}`;
  if (!taken.has(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem}_${n}`)) return `${stem}_${n}`;
}

/** A deep copy of a step with fresh ids for it and everything inside it. */
export function cloneWithFreshIds(step: Step, taken: Set<string>): Step {
  const copy = structuredClone($stateSnapshot(step)) as Step;
  const renew = (s: Step): void => {
    s.id = freshId(s.id.replace(/_\d+$/, ""), taken);
    taken.add(s.id);
    if ("if" in s) {
      s.then.forEach(renew);
      (s.else ?? []).forEach(renew);
    } else if ("parallel" in s) {
      s.parallel.forEach((b) => {
        b.forEach(renew);
      });
    } else if ("waitFor" in s) {
      (s.onTimeout ?? []).forEach(renew);
    } else if ("forEach" in s) {
      s.steps.forEach(renew);
    }
  };
  renew(copy);
  if (copy.name) copy.name = `${copy.name} (copy)`;
  return copy;
}

function $stateSnapshot<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** True when `inner` is `outer` or lies inside the step at `outer`+`index`. */
function isInside(inner: ListRef, outer: ListRef, index: number): boolean {
  if (inner.length <= outer.length) return false;
  for (let i = 0; i < outer.length; i++) if (inner[i] !== outer[i]) return false;
  return inner[outer.length] === index;
}

/**
 * Moves the step at (from, fromIndex) to position `toIndex` of list `to`
 * (an index in the list as it is before the move). Returns false when the
 * move is impossible (a block into itself).
 */
export function moveStep(
  def: WorkflowDefinition,
  from: ListRef,
  fromIndex: number,
  to: ListRef,
  toIndex: number,
): boolean {
  if (isInside(to, from, fromIndex)) return false;
  const source = listAt(def, from);
  const target = listAt(def, to);
  const [step] = source.splice(fromIndex, 1);
  if (!step) return false;
  const sameList = refKey(from) === refKey(to);
  // The target ref may pass through the source list after the removed step.
  let adjusted = to;
  if (!sameList && to.length > from.length && refKey(to.slice(0, from.length)) === refKey(from)) {
    const at = to[from.length] as number;
    if (at > fromIndex) {
      adjusted = [...to];
      adjusted[from.length] = at - 1;
    }
  }
  const list = adjusted === to ? target : listAt(def, adjusted);
  const index = sameList && toIndex > fromIndex ? toIndex - 1 : toIndex;
  list.splice(Math.min(index, list.length), 0, step);
  return true;
}

/** Turns the tree's steps into a flat list for readers (execution order). */
export function flatSteps(def: WorkflowDefinition): Step[] {
  const out: Step[] = [];
  walk(def.steps, (s) => {
    out.push(s);
  });
  return out;
}

/** Maps an API problem path (`steps[1].then[0].config.to`) to the step id and the rest. */
export function stepOfPath(
  def: WorkflowDefinition,
  path: string,
): { stepId: string | null; rest: string } {
  const tokens = [...path.matchAll(/([A-Za-z_$][\w$]*)|\[(\d+)\]/g)].map((m) =>
    m[1] !== undefined ? m[1] : Number(m[2]),
  );
  let node: unknown = def;
  let stepId: string | null = null;
  let restFrom = 0;
  let parentKey: string | number | undefined;
  for (let i = 0; i < tokens.length; i++) {
    if (node === null || typeof node !== "object") break;
    const token = tokens[i] as string | number;
    node = (node as Record<string | number, unknown>)[token];
    const arrayKey = typeof token === "number" ? parentKey : undefined;
    parentKey = token;
    if (
      typeof tokens[i] === "number" &&
      node !== null &&
      typeof node === "object" &&
      !Array.isArray(node) &&
      typeof (node as Step).id === "string" &&
      (arrayKey === "steps" ||
        arrayKey === "then" ||
        arrayKey === "else" ||
        arrayKey === "onTimeout" ||
        typeof arrayKey === "number")
    ) {
      stepId = (node as Step).id;
      restFrom = i + 1;
    }
  }
  const rest = tokens
    .slice(restFrom)
    .map((t) => (typeof t === "number" ? `[${t}]` : `.${t}`))
    .join("")
    .replace(/^\./, "");
  return { stepId, rest: stepId ? rest : path };
}

/** Where a keyboard "Move…" may take a step, in words, with the move to make. */
export interface MoveTarget {
  /** "into", "out" (to the enclosing list), or "up"/"down" within the same list. */
  kind: "into" | "out" | "up" | "down";
  label: string;
  to: ListRef;
  /** Index in `to` as it is before the move (what `moveStep` takes). */
  toIndex: number;
}

const titleOf = (step: Step): string => step.name || step.id;

/** The branches of an if or parallel block, as lists with their words. */
export function branchesOf(
  block: Step,
  blockRef: ListRef,
  blockIndex: number,
): Array<{ ref: ListRef; label: string; length: number }> {
  if ("if" in block) {
    return [
      {
        ref: [...blockRef, blockIndex, "then"],
        label: "the Yes branch",
        length: block.then.length,
      },
      {
        ref: [...blockRef, blockIndex, "else"],
        label: "the No branch",
        length: (block.else ?? []).length,
      },
    ];
  }
  if ("parallel" in block) {
    return block.parallel.map((branch, b) => ({
      ref: [...blockRef, blockIndex, "parallel", b],
      label: `branch ${b + 1}`,
      length: branch.length,
    }));
  }
  if ("waitFor" in block) {
    return [
      {
        ref: [...blockRef, blockIndex, "onTimeout"],
        label: "the If nothing arrives branch",
        length: (block.onTimeout ?? []).length,
      },
    ];
  }
  if ("forEach" in block) {
    return [
      {
        ref: [...blockRef, blockIndex, "steps"],
        label: "the repeated steps",
        length: block.steps.length,
      },
    ];
  }
  return [];
}

/**
 * The keyboard alternative to dragging a step anywhere: one move at a time —
 * up or down in its list, into a branch of the block just above (at the end)
 * or just below (at the start), or out of its branch to just above or below
 * the enclosing block. Repeated, these reach every place a drag can.
 *
 * @example moveTargets(def, "send_email").map((t) => t.label)
 * // ["Up", "Into the Yes branch of Approved? (at the end)", "Out, above Approved?", …]
 */
export function moveTargets(def: WorkflowDefinition, id: string): MoveTarget[] {
  const at = locate(def, id);
  if (!at) return [];
  const { ref, index } = at;
  const list = listAt(def, ref);
  const out: MoveTarget[] = [];
  if (index > 0) out.push({ kind: "up", label: "Up", to: ref, toIndex: index - 1 });
  if (index < list.length - 1)
    out.push({ kind: "down", label: "Down", to: ref, toIndex: index + 2 });
  const above = list[index - 1];
  if (above) {
    for (const b of branchesOf(above, ref, index - 1)) {
      out.push({
        kind: "into",
        label: `Into ${b.label} of ${titleOf(above)} (at the end)`,
        to: b.ref,
        toIndex: b.length,
      });
    }
  }
  const below = list[index + 1];
  if (below) {
    for (const b of branchesOf(below, ref, index + 1)) {
      out.push({
        kind: "into",
        label: `Into ${b.label} of ${titleOf(below)} (at the start)`,
        to: b.ref,
        toIndex: 0,
      });
    }
  }
  const parent = enclosingBlock(def, ref);
  if (parent) {
    const name = titleOf(parent.step);
    out.push({ kind: "out", label: `Out, above ${name}`, to: parent.ref, toIndex: parent.index });
    out.push({
      kind: "out",
      label: `Out, below ${name}`,
      to: parent.ref,
      toIndex: parent.index + 1,
    });
  }
  return out;
}

/** The if, parallel, wait or for-each block whose branch `ref` is, with where it sits (null at the top). */
export function enclosingBlock(
  def: WorkflowDefinition,
  ref: ListRef,
): { ref: ListRef; index: number; step: Step } | null {
  if (ref.length === 0) return null;
  // A branch ref ends in [index, "then"|"else"|"onTimeout"|"steps"] or [index, "parallel", b].
  const cut = ref[ref.length - 2] === "parallel" ? 3 : 2;
  const parentRef = ref.slice(0, ref.length - cut);
  const index = ref[ref.length - cut] as number;
  const step = listAt(def, parentRef)[index];
  return step ? { ref: parentRef, index, step } : null;
}

/** Where a step is, in words: "the Yes branch of Approved?, position 1 of 2". */
export function describePlace(def: WorkflowDefinition, id: string): string {
  const at = locate(def, id);
  if (!at) return "";
  const count = listAt(def, at.ref).length;
  const parent = enclosingBlock(def, at.ref);
  let where = "the main steps";
  if (parent) {
    const branch = branchesOf(parent.step, parent.ref, parent.index).find(
      (b) => refKey(b.ref) === refKey(at.ref),
    );
    where = `${branch?.label ?? "a branch"} of ${titleOf(parent.step)}`;
  }
  return `${where}, position ${at.index + 1} of ${count}`;
}
