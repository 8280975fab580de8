// Actions that send a message to a person.
import { z } from "zod";
import { defineAction, person, text } from "../define-action.ts";
import { platformLink } from "../platform-link.ts";

const sentMessage = z.object({
  messageId: z.string().describe("The provider's message id"),
  provider: z.string().describe('Which provider sent it ("outbox", "resend", "twilio")'),
});

export const sendEmail = defineAction({
  name: "send_email",
  title: "Send email",
  description: "Sends an email through the tenant's email provider (the local outbox by default).",
  config: z.strictObject({
    to: text("Recipient address"),
    subject: text("Subject line"),
    body: text("Message body (plain text)"),
    cc: text("Copy to this address").optional(),
    replyTo: text("Reply-To address").optional(),
  }),
  output: sentMessage,
  sampleOutput: { messageId: "msg_sample", provider: "outbox" },
});

export const sendSms = defineAction({
  name: "send_sms",
  title: "Send SMS",
  description:
    "Sends a text message through the tenant's SMS provider (the local outbox by default).",
  config: z.strictObject({
    to: text("Recipient phone number"),
    body: text("Message text"),
  }),
  output: sentMessage,
  sampleOutput: { messageId: "sms_sample", provider: "outbox" },
});

export const notifyUser = defineAction({
  name: "notify_user",
  title: "Notify a member",
  description: "Shows an in-app notification to a member of the tenant.",
  config: z.strictObject({
    user: person("The member's email"),
    message: text("Notification text"),
    link: platformLink(
      "A path on this platform to open, such as /runs/run_1 (a template is checked again when it is sent)",
    ).optional(),
  }),
  output: z.object({ notificationId: z.string() }),
  sampleOutput: { notificationId: "ntf_sample" },
});
