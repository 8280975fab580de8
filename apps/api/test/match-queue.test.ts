import { describe, expect, it } from "vitest";
import { MATCH_BATCH, MatchQueue } from "../src/store/match-queue.ts";

/** A queue whose matcher records each pass and waits until told to go on. */
function recording(fail?: (ids: string[]) => boolean) {
  const passes: string[][] = [];
  let release: () => void = () => undefined;
  const pending: Promise<void>[] = [];
  const q = new MatchQueue(
    async (ids) => {
      passes.push(ids);
      await new Promise<void>((r) => (release = r));
      if (fail?.(ids)) throw new Error("run object did not answer");
    },
    (work) => pending.push(work as Promise<void>),
  );
  const step = async () => {
    release();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { q, passes, step, pending };
}

describe("the store's match queue", () => {
  it("matches at once, then what arrived meanwhile in one pass, main lane first", async () => {
    const { q, passes, step, pending } = recording();
    q.add(["a"], "main");
    expect(passes).toEqual([["a"]]);
    q.add(["b1", "b2"], "bulk");
    q.add(["c"], "main");
    await step();
    expect(passes[1]).toEqual(["c"]);
    await step();
    expect(passes[2]).toEqual(["b1", "b2"]);
    await step();
    await Promise.all(pending);
    expect(q.size).toBe(0);
    expect(pending).toHaveLength(1);
    // Idle again: the next add starts a new drain.
    q.add(["d"], "main");
    expect(passes[3]).toEqual(["d"]);
    expect(pending).toHaveLength(2);
    await step();
  });

  it("matches at most a batch per pass", async () => {
    const { q, passes, step } = recording();
    q.add(["first"], "main");
    q.add(
      Array.from({ length: MATCH_BATCH + 5 }, (_, i) => `e${i}`),
      "main",
    );
    await step();
    expect(passes[1]).toHaveLength(MATCH_BATCH);
    await step();
    expect(passes[2]).toHaveLength(5);
    await step();
  });

  it("a failing pass leaves its events to the alarm and goes on with the rest", async () => {
    const { q, passes, step, pending } = recording((ids) => ids.includes("bad"));
    q.add(["bad"], "main");
    q.add(["good"], "main");
    await step();
    expect(passes).toEqual([["bad"], ["good"]]);
    await step();
    await Promise.all(pending);
    expect(q.size).toBe(0);
  });
});
