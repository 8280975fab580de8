import { newId } from "../lib/crypto.ts";
import { parseConfig } from "./config.ts";
import { memberEmailOr } from "./members.ts";
import type { Executor } from "./types.ts";

interface NotifyUserConfig {
  user: string;
  message: string;
  link?: string;
}

/**
 * `notify_user`: an in-app notification for a member, in the tenant's store,
 * exactly once per idempotency key (the row carries the key under a unique
 * index).
 */
export const notifyUserExecutor: Executor = {
  action: "notify_user",
  async execute(config, ctx) {
    const parsed = parseConfig<NotifyUserConfig>("notify_user", config);
    if (!parsed.ok) return parsed.outcome;
    const c = parsed.value;
    const member = await memberEmailOr(ctx, "user", c.user);
    if (!member.ok) return member.outcome;
    const notification = await ctx.store.createNotification(ctx.tenantId, {
      tenantId: ctx.tenantId,
      id: newId("ntf"),
      user: member.email,
      message: c.message,
      link: c.link ?? null,
      read: false,
      runId: ctx.runId,
      stepId: ctx.stepId,
      idempotencyKey: ctx.idempotencyKey,
      createdAt: ctx.now,
    });
    return { status: "succeeded", output: { notificationId: notification.id } };
  },
};
