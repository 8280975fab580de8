// A loop's items in a run (issue 15, part 2; apps/api GET /v1/runs/:id/items):
// each item's status, value, result and steps, a page at a time, by status.
import { api, type RunStep } from "./api";

export type ItemStatus = "pending" | "running" | "succeeded" | "failed" | "cancelled";

export interface LoopItemView {
  id: string;
  index: number;
  status: ItemStatus | string;
  /** The item's value in the list. */
  item: unknown;
  output?: unknown;
  error?: unknown;
  startedAt?: string | null;
  finishedAt?: string | null;
  /** The item's steps, as the run's steps are shown (ids like `reserve[3]`). */
  steps: RunStep[];
}

export interface ItemsPage {
  items: LoopItemView[];
  nextCursor: string | null;
}

const enc = encodeURIComponent;

export const itemEndpoints = {
  /** One page of a loop's items, in list order; `status` narrows them. */
  list: (
    runId: string,
    step: string,
    opts: { status?: string; cursor?: string | null; limit?: number } = {},
  ) => {
    const q = new URLSearchParams({ step, limit: String(opts.limit ?? 20) });
    if (opts.status) q.set("status", opts.status);
    if (opts.cursor) q.set("cursor", opts.cursor);
    return api<ItemsPage>("GET", `/v1/runs/${enc(runId)}/items?${q}`);
  },
};
