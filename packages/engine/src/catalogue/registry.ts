// The catalogue: every action Switchyard can run, looked up by name.
import { z } from "zod";
import { requestApproval } from "./actions/approval.ts";
import { sendGoogleChatMessage, sendSlackMessage, sendTeamsMessage } from "./actions/chat.ts";
import { httpRequest } from "./actions/http.ts";
import { notifyUser, sendEmail, sendSms } from "./actions/messaging.ts";
import { createTask, updateRecord } from "./actions/records.ts";
import { callWebhook } from "./actions/webhook.ts";
import type { ActionDefinition } from "./define-action.ts";

const ACTIONS: readonly ActionDefinition[] = [
  sendEmail,
  sendSms,
  updateRecord,
  callWebhook,
  createTask,
  notifyUser,
  requestApproval,
  httpRequest,
  sendSlackMessage,
  sendTeamsMessage,
  sendGoogleChatMessage,
];

const BY_NAME = new Map<string, ActionDefinition>(ACTIONS.map((action) => [action.name, action]));

/** The builder's view of one action. */
export interface ActionInfo {
  name: string;
  title: string;
  description: string;
  configSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  sampleOutput: unknown;
}

let infos: ActionInfo[] | undefined;

/**
 * Every action with JSON Schemas for its config and output (the builder
 * renders forms from them). Computed once.
 * @example listActions().map((a) => a.name) // ["send_email", "send_sms", …]
 */
export function listActions(): ActionInfo[] {
  infos ??= ACTIONS.map((action) => ({
    name: action.name,
    title: action.title,
    description: action.description,
    configSchema: z.toJSONSchema(action.config, { io: "input" }) as Record<string, unknown>,
    outputSchema: z.toJSONSchema(action.output, { io: "output" }) as Record<string, unknown>,
    sampleOutput: action.sampleOutput,
  }));
  return infos;
}

/**
 * One action by name, or `undefined`.
 * @example getAction("send_email")?.title // "Send email"
 */
export function getAction(name: string): ActionDefinition | undefined {
  return BY_NAME.get(name);
}

/** The names of all actions, in catalogue order. */
export function actionNames(): string[] {
  return ACTIONS.map((action) => action.name);
}
