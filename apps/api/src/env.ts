import type { TenantStore } from "./durable-objects/tenant-store.ts";
import type { WorkflowRun } from "./durable-objects/workflow-run.ts";

/** The Worker's bindings and secrets (wrangler.toml, .dev.vars). */
export interface Env {
  DB: D1Database;
  RUNS: DurableObjectNamespace<WorkflowRun>;
  /** One per tenant: its data plane (durable-objects/tenant-store.ts). */
  STORES: DurableObjectNamespace<TenantStore>;
  ACTIONS: Queue<unknown>;
  /** The bulk lane (store/limits.ts): a bursting tenant's actions. */
  ACTIONS_BULK: Queue<unknown>;
  ASSETS: Fetcher;
  SWITCHYARD_PLATFORM_TOKEN?: string;
  SWITCHYARD_ENCRYPTION_KEY?: string;
  /** During a master-key rotation: the key before it (tenants' data keys are re-wrapped on use; store/vault.ts). */
  SWITCHYARD_ENCRYPTION_KEY_PREVIOUS?: string;
  SWITCHYARD_AUDIT_KEY?: string;
  SWITCHYARD_PUBLIC_URL?: string;
  SWITCHYARD_DEMO_PASSWORD?: string;
  SWITCHYARD_DEMO_API_KEY?: string;
  SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS?: string;
  /** The platform's own emails (password resets): sender and Resend key; unset, they stay in the platform outbox. */
  SWITCHYARD_PLATFORM_EMAIL_FROM?: string;
  SWITCHYARD_PLATFORM_RESEND_API_KEY?: string;
  SWITCHYARD_WEBHOOK_ALLOW_HOSTS?: string;
  /** DNS-over-HTTPS (JSON API) for single sign-on domain checks; unset, https://cloudflare-dns.com/dns-query. */
  SWITCHYARD_DOH_URL?: string;
  /** Tests only: a fake Resend API's base URL. Production leaves it unset (https://api.resend.com). */
  SWITCHYARD_RESEND_API_URL?: string;
  /** Tests only: a fake Twilio API's base URL. Production leaves it unset (https://api.twilio.com). */
  SWITCHYARD_TWILIO_API_URL?: string;
  /** JSON overriding per-tenant request rates, e.g. {"events":{"perSecond":10,"burst":30}}. */
  SWITCHYARD_RATE_LIMITS?: string;
  /** Tests only: "true" refuses what Cloudflare's D1 refuses (100 bound parameters, 50-byte patterns; lib/d1-limits.ts). */
  SWITCHYARD_D1_LIMITS?: string;
  /** Benchmarks only: "true" counts D1 statements (lib/d1-stats.ts, GET /v1/platform/d1-stats). */
  SWITCHYARD_D1_STATS?: string;
}
