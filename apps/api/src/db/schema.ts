import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

// The D1 schema. Every row that belongs to a tenant carries `tenant_id` and
// every repository call filters on it. Two tables are deliberately global:
// `users` (one person may belong to several tenants, API.md "Builder
// sessions") and `login_attempts` (sign-in happens before a tenant is known).
// Migrations are generated from this file into ../../../../migrations.

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`;

export const tenants = sqliteTable("tenants", {
  tenantId: text("tenant_id").primaryKey(),
  name: text("name").notNull(),
  createdAt: text("created_at").notNull().default(now),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    lastTenantId: text("last_tenant_id"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [uniqueIndex("users_email").on(t.email)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role", { enum: ["owner", "admin", "editor", "viewer"] }).notNull(),
    /** The name this tenant shows for the person (an admin's rename); null: their own name. */
    displayName: text("display_name"),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] }), index("memberships_user").on(t.userId)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** SHA-256 of the cookie's token: a database leak yields no session. */
    idHash: text("id_hash").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    csrfToken: text("csrf_token").notNull(),
    /**
     * How the person proved who they are: `password`, `password+totp`,
     * `invitation` or `sso`. An `sso` session belongs to its tenant only.
     */
    method: text("method").notNull().default("password"),
    createdAt: text("created_at").notNull().default(now),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/**
 * A person's authenticator app (TOTP, RFC 6238). The shared secret is
 * AES-GCM encrypted (lib/secrets.ts). Until `confirmed_at` the factor is an
 * enrolment in progress and is not asked at sign-in. `last_step` is the
 * last accepted time step: a code is accepted once.
 */
export const userTotp = sqliteTable("user_totp", {
  userId: text("user_id").primaryKey(),
  secretEnc: text("secret_enc").notNull(),
  createdAt: text("created_at").notNull(),
  confirmedAt: text("confirmed_at"),
  lastStep: integer("last_step"),
});

/** One-time recovery codes of a person's second factor: only their SHA-256. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    userId: text("user_id").notNull(),
    codeHash: text("code_hash").notNull(),
    createdAt: text("created_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [primaryKey({ columns: [t.userId, t.codeHash] })],
);

/**
 * The middle of a sign-in: the password was right and the second factor is
 * asked. Only the SHA-256 of its token; a few minutes, a few tries.
 */
export const mfaChallenges = sqliteTable("mfa_challenges", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  attempts: integer("attempts").notNull().default(0),
  usedAt: text("used_at"),
});

/**
 * A person's passkeys (WebAuthn credentials): the public key only. A
 * passkey signs in on its own (it proves possession and, with the device's
 * PIN or biometrics, the person), so it also counts as two-step sign-in.
 */
export const passkeys = sqliteTable(
  "passkeys",
  {
    /** The credential id, base64url. */
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    name: text("name").notNull(),
    /** The COSE public key, base64url. */
    publicKey: text("public_key").notNull(),
    counter: integer("counter").notNull(),
    /** JSON array of transports (`internal`, `usb`, `hybrid`, …). */
    transports: text("transports"),
    /** `singleDevice` or `multiDevice` (synced, e.g. iCloud Keychain). */
    deviceType: text("device_type").notNull(),
    backedUp: integer("backed_up", { mode: "boolean" }).notNull(),
    createdAt: text("created_at").notNull(),
    lastUsedAt: text("last_used_at"),
  },
  (t) => [index("passkeys_user").on(t.userId)],
);

/**
 * A WebAuthn ceremony in flight (adding a passkey, or signing in with one):
 * the challenge the browser must sign, keyed by the SHA-256 of a ticket the
 * client holds. Five minutes, used once.
 */
export const webauthnChallenges = sqliteTable("webauthn_challenges", {
  ticketHash: text("ticket_hash").primaryKey(),
  /** Whose passkey is being added; null when signing in (the passkey says whose). */
  userId: text("user_id"),
  challenge: text("challenge").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});

/**
 * A tenant's single sign-on (OpenID Connect). The client secret is AES-GCM
 * encrypted. `required`: members of this tenant sign in through it only.
 */
export const ssoConnections = sqliteTable("sso_connections", {
  tenantId: text("tenant_id").primaryKey(),
  issuer: text("issuer").notNull(),
  clientId: text("client_id").notNull(),
  clientSecretEnc: text("client_secret_enc").notNull(),
  defaultRole: text("default_role", { enum: ["admin", "editor", "viewer"] }).notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  required: integer("required", { mode: "boolean" }).notNull().default(false),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/**
 * Email domains routed to a tenant's single sign-on. A domain belongs to
 * one tenant; it routes and links accounts only once verified (a DNS TXT
 * record holding `verification_token`).
 */
export const ssoDomains = sqliteTable(
  "sso_domains",
  {
    domain: text("domain").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    verificationToken: text("verification_token").notNull(),
    verifiedAt: text("verified_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("sso_domains_tenant").on(t.tenantId)],
);

/**
 * A single sign-on in flight, from the redirect to the identity provider
 * to its callback: bound to the browser by a cookie whose SHA-256 is the
 * key; holds the state, nonce and PKCE verifier. Ten minutes, used once.
 */
export const ssoLogins = sqliteTable("sso_logins", {
  browserHash: text("browser_hash").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  state: text("state").notNull(),
  nonce: text("nonce").notNull(),
  codeVerifierEnc: text("code_verifier_enc").notNull(),
  createdAt: text("created_at").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});

/**
 * An invitation to join a tenant (POST /v1/members). Only the SHA-256 of
 * its token is kept; the token itself is in the email's link and nowhere
 * else. Used once: accepting, resending or revoking ends the token.
 */
export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    email: text("email").notNull(),
    role: text("role", { enum: ["owner", "admin", "editor", "viewer"] }).notNull(),
    name: text("name"),
    tokenHash: text("token_hash").notNull(),
    invitedByType: text("invited_by_type").notNull(),
    invitedById: text("invited_by_id").notNull(),
    createdAt: text("created_at").notNull(),
    sentAt: text("sent_at").notNull(),
    /** Why the last email did not go (the tenant's provider refused it), or null. */
    sendError: text("send_error"),
    expiresAt: text("expires_at").notNull(),
    acceptedAt: text("accepted_at"),
    acceptedBy: text("accepted_by"),
    revokedAt: text("revoked_at"),
  },
  (t) => [
    uniqueIndex("invitations_token").on(t.tokenHash),
    index("invitations_tenant_email").on(t.tenantId, t.email),
  ],
);

/**
 * A "forgot my password" link: only the SHA-256 of its token, one hour,
 * used once. Rows also count requests (a few per person per hour).
 */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
  },
  (t) => [
    uniqueIndex("password_resets_token").on(t.tokenHash),
    index("password_resets_user").on(t.userId, t.createdAt),
  ],
);

/**
 * The platform's own emails (password resets) while it has no email
 * provider (local development): readable with the platform token only,
 * never by a tenant.
 */
export const platformOutbox = sqliteTable("platform_outbox", {
  id: text("id").primaryKey(),
  to: text("to").notNull(),
  subject: text("subject").notNull(),
  body: text("body").notNull(),
  createdAt: text("created_at").notNull(),
});

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes").notNull(),
    createdAt: text("created_at").notNull().default(now),
    createdBy: text("created_by"),
    revokedAt: text("revoked_at"),
    lastUsedAt: text("last_used_at"),
  },
  (t) => [uniqueIndex("api_keys_hash").on(t.keyHash), index("api_keys_tenant").on(t.tenantId)],
);

export const workflows = sqliteTable(
  "workflows",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    liveVersion: integer("live_version"),
    draftVersion: integer("draft_version"),
    latestVersion: integer("latest_version").notNull(),
    /** The live version's trigger, so matching reads one indexed row set. */
    triggerEvent: text("trigger_event"),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by").notNull(),
    updatedAt: text("updated_at").notNull(),
    deletedAt: text("deleted_at"),
    /** Who last made a version live (a person's user id, or the API key's id). */
    publishedBy: text("published_by"),
    /** Failure alerts for this workflow (`{ enabled, recipients }` JSON); null: the tenant's default. */
    alerts: text("alerts"),
    /** The workflow (trigger `workflow.failed`) run when a run of this one fails; null: none. */
    onFailure: text("on_failure"),
    /** Pause it automatically when it keeps failing (`{ failures, minutes }` JSON); null: never. */
    autoPause: text("auto_pause"),
    /** Why it was paused automatically (`{ at, failures, minutes }` JSON); null: not paused so. */
    paused: text("paused"),
  },
  (t) => [
    index("workflows_tenant").on(t.tenantId, t.createdAt),
    index("workflows_trigger").on(t.tenantId, t.triggerEvent),
  ],
);

export const workflowVersions = sqliteTable(
  "workflow_versions",
  {
    tenantId: text("tenant_id").notNull(),
    workflowId: text("workflow_id").notNull(),
    version: integer("version").notNull(),
    definition: text("definition").notNull(),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.version] })],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** Per-tenant, gap-free; the unique index stops two writers forking the chain. */
    seq: integer("seq").notNull(),
    at: text("at").notNull(),
    actorType: text("actor_type", { enum: ["user", "api_key", "system", "platform"] }).notNull(),
    actorId: text("actor_id").notNull(),
    type: text("type").notNull(),
    subject: text("subject").notNull(),
    details: text("details").notNull(),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_log_seq").on(t.tenantId, t.seq),
    index("audit_log_type").on(t.tenantId, t.type, t.seq),
  ],
);

export const loginAttempts = sqliteTable("login_attempts", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  failures: integer("failures").notNull(),
});

// ── The edges ────────────────────────────────────────────────────────────

/** Inbound webhook sources; secrets are AES-GCM encrypted (lib/secrets.ts). */
export const webhookSources = sqliteTable(
  "webhook_sources",
  {
    tenantId: text("tenant_id").notNull(),
    id: text("id").notNull(),
    name: text("name").notNull(),
    /** When set, every delivery is this event type and the body is its data. */
    eventType: text("event_type"),
    secretEnc: text("secret_enc").notNull(),
    /** The secret before the last rotation, valid until `previous_expires_at`. */
    previousSecretEnc: text("previous_secret_enc"),
    previousExpiresAt: text("previous_expires_at"),
    createdAt: text("created_at").notNull(),
    createdBy: text("created_by").notNull(),
    rotatedAt: text("rotated_at"),
    deletedAt: text("deleted_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("webhook_sources_id").on(t.id)],
);

/**
 * Per-tenant settings: the outbound signing secret, message providers, and
 * the tenant's time zone, locale and run-history retention (null: default).
 */
export const tenantSettings = sqliteTable("tenant_settings", {
  tenantId: text("tenant_id").primaryKey(),
  webhookSecretEnc: text("webhook_secret_enc"),
  webhookPreviousSecretEnc: text("webhook_previous_secret_enc"),
  webhookPreviousExpiresAt: text("webhook_previous_expires_at"),
  /** `{ provider, from }` in clear; credentials only inside `*_credentials_enc`. */
  emailProvider: text("email_provider"),
  emailCredentialsEnc: text("email_credentials_enc"),
  smsProvider: text("sms_provider"),
  smsCredentialsEnc: text("sms_credentials_enc"),
  /** An IANA zone name (`Europe/Berlin`). */
  timezone: text("timezone"),
  /** A BCP 47 tag (`de-CH`), canonical. */
  locale: text("locale"),
  /** Days run history is kept; the tenant's store holds a copy for its alarm. */
  retentionDays: integer("retention_days"),
  /** Runs of all workflows running at once before new ones wait (flow control); the store holds a copy. */
  maxRunningRuns: integer("max_running_runs"),
  /** Every member signs in with a second factor (single sign-on counts as the IdP's). */
  require2fa: integer("require_2fa", { mode: "boolean" }).notNull().default(false),
  /** Failure alerts by default (`{ enabled, recipients }` JSON); null: on, to the default people. */
  alerts: text("alerts"),
  updatedAt: text("updated_at").notNull(),
});

/**
 * The run audit archive: segments copied from the tenant stores, each one
 * row holding many finished runs' audit records and run-log entries as one
 * compact JSON document (apps/api/src/store/archive.ts). D1's writes grow
 * with segments (at most one per tenant every few seconds), not with
 * events, runs or steps.
 */
export const runAuditSegments = sqliteTable(
  "run_audit_segments",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    fromAt: text("from_at").notNull(),
    toAt: text("to_at").notNull(),
    /** The run log's first and last entry in this segment (seq), when it holds any. */
    firstEntry: integer("first_entry"),
    lastEntry: integer("last_entry"),
    entries: integer("entries").notNull(),
    runs: integer("runs").notNull(),
    /** SHA-256 of `body`. */
    hash: text("hash").notNull(),
    body: text("body").notNull(),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("run_audit_segments_tenant").on(t.tenantId, t.toAt)],
);
