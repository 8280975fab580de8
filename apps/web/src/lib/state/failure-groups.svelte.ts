// The Failures view (issue 16, item 2): failed runs grouped by what went
// wrong (step, error code, message with its numbers and ids aside), largest
// first, for one workflow or all, over a period; kept fresh while open, so a
// group shrinks or goes as its runs are retried.
import type { WorkflowDefinition } from "@switchyard/engine";
import { endpoints, messageOf, type Workflow } from "$lib/api";
import { bulkRetry, type FailureGroup } from "$lib/api-bulk-retry";
import { stepTitle } from "$lib/model/run-words";
import { flatSteps, kindOf } from "$lib/model/steps";
import { catalog } from "$lib/state/catalog.svelte";
import { PERIODS } from "$lib/state/runs.svelte";

const POLL_MS = 5000;

/** A step as people call it: its name in the definition, else its action's title, never its id. */
export function stepNameIn(
  def: WorkflowDefinition | undefined,
  stepId: string,
  action: string | null = null,
): string {
  // A loop's step instance (`reserve[3]`) is its step (`reserve`).
  const id = stepId.replace(/(\[\d+\])+$/, "");
  const step = def ? flatSteps(def).find((s) => s.id === id) : undefined;
  const act = action ?? (step && "action" in step ? (step.action ?? null) : null);
  const title = act ? catalog.action(act)?.title : null;
  return stepTitle(
    { id: stepId, action: act, kind: step ? kindOf(step) : "action" },
    step?.name,
    title,
  );
}

export class FailureGroups {
  items = $state<FailureGroup[]>([]);
  workflows = $state<Workflow[]>([]);
  loading = $state(true);
  error = $state("");
  workflowId = $state("");
  period = $state("");
  updatedAt = $state<Date | null>(null);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private generation = 0;

  readonly names = $derived(new Map(this.workflows.map((w) => [w.id, w.name])));
  private readonly definitions = $derived(
    new Map<string, WorkflowDefinition>(this.workflows.map((w) => [w.id, w.definition])),
  );

  /** The period's start, for the API and for a bulk retry's selection. */
  since(): string | undefined {
    const p = PERIODS.find((x) => x.value === this.period);
    return p?.ms ? new Date(Date.now() - p.ms).toISOString() : undefined;
  }

  fromUrl(params: URLSearchParams): void {
    this.workflowId = params.get("workflowId") ?? "";
    this.period = params.get("period") ?? "";
  }

  toUrl(): string {
    const q = new URLSearchParams();
    if (this.workflowId) q.set("workflowId", this.workflowId);
    if (this.period) q.set("period", this.period);
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  /** What people call the failing step: its name, else its action's title, never its id. */
  stepName = (g: Pick<FailureGroup, "workflowId" | "stepId" | "action">): string =>
    stepNameIn(this.definitions.get(g.workflowId), g.stepId, g.action);

  /** The action in plain words ("Call a webhook"). */
  actionName = (action: string | null): string =>
    action ? (catalog.action(action)?.title ?? action.replace(/_/g, " ")) : "";

  /** The names the rows are told in (workflows and steps, the actions' titles), loaded once. */
  private names$: Promise<unknown> | undefined;

  start(): void {
    this.stopped = false;
    // The rows wait for these, so a group never shows an id or a fallback first.
    this.names$ = Promise.all([
      endpoints
        .workflows()
        .then((p) => (this.workflows = p.items))
        .catch(() => {}),
      catalog.load().catch(() => {}),
    ]);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async refresh(showLoading = false): Promise<void> {
    clearTimeout(this.timer);
    const gen = ++this.generation;
    if (showLoading) this.loading = true;
    try {
      const [answer] = await Promise.all([
        bulkRetry.failureGroups({ workflowId: this.workflowId || undefined, since: this.since() }),
        this.names$,
      ]);
      if (gen !== this.generation) return;
      this.items = answer.items;
      this.error = "";
      this.updatedAt = new Date();
    } catch (err) {
      if (gen === this.generation) this.error = messageOf(err);
    } finally {
      if (gen === this.generation) {
        this.loading = false;
        if (!this.stopped) this.timer = setTimeout(() => this.refresh(), POLL_MS);
      }
    }
  }
}
