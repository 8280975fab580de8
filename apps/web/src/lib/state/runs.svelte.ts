// The runs list: filtered by workflow, status, time and an event field
// ("payment.id is pay_9004"), kept fresh by polling while the page is open
// (the API has no push; a few seconds is live enough). A search is not
// polled: each request scans a window of runs. The filters live in the URL.
import { endpoints, messageOf, type Workflow } from "$lib/api";
import { finding, type ListedRun } from "$lib/api-finding";
import { type FieldRow, searchableFields, searchExpression } from "$lib/model/event-fields";

export const STATUSES = [
  "running",
  "waiting",
  "succeeded",
  "failed",
  "filtered",
  "suppressed",
  "cancelled",
  "skipped",
] as const;

export const PERIODS: Array<{ value: string; label: string; ms: number }> = [
  { value: "", label: "Any time", ms: 0 },
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
];

const POLL_MS = 3000;

export class RunList {
  items = $state<ListedRun[]>([]);
  workflows = $state<Workflow[]>([]);
  loading = $state(true);
  error = $state("");
  nextCursor = $state<string | null>(null);
  updatedAt = $state<Date | null>(null);
  workflowId = $state("");
  status = $state("");
  period = $state("");
  /** The runs of one failure group (the Failures view's "See runs"), and of one failing step. */
  errorGroup = $state("");
  stepId = $state("");
  /** The event field searched for, and the value it should have. */
  field = $state("");
  value = $state("");
  /** With a search: how many runs the last page looked at. */
  scanned = $state<number | null>(null);
  fields = $state<FieldRow[]>([]);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private generation = 0;

  readonly names = $derived(new Map(this.workflows.map((w) => [w.id, w.name])));
  readonly search = $derived(
    this.field && this.value.trim() ? searchExpression(this.field, this.value) : null,
  );

  query(cursor?: string | null): string {
    const q = new URLSearchParams({ limit: "50" });
    if (this.workflowId) q.set("workflowId", this.workflowId);
    if (this.status) q.set("status", this.status);
    const since = this.since();
    if (since) q.set("since", since);
    if (this.errorGroup) q.set("errorGroup", this.errorGroup);
    if (this.stepId) q.set("stepId", this.stepId);
    if (this.search) q.set("q", this.search);
    if (cursor) q.set("cursor", cursor);
    return q.toString();
  }

  /** The start of the chosen period, now. */
  since(): string | undefined {
    const p = PERIODS.find((x) => x.value === this.period);
    return p?.ms ? new Date(Date.now() - p.ms).toISOString() : undefined;
  }

  /** Reads filters from the URL, so a link can share a filtered view. */
  fromUrl(params: URLSearchParams): void {
    this.workflowId = params.get("workflowId") ?? "";
    this.status = params.get("status") ?? "";
    this.period = params.get("period") ?? "";
    this.errorGroup = params.get("errorGroup") ?? "";
    this.stepId = params.get("stepId") ?? "";
    this.field = params.get("field") ?? "";
    this.value = params.get("value") ?? "";
  }

  toUrl(): string {
    const q = new URLSearchParams();
    if (this.workflowId) q.set("workflowId", this.workflowId);
    if (this.status) q.set("status", this.status);
    if (this.period) q.set("period", this.period);
    if (this.errorGroup) q.set("errorGroup", this.errorGroup);
    if (this.stepId) q.set("stepId", this.stepId);
    if (this.field && this.value.trim()) {
      q.set("field", this.field);
      q.set("value", this.value.trim());
    }
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  /** Loads what the filters offer: workflows, and the event fields to search by. */
  start(): void {
    this.stopped = false;
    endpoints
      .workflows()
      .then((p) => (this.workflows = p.items))
      .catch(() => {});
    endpoints
      .eventTypes()
      .then((t) => (this.fields = searchableFields(Array.isArray(t) ? t : t.items)))
      .catch(() => {});
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Loads the first page again (filters changed, or a poll). */
  async refresh(showLoading = false): Promise<void> {
    clearTimeout(this.timer);
    const gen = ++this.generation;
    if (showLoading) this.loading = true;
    try {
      const page = await finding.runs(this.query());
      if (gen !== this.generation) return;
      this.scanned = page.scanned ?? null;
      // Keep pages loaded with "Show more" beyond the first one.
      const extra = this.items.slice(50).filter((r) => !page.items.some((x) => x.id === r.id));
      this.items = showLoading ? page.items : [...page.items, ...extra];
      if (showLoading || extra.length === 0) this.nextCursor = page.nextCursor ?? null;
      this.error = "";
      this.updatedAt = new Date();
    } catch (err) {
      if (gen === this.generation) this.error = messageOf(err);
    } finally {
      if (gen === this.generation) {
        this.loading = false;
        if (!this.stopped && !this.search) this.timer = setTimeout(() => this.refresh(), POLL_MS);
      }
    }
  }

  async more(): Promise<void> {
    if (!this.nextCursor) return;
    try {
      const page = await finding.runs(this.query(this.nextCursor));
      this.scanned = page.scanned ?? null;
      this.items = [
        ...this.items,
        ...page.items.filter((r) => !this.items.some((x) => x.id === r.id)),
      ];
      this.nextCursor = page.nextCursor ?? null;
    } catch (err) {
      this.error = messageOf(err);
    }
  }
}
