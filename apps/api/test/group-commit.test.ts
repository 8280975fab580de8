import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GroupCommit } from "../src/store/group-commit.ts";
import { call, newTenant } from "./helpers.ts";

// The store's hot writes (ingest, the runs index, effects) commit in groups:
// one transaction, so one fsync, for the calls that reach it together.

const freshStore = () => env.STORES.get(env.STORES.idFromName(`group-${crypto.randomUUID()}`));

describe("group commit", () => {
  it("commits writes made in the same task as one group, each answered with its own result", async () => {
    await runInDurableObject(freshStore(), async (_i, state) => {
      state.storage.sql.exec("CREATE TABLE g (n INTEGER PRIMARY KEY)");
      const commits = new GroupCommit(state.storage);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          commits.run(() => {
            state.storage.sql.exec("INSERT INTO g (n) VALUES (?)", n);
            return n * 2;
          }),
        ),
      );
      expect(results).toEqual(Array.from({ length: 10 }, (_, n) => n * 2));
      expect(commits.stats).toEqual({ groups: 1, writes: 10 });
      // A write after the group committed starts the next one.
      await commits.run(() => state.storage.sql.exec("INSERT INTO g (n) VALUES (10)"));
      expect(commits.stats).toEqual({ groups: 2, writes: 11 });
      expect(state.storage.sql.exec("SELECT count(*) AS c FROM g").one().c).toBe(11);
    });
  });

  it("rolls back only the write that failed, and tells only its caller", async () => {
    await runInDurableObject(freshStore(), async (_i, state) => {
      state.storage.sql.exec("CREATE TABLE g (n INTEGER PRIMARY KEY)");
      const commits = new GroupCommit(state.storage);
      const insert = (n: number) => () => state.storage.sql.exec("INSERT INTO g (n) VALUES (?)", n);
      const outcomes = await Promise.allSettled([
        commits.run(insert(1)),
        commits.run(() => {
          insert(2)();
          insert(1)(); // a duplicate key: this write fails after half of it ran
        }),
        commits.run(insert(3)),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
      const kept = state.storage.sql
        .exec<{ n: number }>("SELECT n FROM g ORDER BY n")
        .toArray()
        .map((r) => r.n);
      expect(kept).toEqual([1, 3]);
    });
  });

  it("answers concurrent ingests each with its own event, duplicates as duplicates", async () => {
    const t = await newTenant();
    const sent = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call("POST", "/v1/events", {
          key: t.key,
          body: { id: `ev-${i % 6}`, type: "order.created", data: { i } },
        }),
      ),
    );
    expect(sent.every((r) => r.status === 202 || r.status === 200)).toBe(true);
    const ids = new Set(sent.map((r) => r.body.id));
    expect(ids.size).toBe(6);
    const listed = await call("GET", "/v1/events?type=order.created&limit=50", { key: t.key });
    expect(listed.body.items).toHaveLength(6);
  });
});

describe("group commit, should its timer never fire", () => {
  it("commits a group left open with the next write that comes", async () => {
    await runInDurableObject(freshStore(), async (_i, state) => {
      state.storage.sql.exec("CREATE TABLE g (n INTEGER PRIMARY KEY)");
      const commits = new GroupCommit(state.storage);
      const realSetTimeout = globalThis.setTimeout;
      // The first group's timer is lost.
      globalThis.setTimeout = (() => 0) as unknown as typeof setTimeout;
      let first: Promise<unknown>;
      try {
        first = commits.run(() => state.storage.sql.exec("INSERT INTO g (n) VALUES (1)"));
      } finally {
        globalThis.setTimeout = realSetTimeout;
      }
      // Time passes (in a Worker, the clock moves between I/O): the next write commits both.
      await new Promise((r) => realSetTimeout(r, 1_100));
      const second = commits.run(() => state.storage.sql.exec("INSERT INTO g (n) VALUES (2)"));
      await Promise.all([first, second]);
      expect(state.storage.sql.exec("SELECT count(*) AS c FROM g").one().c).toBe(2);
      expect(commits.stats).toEqual({ groups: 1, writes: 2 });
    });
  });
});
