import { z } from "zod";
import type { Env } from "../env.ts";
import { storeFor } from "../store/client.ts";
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
  switch (batch.queue) {
    case QueueName.events:
    case QueueName.eventsBulk:
      return consumeEvents(batch, env);
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
          // Only the queue gave up: the event stays accepted and the store's
          // alarm keeps matching it with long backoff; it is marked failed
          // only after every one of those tries (POST /v1/events/:id/redrive).
          const store = storeFor(env, m.tenantId);
          await store.matchEvents(m.tenantId, [m.eventId]);
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
 * The EVENTS consumer, a batch at a time: one call per tenant's store, which
 * matches that tenant's events (its live workflows, its events and its runs
 * index are all inside it). A message is acked when its event is done and
 * retried otherwise; matching is idempotent, so a retry only repeats work.
 */
async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const byTenant = new Map<string, { message: Message<unknown>; eventId: string }[]>();
  for (const message of batch.messages) {
    const m = EventMessage.safeParse(message.body);
    if (!m.success) {
      console.error(`malformed message on ${batch.queue}, dropped`, message.body);
      message.ack();
      continue;
    }
    const list = byTenant.get(m.data.tenantId) ?? [];
    list.push({ message, eventId: m.data.eventId });
    byTenant.set(m.data.tenantId, list);
  }
  await Promise.all(
    [...byTenant].map(async ([tenantId, items]) => {
      try {
        const done = new Set(
          await storeFor(env, tenantId).matchEvents(
            tenantId,
            items.map((i) => i.eventId),
          ),
        );
        for (const i of items) {
          if (done.has(i.eventId)) i.message.ack();
          else retry(batch.queue, i.message, new Error(`event ${i.eventId} not matched yet`));
        }
      } catch (err) {
        for (const i of items) retry(batch.queue, i.message, err);
      }
    }),
  );
}
