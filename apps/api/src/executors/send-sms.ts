import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { PHONE_NUMBER, type SmsMessage, smsProviderFor } from "./message-providers.ts";
import { type Executor, permanentFailure } from "./types.ts";

/** `send_sms`: validates the rendered message and hands it to the tenant's provider. */
export const sendSmsExecutor: Executor = {
  action: "send_sms",
  async execute(config, ctx) {
    const parsed = parseConfig<SmsMessage>("send_sms", config);
    if (!parsed.ok) return parsed.outcome;
    const m = parsed.value;
    if (!PHONE_NUMBER.test(m.to.trim())) {
      return permanentFailure(
        ExecutorErrorCode.invalidConfig,
        `config.to: '${m.to}' is not a phone number`,
      );
    }
    const provider = await smsProviderFor(ctx);
    return provider.send({ ...m, to: m.to.trim() }, ctx);
  },
};
