// The live preview: runs the filter against a sample event (with `explain`,
// so it can say which part said no) and walks the steps as a dry run would,
// rendering each step's config with the catalogue's sample outputs standing in
// for earlier steps. Pure and synchronous: it runs in the browser on each edit.
import { buildContext, openKeys, type Step, type WorkflowDefinition } from "@switchyard/engine";
import { type Ast, compile, compileTemplate, type ExprError } from "@switchyard/expr";
import type { CatalogAction } from "../api";
import { atATime, itemTitle } from "./loop-words";
import { kindOf } from "./steps";
import { keysWords, timeoutBranchLabel, waitSentence } from "./wait-words";

export interface SaidNo {
  source: string;
  /** The values the part read, e.g. "order.amount is 500". */
  detail: string;
  error?: string;
}

export interface FilterPreview {
  expression: string;
  matched: boolean | null;
  error?: string;
  saidNo: SaidNo[];
}

export interface StepPreview {
  id: string;
  name?: string;
  kind: string;
  action?: string;
  depth: number;
  status: "runs" | "skipped" | "waits";
  /** Rendered config, for action steps that run. */
  config?: unknown;
  fieldErrors: Record<string, string>;
  /** For if steps: the branch taken. */
  branch?: "then" | "else";
  /** The branch depends on a sample output standing in for a real one. */
  assumed?: boolean;
  error?: string;
  delay?: string;
  /** For waitFor steps: what it waits for, and the values the sample gives its keys. */
  wait?: string;
  /** Runs only in a wait's "If nothing arrives" branch: that branch's label. */
  onlyIf?: string;
  /** For forEach steps: what it goes through, in words ("Goes through 3 items, one at a time."). */
  loop?: string;
  /** The list's length, for forEach steps. */
  items?: number;
  /** Inside a loop: which item this entry is for (its id is then `reserve[0]`), and its title. */
  item?: number;
  itemTitle?: string;
}

/** The preview shows a loop's steps for this many items at most (as the dry run does). */
export const PREVIEW_ITEMS = 3;

export interface Preview {
  filter: FilterPreview;
  steps: StepPreview[];
}

export function describe(value: unknown): string {
  if (value === undefined) return "missing";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  } catch {
    return String(value);
  }
}

/** The leaves of a false condition that made it false. */
function blame(
  ast: Ast,
  source: string,
  values: Map<string, { value?: unknown; error?: ExprError }>,
) {
  const key = (n: Ast) => `${n.span.start}:${n.span.end}`;
  const out: SaidNo[] = [];
  const leaf = (n: Ast): void => {
    const got = values.get(key(n));
    const reads: string[] = [];
    const collect = (m: Ast): void => {
      if (m.type === "select" || m.type === "ident") {
        const v = values.get(key(m));
        if (v)
          reads.push(
            `${source.slice(m.span.start, m.span.end)} is ${v.error ? `an error (${v.error.message})` : describe(v.value)}`,
          );
        return;
      }
      if (m.type === "binary") {
        collect(m.left);
        collect(m.right);
      } else if (m.type === "call") {
        if (m.target) collect(m.target);
        m.args.forEach(collect);
      } else if (m.type === "unary") collect(m.operand);
    };
    collect(n);
    out.push({
      source: source.slice(n.span.start, n.span.end),
      detail: reads.join(", "),
      error: got?.error?.message,
    });
  };
  const visit = (n: Ast): void => {
    const got = values.get(key(n));
    if (n.type === "binary" && (n.op === "&&" || n.op === "||")) {
      const l = values.get(key(n.left));
      const r = values.get(key(n.right));
      if (n.op === "&&") {
        if (l && (l.value === false || l.error)) visit(n.left);
        if (r && (r.value === false || r.error)) visit(n.right);
        return;
      }
      visit(n.left);
      visit(n.right);
      return;
    }
    if (got?.value === true) return;
    leaf(n);
  };
  visit(ast);
  return out;
}

export function previewFilter(expression: string, context: object): FilterPreview {
  if (expression.trim() === "") return { expression, matched: true, saidNo: [] };
  try {
    const program = compile(expression);
    const explanation = program.explain(context);
    const values = new Map<string, { value?: unknown; error?: ExprError }>();
    for (const p of explanation.parts) {
      values.set(`${p.span.start}:${p.span.end}`, { value: p.value, error: p.error });
    }
    if (explanation.error) {
      return {
        expression,
        matched: null,
        error: explanation.error.message,
        saidNo: blame(program.ast, expression, values),
      };
    }
    if (typeof explanation.value !== "boolean") {
      return { expression, matched: null, error: "the filter must give yes or no", saidNo: [] };
    }
    return {
      expression,
      matched: explanation.value,
      saidNo: explanation.value ? [] : blame(program.ast, expression, values),
    };
  } catch (err) {
    return { expression, matched: null, error: (err as Error).message, saidNo: [] };
  }
}

function render(
  value: unknown,
  context: object,
  path: string,
  errors: Record<string, string>,
): unknown {
  if (typeof value === "string") {
    try {
      return compileTemplate(value).render(context);
    } catch (err) {
      errors[path] = (err as Error).message;
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => render(v, context, `${path}[${i}]`, errors));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = render(v, context, path ? `${path}.${k}` : k, errors);
    return out;
  }
  return value;
}

export function previewWorkflow(
  def: WorkflowDefinition,
  event: { type: string; data: unknown },
  actionOf: (name: string) => CatalogAction | undefined,
): Preview {
  let stepViews: Record<string, { status: string; output: unknown; error: null }> = {};
  // Inside loops: each item's name and `index`, the ids' suffix (`[0]`) and the item shown.
  let locals: Record<string, unknown> = {};
  let suffix = "";
  let current: { index: number; title: string } | null = null;
  const ctx = () => ({
    ...buildContext({
      event: {
        id: "evt_preview",
        type: event.type,
        data: event.data,
        occurredAt: new Date().toISOString(),
      },
      workflow: { id: "wf_preview", version: 0, name: def.name },
      runId: null,
      now: Date.now(),
      steps: stepViews,
    }),
    ...locals,
  });
  const filter = previewFilter(def.filter ?? "", ctx());
  const steps: StepPreview[] = [];
  const sampleIds = new Set<string>();

  const walkList = (list: Step[], depth: number, skipped: boolean): void => {
    for (const step of list) {
      const kind = kindOf(step);
      const base: Pick<
        StepPreview,
        "id" | "name" | "kind" | "depth" | "fieldErrors" | "item" | "itemTitle"
      > = {
        id: step.id + suffix,
        name: step.name,
        kind,
        depth,
        fieldErrors: {},
        ...(current ? { item: current.index, itemTitle: current.title } : {}),
      };
      if (skipped || filter.matched === false) {
        steps.push({
          ...base,
          status: "skipped",
          action: "action" in step ? step.action : undefined,
        });
        if ("if" in step) {
          walkList(step.then, depth + 1, true);
          walkList(step.else ?? [], depth + 1, true);
        } else if ("parallel" in step) for (const b of step.parallel) walkList(b, depth + 1, true);
        else if ("waitFor" in step) walkList(step.onTimeout ?? [], depth + 1, true);
        else if ("forEach" in step) walkList(step.steps, depth + 1, true);
        continue;
      }
      if ("action" in step) {
        const errors: Record<string, string> = {};
        const config = render(step.config, ctx(), "", errors);
        const action = actionOf(step.action);
        steps.push({
          ...base,
          action: step.action,
          status: step.action === "request_approval" ? "waits" : "runs",
          config,
          fieldErrors: errors,
        });
        stepViews[step.id] = {
          status: "succeeded",
          output: action?.sampleOutput ?? {},
          error: null,
        };
        sampleIds.add(step.id);
      } else if ("if" in step) {
        let branch: "then" | "else" | undefined;
        let error: string | undefined;
        let assumed = false;
        try {
          const program = compile(step.if);
          assumed = program
            .references()
            .some((r) => sampleIds.has(r.split(".")[1] ?? "") && r.startsWith("steps."));
          const value = program.evaluate(ctx());
          if (typeof value !== "boolean") error = "the condition must give yes or no";
          else branch = value ? "then" : "else";
        } catch (err) {
          error = (err as Error).message;
        }
        steps.push({ ...base, status: "runs", branch, assumed, error });
        walkList(step.then, depth + 1, branch !== "then");
        walkList(step.else ?? [], depth + 1, branch !== "else");
      } else if ("parallel" in step) {
        steps.push({ ...base, status: "runs" });
        for (const b of step.parallel) walkList(b, depth + 1, false);
      } else if ("waitFor" in step) {
        // Issue 15, part 3: it waits for the event (at most its timeout); the
        // sample says which values the event must carry.
        const keys = keysWords(openKeys(step.waitFor.match ?? null, ctx()));
        steps.push({
          ...base,
          status: "waits",
          wait: `${waitSentence(step.waitFor)}${keys ? ` (for this sample: ${keys})` : ""}.`,
        });
        stepViews[step.id] = { status: "succeeded", output: {}, error: null };
        const before = steps.length;
        walkList(step.onTimeout ?? [], depth + 1, false);
        const label = timeoutBranchLabel(step.waitFor.timeout);
        for (const s of steps.slice(before)) if (s.status !== "skipped") s.onlyIf ??= label;
      } else if ("forEach" in step) {
        walkLoop(step, base, depth);
      } else {
        steps.push({ ...base, status: "waits", delay: step.delay });
      }
    }
  };
  /** The list, then the loop's steps for its first items, each with its item bound. */
  const walkLoop = (
    step: Extract<Step, { forEach: string }>,
    base: Omit<StepPreview, "status">,
    depth: number,
  ): void => {
    let list: unknown;
    try {
      list = compile(step.forEach).evaluate(ctx());
    } catch (err) {
      steps.push({ ...base, status: "runs", error: (err as Error).message });
      walkList(step.steps, depth + 1, true);
      return;
    }
    if (!Array.isArray(list)) {
      const got =
        list === null || list === undefined
          ? "nothing"
          : typeof list === "object"
            ? "a group of fields"
            : typeof list === "string"
              ? "text"
              : typeof list;
      steps.push({
        ...base,
        status: "runs",
        error: `For this sample it is not a list: it is ${got}.`,
      });
      walkList(step.steps, depth + 1, true);
      return;
    }
    const shown = Math.min(list.length, PREVIEW_ITEMS);
    const loop =
      list.length === 0
        ? "The list is empty for this sample: the steps inside do not run."
        : `Goes through ${list.length} item${list.length === 1 ? "" : "s"}, ${atATime(step.concurrency)}${list.length > shown ? `; the first ${shown} are shown` : ""}.`;
    steps.push({ ...base, status: "runs", loop, items: list.length });
    if (list.length === 0) {
      walkList(step.steps, depth + 1, true);
      return;
    }
    const outer = { stepViews, locals, suffix, current };
    list.slice(0, shown).forEach((item, index) => {
      stepViews = { ...outer.stepViews };
      locals = { ...outer.locals, [step.as?.trim() || "item"]: item, index };
      suffix = `${outer.suffix}[${index}]`;
      current = { index, title: itemTitle(index, item) };
      walkList(step.steps, depth + 1, false);
    });
    ({ stepViews, locals, suffix, current } = outer);
    stepViews[step.id] = { status: "succeeded", output: { results: [], failed: [] }, error: null };
  };
  walkList(def.steps, 0, false);
  return { filter, steps };
}

/**
 * Which parts of a filter said no, from the server's dry-run explanation
 * (POST /v1/workflows/:id/test): the values it recorded, blamed on the parse
 * tree compiled here.
 */
export function saidNoFromParts(
  expression: string,
  parts: Array<{
    span: { start: number; end: number };
    value?: unknown;
    error?: { message: string };
  }>,
): SaidNo[] {
  try {
    const program = compile(expression);
    const values = new Map<string, { value?: unknown; error?: ExprError }>();
    for (const p of parts) {
      values.set(`${p.span.start}:${p.span.end}`, {
        value: p.value,
        error: p.error as ExprError | undefined,
      });
    }
    return blame(program.ast, expression, values);
  } catch {
    return [];
  }
}
