// What every outbound call checks besides the SSRF guard's address rules:
// the Worker's settings for the guard, and no calls to the platform's own
// public host (call_webhook, connections, chat actions).
import type { Env } from "../env.ts";
import { allowedHost, type GuardSettings, isPlatformHost } from "../lib/ssrf.ts";
import { permanentFailure } from "./types.ts";

/** The SSRF guard's settings from the Worker's variables. */
export function guardSettingsOf(env: Env): GuardSettings {
  return {
    allowPrivate: env.SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS,
    allowHosts: env.SWITCHYARD_WEBHOOK_ALLOW_HOSTS,
  };
}

/**
 * A call to the platform's own public host (any path: `/v1/events`, an
 * inbound hook…) would start runs outside the emit path, where the loop
 * guard counts the causation chain, so a workflow could trigger itself
 * forever. Refused for good unless SWITCHYARD_WEBHOOK_ALLOW_HOSTS names the
 * host: that variable is already the operator's explicit "this host is a
 * trusted receiver" list, so listing the platform is a deliberate opt-in,
 * whereas SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS (a blanket development switch)
 * does not lift it.
 */
export function refuseSelfCall(url: URL, env: Env, from?: string) {
  if (!isPlatformHost(url, env.SWITCHYARD_PUBLIC_URL)) return null;
  if (allowedHost(url, env.SWITCHYARD_WEBHOOK_ALLOW_HOSTS)) return null;
  return permanentFailure(
    "self_call_refused",
    `${from ? `redirect from ${from}: ` : ""}${url.host}: calls to this platform's own API are refused: use an emitted event instead`,
  );
}
