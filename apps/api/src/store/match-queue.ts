// The store's own queue of events to match: an event is matched by the
// store that stored it, right after it answered the ingest, without a trip
// through a shared queue and back. The queue lives in memory only: what a
// restart loses is still `accepted` in the events table, and the store's
// alarm (armed with the insert) matches it from there.
import type { Lane } from "./limits.ts";

/** Events matched per pass: their runs start together. */
export const MATCH_BATCH = 20;

export class MatchQueue {
  readonly #lanes: Record<Lane, string[]> = { main: [], bulk: [] };
  #draining = false;

  /** `match` never needs to succeed: an id it leaves unmatched is the alarm's. */
  constructor(
    private readonly match: (ids: string[]) => Promise<unknown>,
    private readonly keepAlive: (work: Promise<unknown>) => void = () => undefined,
  ) {}

  get size(): number {
    return this.#lanes.main.length + this.#lanes.bulk.length;
  }

  /** Queues ids to be matched and starts draining if nobody is. */
  add(ids: string[], lane: Lane): void {
    this.#lanes[lane].push(...ids);
    if (this.#draining) return;
    this.#draining = true;
    this.keepAlive(this.#drain());
  }

  /** The main lane first: a tenant's bulk backlog never holds up its ordinary events. */
  #take(): string[] {
    const main = this.#lanes.main.splice(0, MATCH_BATCH);
    return main.length > 0 ? main : this.#lanes.bulk.splice(0, MATCH_BATCH);
  }

  async #drain(): Promise<void> {
    try {
      for (;;) {
        const ids = this.#take();
        // Returning runs `finally` at once, so an `add` after this starts a new drain.
        if (ids.length === 0) return;
        try {
          await this.match(ids);
        } catch (err) {
          console.error(
            `matching ${ids.length} events failed; the store's alarm retries them`,
            err,
          );
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}
