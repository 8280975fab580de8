// The resources the builder reads beside workflows and runs: approvals,
// tasks, notifications, the outbox, the audit log, API keys, webhook
// sources and settings (shared/API.md). api.ts re-exports them.
import type { AlertSettings } from "./api-alerts";

export interface Approval {
  id: string;
  runId: string;
  stepId: string;
  workflowId: string;
  title: string;
  description: string | null;
  approver: string;
  status: "pending" | "approved" | "rejected" | "expired" | "cancelled";
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  expiresAt: string;
  createdAt: string;
  /** The facts to decide on, as the workflow's author chose them (issue 14, item 7). */
  summary?: Array<{ label: string; value: string }>;
}

export interface Task {
  id: string;
  title: string;
  description: string | null;
  assignee: string;
  due: string | null;
  status: "open" | "done";
  runId: string | null;
  stepId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Notification {
  id: string;
  user: string;
  message: string;
  link: string | null;
  read: boolean;
  runId: string | null;
  stepId: string | null;
  createdAt: string;
}

export interface OutboxMessage {
  id: string;
  channel: "email" | "sms";
  to: string;
  subject: string | null;
  cc: string | null;
  replyTo: string | null;
  body: string;
  runId: string | null;
  stepId: string | null;
  idempotencyKey: string;
  createdAt: string;
}

export interface AuditEntry {
  id: string;
  seq: number;
  at: string;
  actor: { type: "user" | "api_key" | "system" | "platform"; id: string };
  type: string;
  subject: string;
  details: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  brokenAt?: { seq: number; id: string | null; reason: "hash_mismatch" | "broken_link" | "gap" };
}

export type Scope = "read" | "write" | "admin";

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface WebhookSource {
  id: string;
  name: string;
  eventType: string | null;
  url: string;
  createdAt: string;
  createdBy: string;
  rotatedAt: string | null;
  previousSecretExpiresAt: string | null;
}

export interface ProviderSettings {
  email: { provider: "outbox" | "resend"; from: string | null };
  sms: { provider: "outbox" | "twilio"; from: string | null };
}

export interface ProviderUpdate {
  email?: { provider: "outbox" | "resend"; from?: string | null; apiKey?: string };
  sms?: {
    provider: "outbox" | "twilio";
    from?: string | null;
    accountSid?: string;
    authToken?: string;
  };
}

/** The tenant's own settings (API.md Wave 2, "Tenant settings"). */
export interface TenantSettings {
  /** An IANA time zone name. */
  timezone: string;
  /** A BCP 47 language tag. */
  locale: string;
  /** Days run history (events, runs, step data) is kept, 1 to 400. */
  retentionDays: number;
  /** At most this many runs of the workspace run at once, 1 to 1000 (default 100); the rest wait (issue 16). */
  maxRunningRuns?: number;
  /** Every member signs in with two steps (single sign-on: the identity provider's). */
  require2fa: boolean;
  /** Failure alerts of workflows that do not choose their own. */
  alerts?: AlertSettings;
}
