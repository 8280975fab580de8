// One loop's items on the run page (issue 15, part 2): a page at a time
// from GET /v1/runs/:id/items, narrowed to All / Failed / Running, with
// "Show more". Until that endpoint answers, the items the run view lists
// (at most 100 per loop) stand in, with their steps.
import type { RunStep } from "$lib/api";
import { ApiFailure, messageOf } from "$lib/api";
import { itemEndpoints, type LoopItemView } from "$lib/api-items";
import { listedItems } from "$lib/model/loop-words";

export type ItemFilter = "all" | "failed" | "running";

export const PAGE_SIZE = 20;

const matches = (filter: ItemFilter, status: string): boolean =>
  filter === "all" ||
  (filter === "failed" ? status === "failed" : status === "running" || status === "waiting");

export class LoopItems {
  filter = $state<ItemFilter>("all");
  items = $state<LoopItemView[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(false);
  error = $state("");
  /** "api" when the items endpoint answered; "listed" when the run view's list stands in. */
  source = $state<"api" | "listed">("api");
  private asked = 0;
  private loadedFilter: ItemFilter | null = null;

  constructor(
    private readonly runId: string,
    private readonly loop: string,
  ) {}

  /** Loads the first page for the filter (again); `steps` is the run view's list, the fallback. */
  async load(steps: RunStep[]): Promise<void> {
    const ask = ++this.asked;
    this.loading = true;
    this.error = "";
    // The same filter read again (the run moved on): as many items as were shown, up to 100.
    const same = this.loadedFilter === this.filter;
    this.loadedFilter = this.filter;
    const limit = same ? Math.min(100, Math.max(PAGE_SIZE, this.items.length)) : PAGE_SIZE;
    try {
      const page = await itemEndpoints.list(this.runId, this.loop, {
        status: this.filter === "all" ? undefined : this.filter,
        limit,
      });
      if (ask !== this.asked) return;
      this.items = page.items;
      this.nextCursor = page.nextCursor;
      this.source = "api";
    } catch (err) {
      if (ask !== this.asked) return;
      if (err instanceof ApiFailure && (err.status === 404 || err.status === 405)) {
        this.items = listedItems(steps, this.loop).filter((i) => matches(this.filter, i.status));
        this.nextCursor = null;
        this.source = "listed";
      } else this.error = messageOf(err);
    } finally {
      if (ask === this.asked) this.loading = false;
    }
  }

  async more(): Promise<void> {
    if (!this.nextCursor) return;
    const ask = ++this.asked;
    this.loading = true;
    try {
      const page = await itemEndpoints.list(this.runId, this.loop, {
        status: this.filter === "all" ? undefined : this.filter,
        cursor: this.nextCursor,
        limit: PAGE_SIZE,
      });
      if (ask !== this.asked) return;
      this.items = [...this.items, ...page.items];
      this.nextCursor = page.nextCursor;
    } catch (err) {
      if (ask === this.asked) this.error = messageOf(err);
    } finally {
      if (ask === this.asked) this.loading = false;
    }
  }
}
