import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { createDb, type Db } from "../db/client.ts";
import { events } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { nowIso } from "../lib/time.ts";
import { type EventRow, eventKey, getEventRows } from "../services/events.ts";
import { LiveWorkflowsMemo, markMatched, matchEvent } from "../services/matcher.ts";
import type { Lane } from "../services/rate-limit.ts";
import { failPoisonAction, runAction } from "./action-consumer.ts";

/** The queues this Worker consumes (wrangler.toml). */
export const QueueName = {
  events: "switchyard-events",
  actions: "switchyard-actions",
  eventsBulk: "switchyard-events-bulk",
  actionsBulk: "switchyard-actions-bulk",
  eventsDlq: "switchyard-events-dlq",
  actionsDlq: "switchyard-actions-dlq",
} as const;

const EventMessage = z.object({ tenantId: z.string(), eventId: z.string() });
const ActionMessage = z.object({
  tenantId: z.string(),
  runId: z.string(),
  stepId: z.string(),
  attempt: z.number().int(),
});

/**
 * Routes a batch to its consumer by queue name. Each message is acked or
 * retried on its own; a malformed message is acked and logged (retrying
 * cannot fix it).
 */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const db = createDb(env.DB);
  switch (batch.queue) {
    case QueueName.events:
      return consumeEvents(batch, env, db, "main");
    case QueueName.eventsBulk:
      return consumeEvents(batch, env, db, "bulk");
    case QueueName.actions:
    case QueueName.actionsBulk:
      // Actions are independent: a slow webhook must not hold up the rest of its batch.
      await Promise.all(
        batch.messages.map((message) =>
          settle(batch.queue, message, () => runAction(env, ActionMessage.parse(message.body))),
        ),
      );
      return;
    case QueueName.eventsDlq:
      for (const message of batch.messages) {
        await settle(batch.queue, message, async () => {
          const m = EventMessage.parse(message.body);
          await db
            .update(events)
            .set({ status: "failed", error: "matching failed after every retry" })
            .where(
              and(
                eq(events.tenantId, m.tenantId),
                eq(events.id, m.eventId),
                eq(events.status, "accepted"),
              ),
            );
        });
      }
      return;
    case QueueName.actionsDlq:
      for (const message of batch.messages) {
        await settle(batch.queue, message, () =>
          failPoisonAction(env, ActionMessage.parse(message.body)),
        );
      }
      return;
    default:
      console.error(`message from unknown queue ${batch.queue}`);
      for (const message of batch.messages) message.ack();
  }
}

/** Acks the message when `work` succeeds, drops it when it is malformed, else retries it. */
async function settle(
  queue: string,
  message: Message<unknown>,
  work: () => Promise<void>,
): Promise<void> {
  try {
    await work();
    message.ack();
  } catch (err) {
    if (err instanceof z.ZodError) {
      console.error(`malformed message on ${queue}, dropped`, message.body);
      message.ack();
      return;
    }
    retry(queue, message, err);
  }
}

function retry(queue: string, message: Message<unknown>, err: unknown): void {
  console.error(`message on ${queue} failed (attempt ${message.attempts}); retrying`, err);
  message.retry({ delaySeconds: Math.min(30, 2 ** message.attempts) });
}

/**
 * The EVENTS consumer, a batch at a time: one read for the batch's events,
 * one read of the live workflows per (tenant, type), each event matched on
 * its own (a failure retries only that event), then one write marking the
 * matched ones. Matching is idempotent, so a failed final write just retries.
 */
async function consumeEvents(
  batch: MessageBatch<unknown>,
  env: Env,
  db: Db,
  lane: Lane,
): Promise<void> {
  const parsed: { message: Message<unknown>; m: z.infer<typeof EventMessage> }[] = [];
  for (const message of batch.messages) {
    const m = EventMessage.safeParse(message.body);
    if (m.success) parsed.push({ message, m: m.data });
    else {
      console.error(`malformed message on ${batch.queue}, dropped`, message.body);
      message.ack();
    }
  }
  let rows: Map<string, EventRow>;
  try {
    rows = await getEventRows(
      db,
      parsed.map((p) => p.m),
    );
  } catch (err) {
    for (const p of parsed) retry(batch.queue, p.message, err);
    return;
  }
  const at = nowIso();
  const memo = new LiveWorkflowsMemo();
  const matched: { tenantId: string; id: string; message: Message<unknown> }[] = [];
  for (const { message, m } of parsed) {
    const e = rows.get(eventKey(m.tenantId, m.eventId));
    if (e?.status !== "accepted") {
      message.ack();
      continue;
    }
    try {
      await matchEvent(env, db, e, at, memo, lane);
      matched.push({ tenantId: e.tenantId, id: e.id, message });
    } catch (err) {
      retry(batch.queue, message, err);
    }
  }
  try {
    await markMatched(db, matched, at);
    for (const e of matched) e.message.ack();
  } catch (err) {
    for (const e of matched) retry(batch.queue, e.message, err);
  }
}
