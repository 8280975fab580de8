import { newId } from "../lib/crypto.ts";
import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { memberEmailOr } from "./members.ts";
import { checkNotificationLink } from "./notification-link.ts";
import { type Executor, permanentFailure } from "./types.ts";

interface NotifyUserConfig {
  user: string;
  message: string;
  link?: string;
}

/**
 * `notify_user`: an in-app notification for a member, in the tenant's store,
 * exactly once per idempotency key (the row carries the key under a unique
 * index). A link that is not a path on the platform fails the step without
 * retry rather than being dropped: the same rendered config fails the same
 * way on every attempt, as any other invalid_config, and the author sees why
 * on the run instead of a notification that silently lost its link.
 */
export const notifyUserExecutor: Executor = {
  action: "notify_user",
  async execute(config, ctx) {
    const parsed = parseConfig<NotifyUserConfig>("notify_user", config);
    if (!parsed.ok) return parsed.outcome;
    const c = parsed.value;
    let link: string | null = null;
    if (c.link !== undefined) {
      const checked = checkNotificationLink(c.link);
      if (!checked.ok) {
        return permanentFailure(ExecutorErrorCode.invalidConfig, `config.link: ${checked.message}`);
      }
      link = checked.link;
    }
    const member = await memberEmailOr(ctx, "user", c.user);
    if (!member.ok) return member.outcome;
    const notification = await ctx.store.createNotification(ctx.tenantId, {
      tenantId: ctx.tenantId,
      id: newId("ntf"),
      user: member.email,
      message: c.message,
      link,
      read: false,
      runId: ctx.runId,
      stepId: ctx.stepId,
      idempotencyKey: ctx.idempotencyKey,
      createdAt: ctx.now,
    });
    return { status: "succeeded", output: { notificationId: notification.id } };
  },
};
