// The Events page (issue 14, item 8): recent events, newest first, with the
// runs each started and its status in words; a failed one can be sent
// again. The filters (type, status, period) live in the URL.
import { endpoints, messageOf, type Workflow } from "$lib/api";
import { type EventItem, finding } from "$lib/api-finding";
import { PagedList } from "./paged.svelte";

export const EVENT_STATUSES: Array<{ value: string; label: string }> = [
  { value: "", label: "Any status" },
  { value: "accepted", label: "Waiting to be matched" },
  { value: "matched", label: "Matched" },
  { value: "failed", label: "Failed" },
];

export const EVENT_PERIODS: Array<{ value: string; label: string; ms: number }> = [
  { value: "", label: "Any time", ms: 0 },
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
];

/** The status of an event, in words. */
export function eventStatusWords(e: EventItem): string {
  switch (e.status) {
    case "accepted":
      return "Waiting to be matched";
    case "failed":
      return "Failed: could not be matched to workflows";
    default:
      return e.runs.length === 0
        ? "Matched: no workflow listens to it"
        : `Matched: started ${e.runs.length} run${e.runs.length === 1 ? "" : "s"}`;
  }
}

export class EventList extends PagedList<EventItem> {
  types = $state<string[]>([]);
  workflows = $state<Workflow[]>([]);
  notice = $state("");
  type = $state("");
  status = $state("");
  period = $state("");
  sending = $state<string | null>(null);

  readonly names = $derived(new Map(this.workflows.map((w) => [w.id, w.name])));

  fromUrl(params: URLSearchParams): void {
    this.type = params.get("type") ?? "";
    this.status = params.get("status") ?? "";
    this.period = params.get("period") ?? "";
  }

  toUrl(): string {
    const q = new URLSearchParams();
    if (this.type) q.set("type", this.type);
    if (this.status) q.set("status", this.status);
    if (this.period) q.set("period", this.period);
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  private query(cursor?: string | null): string {
    const q = new URLSearchParams({ limit: "50" });
    if (this.type) q.set("type", this.type);
    if (this.status) q.set("status", this.status);
    const p = EVENT_PERIODS.find((x) => x.value === this.period);
    if (p?.ms) q.set("since", new Date(Date.now() - p.ms).toISOString());
    if (cursor) q.set("cursor", cursor);
    return q.toString();
  }

  start(): void {
    endpoints
      .workflows()
      .then((p) => (this.workflows = p.items))
      .catch(() => {});
    endpoints
      .eventTypes()
      .then((t) => (this.types = (Array.isArray(t) ? t : t.items).map((x) => x.type)))
      .catch(() => {});
  }

  load(): Promise<void> {
    return this.first(() => finding.events(this.query()));
  }

  more(): Promise<void> {
    return this.next((cursor) => finding.events(this.query(cursor)));
  }

  /** "Send again": a failed event is matched again (runs are one per event and workflow). */
  async sendAgain(e: EventItem): Promise<void> {
    this.sending = e.id;
    this.notice = "";
    try {
      await finding.redrive(e.id);
      this.notice = `Sent ${e.key ?? e.type} again: it is being matched to workflows.`;
      await this.load();
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.sending = null;
    }
  }
}
