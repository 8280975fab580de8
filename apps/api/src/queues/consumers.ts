import { z } from "zod";
import type { Env } from "../env.ts";
import { failPoisonAction, runAction } from "./action-consumer.ts";

/** The queues this Worker consumes (wrangler.toml). */
export const QueueName = {
  actions: "switchyard-actions",
  actionsBulk: "switchyard-actions-bulk",
  actionsDlq: "switchyard-actions-dlq",
} as const;

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
    case QueueName.actions:
    case QueueName.actionsBulk:
      // Actions are independent: a slow webhook must not hold up the rest of its batch.
      await Promise.all(
        batch.messages.map((message) =>
          settle(batch.queue, message, () => runAction(env, ActionMessage.parse(message.body))),
        ),
      );
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
