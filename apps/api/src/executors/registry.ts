import { callWebhookExecutor } from "./call-webhook.ts";
import { createTaskExecutor } from "./create-task.ts";
import { httpRequestExecutor } from "./http-request.ts";
import { notifyUserExecutor } from "./notify-user.ts";
import { requestApprovalExecutor } from "./request-approval.ts";
import { sendEmailExecutor } from "./send-email.ts";
import { sendGoogleChatMessageExecutor } from "./send-google-chat-message.ts";
import { sendSlackMessageExecutor } from "./send-slack-message.ts";
import { sendSmsExecutor } from "./send-sms.ts";
import { sendTeamsMessageExecutor } from "./send-teams-message.ts";
import type { Executor } from "./types.ts";
import { updateRecordExecutor } from "./update-record.ts";

/**
 * Every executor, by action name. One module each; registered statically so
 * the Worker's bundle holds them all and no import order can leave one out.
 */
const executors = new Map<string, Executor>();

/** Adds (or replaces) the executor of `executor.action`. */
export function registerExecutor(executor: Executor): void {
  executors.set(executor.action, executor);
}

for (const executor of [
  sendEmailExecutor,
  sendSmsExecutor,
  updateRecordExecutor,
  createTaskExecutor,
  notifyUserExecutor,
  requestApprovalExecutor,
  callWebhookExecutor,
  httpRequestExecutor,
  sendSlackMessageExecutor,
  sendTeamsMessageExecutor,
  sendGoogleChatMessageExecutor,
]) {
  registerExecutor(executor);
}

/**
 * The executor of an action, or undefined when this Worker has none.
 * @example executorFor("send_email")?.execute(config, ctx)
 */
export function executorFor(action: string): Executor | undefined {
  return executors.get(action);
}
