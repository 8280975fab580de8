// One run, as a timeline: the run (polled until it ends), its trigger event,
// the workflow version it ran (for the step sources errors point into), the
// filter's explanation from a dry run, and the retry preview.
import type { Step, WorkflowDefinition } from "@switchyard/engine";
import {
  ApiFailure,
  type EventDetail,
  endpoints,
  messageOf,
  type RetryPreview,
  type Run,
  type Workflow,
} from "$lib/api";
import { itemEndpoints } from "$lib/api-items";
import { waitEndpoints } from "$lib/api-waits";
import { baseStepId } from "$lib/model/loop-words";
import { type SaidNo, saidNoFromParts } from "$lib/model/preview";
import { stepTitle, TERMINAL } from "$lib/model/run-words";
import { kindOf } from "$lib/model/steps";
import { catalog } from "$lib/state/catalog.svelte";

const POLL_MS = 1500;

/** The step as written; an item's step (`reserve[3]`) is its step (`reserve`). */
function findStep(steps: Step[], id: string): Step | undefined {
  return findWritten(steps, baseStepId(id));
}

function findWritten(steps: Step[], id: string): Step | undefined {
  for (const s of steps) {
    if (s.id === id) return s;
    const r = s as unknown as Record<string, unknown>;
    for (const key of ["then", "else", "onTimeout", "steps"]) {
      const found = Array.isArray(r[key]) ? findWritten(r[key] as Step[], id) : undefined;
      if (found) return found;
    }
    if (Array.isArray(r.parallel)) {
      for (const branch of r.parallel as Step[][]) {
        const found = findWritten(branch, id);
        if (found) return found;
      }
    }
  }
  return undefined;
}

export class RunDetail {
  run = $state<Run | null>(null);
  event = $state<EventDetail | null>(null);
  workflow = $state<Workflow | null>(null);
  definition = $state<WorkflowDefinition | null>(null);
  saidNo = $state<SaidNo[] | null>(null);
  error = $state("");
  notice = $state("");
  loading = $state(true);
  names = $state<Map<string, string>>(new Map());
  /** Members' names by their email address (lower case). */
  people = $state<Map<string, string>>(new Map());
  /** Members' names by their user id (who stopped a wait, from the audit log). */
  peopleById = $state<Map<string, string>>(new Map());
  /** Who stopped each stopped wait, by step id (read from the audit log once). */
  stoppedBy = $state<Record<string, string>>({});
  private stoppedAsked = new Set<string>();

  preview = $state<RetryPreview | null>(null);
  /** The version the retry will run on. */
  target = $state<number | null>(null);
  /** Rendered configs of the steps on the target version, from a dry run. */
  rendered = $state<Record<string, unknown>>({});
  previewError = $state("");
  previewOpen = $state(false);
  busy = $state(false);
  /** The values of the failed items a retry runs again, by item id (`each[3]`). */
  itemValues = $state<Record<string, unknown>>({});

  private timer: ReturnType<typeof setTimeout> | undefined;
  private id = "";
  private stopped = false;

  readonly currentVersion = $derived(this.workflow?.liveVersion ?? null);
  readonly canCancel = $derived(this.run?.status === "running" || this.run?.status === "waiting");
  readonly canRetry = $derived(this.run?.status === "failed");

  async open(id: string): Promise<void> {
    this.stop();
    this.stopped = false;
    this.id = id;
    this.run = null;
    this.event = null;
    this.workflow = null;
    this.definition = null;
    this.saidNo = null;
    this.preview = null;
    this.previewOpen = false;
    this.error = "";
    this.notice = "";
    this.loading = true;
    // The catalogue's action titles and the members' names come first, so the
    // run is told in words from the start, not rewritten as they arrive.
    const steps = async () => {
      await this.poll();
      if (this.run) await this.loadDefinition(this.run.workflowVersion);
    };
    const names = endpoints
      .workflows()
      .then((p) => (this.names = new Map(p.items.map((w) => [w.id, w.name]))))
      .catch(() => {});
    await Promise.all([steps(), names, catalog.load().catch(() => {}), this.loadPeople()]);
    this.loading = false;
    const run = this.run as Run | null;
    if (!run) return;
    const [event, workflow] = await Promise.all([
      run.eventId ? endpoints.event(run.eventId).catch(() => null) : null,
      endpoints.workflow(run.workflowId).catch(() => null),
    ]);
    this.event = event;
    this.workflow = workflow;
    if (run.status === "filtered" || run.filter?.result === false) await this.explainFilter();
  }

  private async loadPeople(): Promise<void> {
    try {
      const named = (await endpoints.members()).items.filter((m) => m.name);
      this.people = new Map(named.map((m) => [m.email.toLowerCase(), m.name as string]));
      this.peopleById = new Map(named.map((m) => [m.id, m.name as string]));
    } catch {
      this.people = new Map();
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    clearTimeout(this.timer);
    try {
      const run = await endpoints.run(this.id);
      const moved = this.run && this.run.workflowVersion !== run.workflowVersion;
      this.run = run;
      if (moved) await this.loadDefinition(run.workflowVersion);
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.status === 404 ? "There is no such run." : messageOf(err);
      return;
    }
    if (!this.stopped && this.run && !TERMINAL.has(this.run.status)) {
      this.timer = setTimeout(() => this.poll(), POLL_MS);
    }
  }

  private async loadDefinition(version: number): Promise<void> {
    const run = this.run;
    if (!run) return;
    try {
      this.definition = (await endpoints.version(run.workflowId, version)).definition;
    } catch {
      this.definition = null;
    }
  }

  /** The source of a step's setting, e.g. the template an error points into. */
  sourceOf(stepId: string, path?: string): string | null {
    if (!this.definition || !path) return null;
    let value: unknown = findStep(this.definition.steps, stepId);
    for (const key of path.split(".")) {
      if (value && typeof value === "object") value = (value as Record<string, unknown>)[key];
      else return null;
    }
    return typeof value === "string" ? value : null;
  }

  /** What people call a step: its name in the run's version, else its action's title. */
  title = (s: { id: string; action?: string | null; kind?: string }): string => {
    const step = this.definition ? findStep(this.definition.steps, s.id) : undefined;
    const action = s.action ? catalog.action(s.action)?.title : null;
    return stepTitle(s, step?.name, action);
  };

  /** A step's title by its id alone (retry previews, history). */
  titleOf = (id: string): string => {
    const step = this.definition ? findStep(this.definition.steps, id) : undefined;
    const fromRun = this.run?.steps.find((s) => s.id === id);
    if (!step && !fromRun) return id; // not a step id: a name already
    const action = fromRun?.action ?? (step && "action" in step ? step.action : null);
    return this.title({ id, action, kind: fromRun?.kind ?? (step ? kindOf(step) : undefined) });
  };

  /** A step as written in the run's version. */
  stepOf = (id: string): Step | undefined =>
    this.definition ? findStep(this.definition.steps, id) : undefined;

  /** A member's name for an email address. */
  person = (email: string): string | undefined => this.people.get(email.trim().toLowerCase());

  /** A step's settings as written in the run's version. */
  configOf(stepId: string): unknown {
    if (!this.definition) return undefined;
    const step = findStep(this.definition.steps, stepId) as { config?: unknown } | undefined;
    return step?.config;
  }

  private async explainFilter(): Promise<void> {
    const run = this.run;
    if (!run?.filter?.expression || !this.event) return;
    try {
      const dry = await endpoints.dryRun(
        run.workflowId,
        { type: this.event.type, data: this.event.data },
        run.workflowVersion,
      );
      this.saidNo = saidNoFromParts(run.filter.expression, dry.filter.explanation);
    } catch {
      this.saidNo = null;
    }
  }

  /** Opens the retry preview: what runs again, on which version, with which effects. */
  async openPreview(version?: number): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.previewOpen = true;
    this.previewError = "";
    this.preview = null;
    // The current version may have moved on since the page opened (a fix just published).
    this.workflow = await endpoints.workflow(run.workflowId).catch(() => this.workflow);
    const v =
      version ??
      (this.currentVersion && this.currentVersion !== run.workflowVersion
        ? this.currentVersion
        : run.workflowVersion);
    try {
      const preview = await endpoints.retryPreview(
        run.id,
        v !== run.workflowVersion ? v : undefined,
      );
      this.preview = preview;
      void this.loadItemValues(preview);
      // An incompatible newer version cannot be chosen: fall back to the run's own.
      this.target = preview.target && !preview.target.compatible ? run.workflowVersion : v;
    } catch (err) {
      this.previewError = messageOf(err);
      return;
    }
    await this.renderTarget();
  }

  /** The failed items' values, for naming them ("Item 4 (sku B-17)"): listed in the run, else asked for. */
  private async loadItemValues(preview: RetryPreview): Promise<void> {
    const run = this.run;
    if (!run || !preview.items?.length) return;
    const values: Record<string, unknown> = {};
    for (const s of run.steps) if (s.kind === "item") values[s.id] = s.input;
    const missing = new Set(preview.items.filter((i) => !(i.id in values)).map((i) => i.loop));
    for (const loop of missing) {
      try {
        let cursor: string | null = null;
        do {
          const page = await itemEndpoints.list(run.id, loop, {
            status: "failed",
            cursor,
            limit: 100,
          });
          for (const item of page.items) values[item.id] = item.item;
          cursor = page.nextCursor;
        } while (cursor && Object.keys(values).length < 1000);
      } catch {
        // Not there: the items are named by their position alone.
      }
    }
    this.itemValues = values;
  }

  async chooseVersion(v: number): Promise<void> {
    this.target = v;
    await this.renderTarget();
  }

  /** Dry-runs the target version with the run's event and its real outputs so far. */
  private async renderTarget(): Promise<void> {
    const run = this.run;
    if (!run || !this.event || this.target == null) return;
    const stepOutputs: Record<string, unknown> = {};
    for (const s of run.steps) if (s.status === "succeeded") stepOutputs[s.id] = s.output ?? {};
    try {
      const dry = await endpoints.dryRun(
        run.workflowId,
        { type: this.event.type, data: this.event.data },
        this.target,
        stepOutputs,
      );
      // Only what the dry run filled in: not the steps on the branch it did
      // not take (they have no config there), never the templates as written.
      this.rendered = Object.fromEntries(
        dry.steps.filter((s) => !s.skipped && s.config !== undefined).map((s) => [s.id, s.config]),
      );
    } catch {
      this.rendered = {};
    }
  }

  async retry(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.busy = true;
    this.previewError = "";
    try {
      const version =
        this.target != null && this.target !== run.workflowVersion ? this.target : undefined;
      await endpoints.retry(run.id, version);
      this.notice = version
        ? `Retrying on version ${version}: only the steps listed run.`
        : "Retrying: only the steps listed run.";
      this.previewOpen = false;
      this.preview = null;
      this.stopped = false;
      await this.poll();
    } catch (err) {
      this.previewError = messageOf(err);
      if (err instanceof ApiFailure && err.status === 409)
        await this.openPreview(this.target ?? undefined);
    } finally {
      this.busy = false;
    }
  }

  /** "Stop waiting" (issue 15, part 3): the run takes the step's "If nothing arrives" branch now. */
  async stopWaiting(stepId: string): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.busy = true;
    this.error = "";
    try {
      await waitEndpoints.stop(run.id, stepId);
      this.notice = `Stopped waiting at “${this.titleOf(stepId)}”: the run goes on with what to do if nothing arrives.`;
      this.stopped = false;
      await this.poll();
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  /** Finds who stopped a wait (once per step); a viewer without the log just reads "Stopped waiting". */
  async loadStoppedBy(stepId: string, since?: string | null): Promise<void> {
    const run = this.run;
    if (!run || this.stoppedAsked.has(stepId)) return;
    this.stoppedAsked.add(stepId);
    try {
      const entry = await waitEndpoints.stoppedBy(run.id, stepId, since);
      if (!entry) return;
      const a = entry.actor;
      const who =
        a.type === "user"
          ? (this.peopleById.get(a.id) ?? "a member")
          : a.type === "api_key"
            ? "an API key"
            : a.type === "system"
              ? "Switchyard"
              : "the platform";
      this.stoppedBy = { ...this.stoppedBy, [stepId]: who };
    } catch {
      // Not allowed to read the log, or it failed: the step says "Stopped waiting".
    }
  }

  async cancel(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.busy = true;
    this.error = "";
    try {
      await endpoints.cancel(run.id);
      this.notice = "Run cancelled: the remaining steps will not run.";
      await this.poll();
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }
}
