// An in-memory index of open waits by (event type, key paths, key values):
// the same keys the tenant's store indexes in SQLite (apps/api
// store/waits.ts). An event's candidates cost one lookup per distinct set
// of key paths among the waits of its type, whatever the number of waits.
import type { EventEnvelope } from "../context/context.ts";
import { eventKey, waitKey } from "./keys.ts";

export interface IndexedWait {
  runId: string;
  stepId: string;
  /** The event types it waits for. */
  types: string[];
  /** Key values by event path (`openKeys`); empty: unkeyed. */
  keys: Record<string, unknown>;
}

interface PathBucket {
  byHash: Map<string, Map<string, IndexedWait>>;
  size: number;
}

const idOf = (runId: string, stepId: string): string => `${runId}\n${stepId}`;

/**
 * Open waits, found by an incoming event's keys.
 * @example
 * const index = new WaitIndex();
 * index.add({ runId, stepId: "accepted", types: ["quote.accepted"], keys: { "data.quote_id": "q_1" } });
 * index.candidates(event) // the waits whose keys the event carries
 */
export class WaitIndex {
  readonly #byType = new Map<string, Map<string, PathBucket>>();
  readonly #waits = new Map<string, IndexedWait>();

  get size(): number {
    return this.#waits.size;
  }

  add(wait: IndexedWait): void {
    this.remove(wait.runId, wait.stepId);
    const id = idOf(wait.runId, wait.stepId);
    this.#waits.set(id, wait);
    const key = waitKey(wait.keys);
    for (const type of new Set(wait.types)) {
      let paths = this.#byType.get(type);
      if (paths === undefined) {
        paths = new Map();
        this.#byType.set(type, paths);
      }
      let bucket = paths.get(key.pathSet);
      if (bucket === undefined) {
        bucket = { byHash: new Map(), size: 0 };
        paths.set(key.pathSet, bucket);
      }
      let waits = bucket.byHash.get(key.hash);
      if (waits === undefined) {
        waits = new Map();
        bucket.byHash.set(key.hash, waits);
      }
      waits.set(id, wait);
      bucket.size++;
    }
  }

  remove(runId: string, stepId: string): void {
    const id = idOf(runId, stepId);
    const wait = this.#waits.get(id);
    if (wait === undefined) return;
    this.#waits.delete(id);
    const key = waitKey(wait.keys);
    for (const type of new Set(wait.types)) {
      const paths = this.#byType.get(type);
      const bucket = paths?.get(key.pathSet);
      const waits = bucket?.byHash.get(key.hash);
      if (!paths || !bucket || !waits?.delete(id)) continue;
      bucket.size--;
      if (waits.size === 0) bucket.byHash.delete(key.hash);
      if (bucket.size === 0) paths.delete(key.pathSet);
      if (paths.size === 0) this.#byType.delete(type);
    }
  }

  /** The waits `event` may resume: its keys match theirs (the match itself decides later). */
  candidates(event: EventEnvelope): IndexedWait[] {
    const paths = this.#byType.get(event.type);
    if (paths === undefined) return [];
    const out: IndexedWait[] = [];
    for (const [pathSet, bucket] of paths) {
      const hash = eventKey(event, pathSet);
      if (hash === null) continue;
      const waits = bucket.byHash.get(hash);
      if (waits) out.push(...waits.values());
    }
    return out;
  }
}
