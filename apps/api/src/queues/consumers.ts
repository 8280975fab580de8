import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { createDb } from "../db/client.ts";
import { events } from "../db/schema.ts";
import type { Env } from "../env.ts";
import { nowIso } from "../lib/time.ts";
import { getEventRow } from "../services/events.ts";
import { matchEvent } from "../services/matcher.ts";
import { failPoisonAction, runAction } from "./action-consumer.ts";

/** The queues this Worker consumes (wrangler.toml). */
export const QueueName = {
  events: "switchyard-events",
  actions: "switchyard-actions",
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
  for (const message of batch.messages) {
    try {
      switch (batch.queue) {
        case QueueName.events: {
          const m = EventMessage.parse(message.body);
          const e = await getEventRow(db, m.tenantId, m.eventId);
          if (e) await matchEvent(env, db, e, nowIso());
          break;
        }
        case QueueName.actions:
          await runAction(env, ActionMessage.parse(message.body));
          break;
        case QueueName.eventsDlq: {
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
          break;
        }
        case QueueName.actionsDlq:
          await failPoisonAction(env, ActionMessage.parse(message.body));
          break;
        default:
          console.error(`message from unknown queue ${batch.queue}`);
      }
      message.ack();
    } catch (err) {
      if (err instanceof z.ZodError) {
        console.error(`malformed message on ${batch.queue}, dropped`, message.body);
        message.ack();
        continue;
      }
      console.error(
        `message on ${batch.queue} failed (attempt ${message.attempts}); retrying`,
        err,
      );
      message.retry({ delaySeconds: Math.min(30, 2 ** message.attempts) });
    }
  }
}
