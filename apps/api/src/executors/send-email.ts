import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { EMAIL_ADDRESS, type EmailMessage, emailProviderFor } from "./message-providers.ts";
import { type Executor, permanentFailure } from "./types.ts";

/** `send_email`: validates the rendered message and hands it to the tenant's provider. */
export const sendEmailExecutor: Executor = {
  action: "send_email",
  async execute(config, ctx) {
    const parsed = parseConfig<EmailMessage>("send_email", config);
    if (!parsed.ok) return parsed.outcome;
    const m = parsed.value;
    for (const field of ["to", "cc", "replyTo"] as const) {
      const address = m[field];
      if (address !== undefined && !EMAIL_ADDRESS.test(address.trim())) {
        return permanentFailure(
          ExecutorErrorCode.invalidConfig,
          `config.${field}: '${address}' is not an email address`,
        );
      }
    }
    const provider = await emailProviderFor(ctx);
    return provider.send({ ...m, to: m.to.trim() }, ctx);
  },
};
