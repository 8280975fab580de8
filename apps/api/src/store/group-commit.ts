// Group commit, as databases have long done it: writes that reach the store
// while it is busy commit together, in one transaction when the current
// task ends, so eight concurrent ingests cost one fsync instead of eight
// (a Durable Object's SQLite commits each task's writes on its own).
//
// Nothing is answered earlier than before: a caller's promise settles only
// after the transaction holding its write ran, and the runtime's output
// gate holds every reply until that commit is durable. Each caller's
// writes run in a savepoint of their own, so one that throws rolls back
// only its own writes, and its error reaches only that caller.

interface Waiting {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** A group still open after this long commits with the next write that comes. */
const STUCK_AFTER_MS = 1_000;

export class GroupCommit {
  #waiting: Waiting[] | null = null;
  /** When the open group opened (Date.now()). */
  #openedAt = 0;
  /** Groups committed and writes in them (for the tests: the grouping is real). */
  readonly stats = { groups: 0, writes: 0 };

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Runs `write` (synchronous storage work) in the next group; its result once committed. */
  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#waiting === null) {
        this.#waiting = [];
        this.#openedAt = Date.now();
        // A macrotask, not a microtask: calls already waiting at the store's
        // door are let in first, and join this group.
        setTimeout(() => this.#flush(), 0);
      }
      this.#waiting.push({ write, resolve: resolve as (v: unknown) => void, reject });
      // Should the timer ever not fire, the next write does not join a
      // group that waits forever: it commits the group itself.
      if (Date.now() - this.#openedAt > STUCK_AFTER_MS) this.#flush();
    });
  }

  #flush(): void {
    const group = this.#waiting ?? [];
    this.#waiting = null;
    if (group.length === 0) return; // committed already (a stuck group's next write)
    const outcomes: ({ ok: true; value: unknown } | { ok: false; err: unknown })[] = [];
    try {
      this.storage.transactionSync(() => {
        for (const w of group) {
          try {
            outcomes.push({ ok: true, value: this.storage.transactionSync(w.write) });
          } catch (err) {
            outcomes.push({ ok: false, err });
          }
        }
      });
    } catch (err) {
      // The group's transaction itself failed: nobody's write stands.
      for (const w of group) w.reject(err);
      return;
    }
    this.stats.groups += 1;
    this.stats.writes += group.length;
    group.forEach((w, i) => {
      const o = outcomes[i]!;
      if (o.ok) w.resolve(o.value);
      else w.reject(o.err);
    });
  }
}
