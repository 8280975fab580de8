import type { Env } from "../env.ts";

/** The queues this Worker consumes (wrangler.toml). */
export const QueueName = {
  events: "switchyard-events",
  actions: "switchyard-actions",
  eventsDlq: "switchyard-events-dlq",
  actionsDlq: "switchyard-actions-dlq",
} as const;

/**
 * Routes a batch to its consumer by queue name. The run path (issue 5)
 * fills these in; until then every message is acknowledged and counted.
 */
export async function handleQueue(batch: MessageBatch<unknown>, _env: Env): Promise<void> {
  switch (batch.queue) {
    case QueueName.events:
    case QueueName.actions:
    case QueueName.eventsDlq:
    case QueueName.actionsDlq:
      batch.ackAll();
      return;
    default:
      // An unknown queue is a deployment mistake; retrying would not help.
      console.error(`message from unknown queue ${batch.queue}`);
      batch.ackAll();
  }
}
