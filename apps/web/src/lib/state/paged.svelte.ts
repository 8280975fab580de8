// A list read a page at a time (the Events and Records pages): the first
// page replaces what is shown, an answer to an older request is dropped
// (the filters changed meanwhile), and "Show more" appends the next page
// without repeating what is already shown.
import { messageOf, type Page } from "$lib/api";

export class PagedList<T extends { id: string }> {
  items = $state<T[]>([]);
  nextCursor = $state<string | null>(null);
  loading = $state(true);
  error = $state("");
  #generation = 0;

  /** Shows the first page `fetch` answers. */
  protected async first(fetch: () => Promise<Page<T>>): Promise<void> {
    const gen = ++this.#generation;
    this.loading = true;
    try {
      const page = await fetch();
      if (gen !== this.#generation) return;
      this.items = page.items;
      this.nextCursor = page.nextCursor ?? null;
      this.error = "";
    } catch (err) {
      if (gen === this.#generation) this.error = messageOf(err);
    } finally {
      if (gen === this.#generation) this.loading = false;
    }
  }

  /** Shows nothing, and drops answers still on their way. */
  protected clear(): void {
    this.#generation++;
    this.items = [];
    this.nextCursor = null;
    this.loading = false;
  }

  /** Appends the page after the last one shown. */
  protected async next(fetch: (cursor: string) => Promise<Page<T>>): Promise<void> {
    if (!this.nextCursor) return;
    try {
      const page = await fetch(this.nextCursor);
      const shown = new Set(this.items.map((x) => x.id));
      this.items = [...this.items, ...page.items.filter((x) => !shown.has(x.id))];
      this.nextCursor = page.nextCursor ?? null;
    } catch (err) {
      this.error = messageOf(err);
    }
  }
}
