import { createRoute, z } from "@hono/zod-openapi";
import { authorize } from "../auth/authenticate.ts";
import { createRouter } from "../http.ts";
import { type AuditEntry as ChangeEntry, listAudit, verifyAudit } from "../repositories/audit.ts";
import { auditKeyOf } from "../services/context.ts";
import { storeFor } from "../store/client.ts";
import type { RunLogEntry } from "../store/run-log.ts";
import { decodeCursor, encodeCursor, errors, jsonResponse, ListQuery } from "./common.ts";

const AuditEntry = z
  .object({
    id: z.string(),
    seq: z.number(),
    at: z.string(),
    actor: z.object({ type: z.enum(["user", "api_key", "system", "platform"]), id: z.string() }),
    type: z.string().openapi({
      example: "workflow.created",
      description:
        "API.md's entry types, and more: `demo.reset` (the platform's demo seed reset the demo tenant's admin password or API key; `details.reset` lists which), `run.retried` and `run.cancelled` (in the `runs` chain, written with the run's change)",
    }),
    subject: z.string(),
    details: z.record(z.string(), z.unknown()),
    hash: z.string(),
    prevHash: z.string(),
    chain: z.enum(["changes", "runs"]).openapi({
      description:
        "`changes`: what people and integrators changed (D1); `runs`: what runs recorded (the tenant's store). Each is its own chain; `seq` and the hashes belong to it.",
    }),
  })
  .openapi("AuditEntry");

const Rfc3339 = z.iso.datetime({ offset: true });

const AuditQuery = ListQuery.extend({
  type: z.string().max(100).optional(),
  actor: z.string().max(100).optional().openapi({ description: "An actor id (user, API key)" }),
  since: Rfc3339.optional(),
  until: Rfc3339.optional(),
});

const BrokenAt = z.object({
  seq: z.number(),
  id: z.string().nullable(),
  reason: z.enum(["hash_mismatch", "broken_link", "gap"]),
});

const ChainResult = z.object({
  ok: z.boolean(),
  entries: z.number(),
  brokenAt: BrokenAt.optional(),
});

const Verify = z
  .object({
    ok: z.boolean(),
    entries: z
      .number()
      .openapi({ description: "Entries verified before the first broken link, or all" }),
    brokenAt: BrokenAt.extend({ chain: z.enum(["changes", "runs"]) }).optional(),
    chains: z.object({ changes: ChainResult, runs: ChainResult }),
    nextCursor: z.string().nullable().openapi({
      description:
        "A request verifies at most `limit` entries of each chain; pass this cursor to continue from there (null: both chains verified to their head)",
    }),
  })
  .openapi("AuditVerification");

/** Where a paged verification continues in each chain (null: that chain is done). */
interface VerifyCursor {
  changes: { seq: number; hash: string } | null | "done";
  runs: { seq: number; hash: string } | null | "done";
}
const isPosition = (v: unknown): boolean =>
  v === null ||
  v === "done" ||
  (typeof v === "object" &&
    typeof (v as { seq: unknown }).seq === "number" &&
    typeof (v as { hash: unknown }).hash === "string");
const isVerifyCursor = (v: unknown): v is VerifyCursor =>
  typeof v === "object" &&
  v !== null &&
  isPosition((v as VerifyCursor).changes) &&
  isPosition((v as VerifyCursor).runs);

/** A position in the merged list: newest first by time, then chain, then seq. */
interface ListCursor {
  at: string;
  chain: "changes" | "runs";
  seq: number;
}
const isListCursor = (v: unknown): v is ListCursor =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as ListCursor).at === "string" &&
  ((v as ListCursor).chain === "changes" || (v as ListCursor).chain === "runs") &&
  Number.isInteger((v as ListCursor).seq);

const RANK = { changes: 1, runs: 0 } as const;

/** Merged order: at desc, then the change log before the run log, then seq desc. */
function newerFirst(a: ListCursor, b: ListCursor): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  if (a.chain !== b.chain) return RANK[b.chain] - RANK[a.chain];
  return b.seq - a.seq;
}

/** The bound for one chain's query: strictly after `c` in the merged order. */
function boundFor(chain: "changes" | "runs", c: ListCursor | undefined) {
  if (!c) return undefined;
  if (chain === c.chain) return { at: c.at, seq: c.seq };
  // Entries of the other chain at the same instant come before (bound 0)
  // or after (every seq) the cursor, by the chains' rank.
  return { at: c.at, seq: RANK[chain] < RANK[c.chain] ? Number.MAX_SAFE_INTEGER : 0 };
}

const toUtc = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

export const auditRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/audit",
      tags: ["Audit"],
      summary: "The tenant's audit log, newest first",
      request: { query: AuditQuery },
      responses: {
        200: jsonResponse(
          z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }),
          "Entries",
        ),
        ...errors(400, 401, 403),
      },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const after = decodeCursor(q.cursor, isListCursor);
      const filters = {
        type: q.type,
        actor: q.actor,
        since: toUtc(q.since),
        until: toUtc(q.until),
        limit: q.limit + 1,
      };
      const [changes, runs] = await Promise.all([
        listAudit(c.var.db, p.tenantId, { ...filters, before: boundFor("changes", after) }),
        storeFor(c.env, p.tenantId).listRunLog(p.tenantId, {
          ...filters,
          before: boundFor("runs", after),
        }) as Promise<unknown> as Promise<RunLogEntry[]>,
      ]);
      const merged = [
        ...changes.map((e: ChangeEntry) => ({ ...e, chain: "changes" as const })),
        ...runs.map((e) => ({ ...e, chain: "runs" as const })),
      ].sort(newerFirst);
      const page = merged.slice(0, q.limit);
      const last = page[page.length - 1];
      return c.json(
        {
          items: page as z.infer<typeof AuditEntry>[],
          nextCursor:
            merged.length > q.limit && last
              ? encodeCursor({ at: last.at, chain: last.chain, seq: last.seq } satisfies ListCursor)
              : null,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/audit/verify",
      tags: ["Audit"],
      summary: "Recompute both chains' HMACs: ok, or the first broken link",
      request: {
        query: z.object({
          cursor: z.string().max(1000).optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(5_000),
        }),
      },
      responses: { 200: jsonResponse(Verify, "The verification"), ...errors(400, 401, 403) },
    }),
    async (c) => {
      const p = authorize(c, "read");
      const q = c.req.valid("query");
      const from = decodeCursor(q.cursor, isVerifyCursor) ?? { changes: null, runs: null };
      const key = auditKeyOf(c.env);
      const done = { ok: true as const, entries: 0, next: null };
      const [changes, runs] = await Promise.all([
        from.changes === "done"
          ? done
          : verifyAudit(c.var.db, key, p.tenantId, from.changes, q.limit),
        from.runs === "done"
          ? done
          : storeFor(c.env, p.tenantId).verifyRunLog(p.tenantId, from.runs, q.limit),
      ]);
      const broken = !changes.ok
        ? { ...changes.brokenAt, chain: "changes" as const }
        : !runs.ok
          ? { ...runs.brokenAt, chain: "runs" as const }
          : undefined;
      const next: VerifyCursor | null =
        broken || (changes.ok && !changes.next && runs.ok && !runs.next)
          ? null
          : {
              changes: changes.ok && changes.next ? changes.next : "done",
              runs: runs.ok && runs.next ? runs.next : "done",
            };
      const strip = (r: typeof changes) =>
        r.ok
          ? { ok: true, entries: r.entries }
          : { ok: false, entries: r.entries, brokenAt: r.brokenAt };
      return c.json(
        {
          ok: !broken,
          entries: changes.entries + runs.entries,
          ...(broken ? { brokenAt: broken } : {}),
          chains: { changes: strip(changes), runs: strip(runs) },
          nextCursor: next ? encodeCursor(next) : null,
        },
        200,
      );
    },
  );
