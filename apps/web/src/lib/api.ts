// The builder's one API client: every call goes through here, with the
// session cookie and, for writes, the CSRF token from GET /v1/auth/me.
// Types follow shared/API.md (the contract); the builder uses nothing else.
import type { Trigger, WorkflowDefinition } from "@switchyard/engine";
import type { AlertSettings, AutoPause, Failing, Paused } from "./api-alerts";

export interface ApiProblem {
  path: string;
  message: string;
  position?: { offset: number; line: number; column: number; length: number };
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ApiProblem[],
    /** The whole answer, for errors that carry more than details (an import's `missing`). */
    readonly body?: unknown,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, "network", "Cannot reach the server. Check your connection.");
  }
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: ApiProblem[] };
  };
  if (!res.ok) {
    throw new ApiFailure(
      res.status,
      data.error?.code ?? "error",
      data.error?.message ?? res.statusText,
      Array.isArray(data.error?.details) ? data.error.details : undefined,
      data,
    );
  }
  return data as T;
}

/** A human sentence for any failure. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  if (err instanceof Error) return err.message;
  return "Something went wrong";
}

// ---- shapes of shared/API.md -------------------------------------------

export type Role = "owner" | "admin" | "editor" | "viewer";

export interface TenantRef {
  id: string;
  name: string;
  role?: string;
}

export interface Me {
  user: { id: string; email: string; name: string } | null;
  tenant: { id: string; name: string };
  role: Role | null;
  tenants: TenantRef[];
  csrfToken?: string;
  /** The workspace asks everyone for two-step sign-in and this person has not turned it on yet. */
  twoFactorRequired?: boolean;
}

export interface Workflow {
  id: string;
  name: string;
  enabled: boolean;
  liveVersion: number | null;
  draftVersion?: number;
  latestVersion: number;
  trigger: Trigger;
  definition: WorkflowDefinition;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Its own failure alerts; null: the workspace's (older servers leave it out). */
  alerts?: AlertSettings | null;
  /** Set while its runs keep failing. */
  failing?: Failing | null;
  /** The workflow (trigger workflow.failed) run when a run of this one fails. */
  onFailure?: { workflowId: string } | null;
  /** Pause it after N failed runs within M minutes; null: never. */
  autoPause?: AutoPause | null;
  /** Why it was paused automatically; null when it was not. */
  paused?: Paused | null;
}

export interface VersionInfo {
  version: number;
  createdAt: string;
  createdBy: string;
  live: boolean;
  draft?: boolean;
}

export type {
  Invitation,
  InvitationAnswer,
  InvitationPreview,
  Joined,
  Member,
  PasswordResetRequested,
  SessionInfo,
} from "./api-people";

import type {
  Invitation,
  InvitationAnswer,
  InvitationPreview,
  Joined,
  Member,
  PasswordResetRequested,
  SessionInfo,
} from "./api-people";

export interface CatalogAction {
  name: string;
  title: string;
  description: string;
  configSchema: JsonSchema;
  outputSchema: JsonSchema;
  sampleOutput?: unknown;
}

export interface EventTypeInfo {
  type: string;
  sample?: unknown;
  schema?: JsonSchema | null;
  declared?: boolean;
  lastSeenAt?: string | null;
  /** What it means, in words (the platform's own event types). */
  description?: string;
}

export interface Catalog {
  actions: CatalogAction[];
  eventTypes: EventTypeInfo[];
}

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  description?: string;
  additionalProperties?: boolean | JsonSchema;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  "x-expr-type"?: string;
  [key: string]: unknown;
}

export type RunStatus =
  | "running"
  | "waiting"
  | "succeeded"
  | "failed"
  | "filtered"
  | "suppressed"
  | "cancelled"
  | "skipped";

export interface RunStep {
  id: string;
  action?: string | null;
  kind?: string;
  status: string;
  attempts?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  branch?: string | null;
  /** A loop's item (kind "item", id `each[3]`) or a step of one (`reserve[3]`). */
  item?: { loop: string; index: number } | null;
  /** A forEach step: its items by status; at most 100 per loop are listed in `steps`. */
  items?: {
    total: number;
    pending: number;
    running: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    listed: number;
  } | null;
}

export interface StepError {
  code: string;
  message: string;
  path?: string;
  position?: { offset: number; line: number; column: number; length: number };
}

export interface Causation {
  originEventId: string;
  chain: Array<{ workflowId: string; runId: string }>;
  depth: number;
}

/** Why a queued run has not started (flow control, issue 16). */
export interface WaitingFor {
  reason: "concurrency" | "throttle" | "debounce" | "tenant_limit";
  /** The key's value the run waits under ("c-17"); null for the whole workflow. */
  key: string | null;
  /** Runs ahead of it in its line. */
  ahead: number;
  /** When it may start (throttle, debounce), if known. */
  until: string | null;
  /** The reason in words: "3 runs for customer c-17 ahead". */
  message: string;
}

export interface Run {
  id: string;
  workflowId: string;
  workflowVersion: number;
  eventId?: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string | null;
  createdAt?: string;
  error?: StepError | null;
  filter?: { expression: string | null; result: unknown; error?: unknown } | null;
  suppression?: { reason: string; message: string } | null;
  /** Why a `waiting` run has not started (flow control, issue 16). */
  waitingFor?: WaitingFor | null;
  causation?: Causation | null;
  steps: RunStep[];
  test?: boolean;
}

export type RetryPlan = "kept" | "again" | "first_time";

export interface RetryPreview {
  runStatus: string;
  retryable: boolean;
  version: number;
  target: {
    version: number;
    compatible: boolean;
    differing: Array<{ stepId: string; reason: string }>;
  } | null;
  steps: Array<{
    id: string;
    kind: string;
    action: string | null;
    status: string;
    plan: RetryPlan;
    attempts: number;
    lastInput?: unknown;
    /** Runs only if this `if` step, not decided yet, takes this branch. */
    onlyIf?: { stepId: string; branch: "then" | "else" } | null;
  }>;
  /** Failed loop items that run again, with the instance ids of their steps that run again. */
  items?: Array<{ loop: string; index: number; id: string; steps: string[] }>;
}

export interface ExplanationPart {
  span: { start: number; end: number };
  source: string;
  value?: unknown;
  error?: { code?: string; message: string };
}

export interface DryRun {
  filter: {
    expression: string | null;
    result: boolean | null;
    explanation: ExplanationPart[];
    error?: unknown;
  };
  steps: Array<{
    id: string;
    action?: string;
    kind?: string;
    config?: unknown;
    branch?: string;
    assumed?: boolean;
    /** On the branch the dry run did not take. */
    skipped?: boolean;
    error?: StepError;
  }>;
}

export interface EventSummary {
  id: string;
  type: string;
  data?: unknown;
  occurredAt: string;
  receivedAt: string;
  source: string;
  status: "accepted" | "matched" | "failed";
}

export interface EventDetail extends EventSummary {
  changes?: Record<string, { old?: unknown; new?: unknown }>;
  matchedAt: string | null;
  error: string | null;
  causation: Causation;
  runs: Array<{ id: string; workflowId: string; status: string }>;
}

export type * from "./api-resources";

import type {
  ApiKey,
  Approval,
  AuditEntry,
  AuditVerification,
  Notification,
  OutboxMessage,
  ProviderSettings,
  ProviderUpdate,
  Scope,
  Task,
  TenantSettings,
  WebhookSource,
} from "./api-resources";

export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

export interface SaveOptions {
  publish: boolean;
  baseVersion?: number;
  enabled?: boolean;
}

const enc = encodeURIComponent;

/** Typed calls, one per endpoint the builder uses. */
export const endpoints = {
  me: () => api<Me>("GET", "/v1/auth/me"),
  logout: () => api<void>("POST", "/v1/auth/logout"),
  changePassword: (current: string, next: string) =>
    api<void>("POST", "/v1/auth/password", { current, new: next }),
  /** Emails a link to choose a new password, if the email has an account (202 either way). */
  requestPasswordReset: (email: string) =>
    api<PasswordResetRequested>("POST", "/v1/auth/password-reset", { email }),
  /** Sets the new password with the emailed link's token; every session of that person ends. */
  confirmPasswordReset: (token: string, password: string) =>
    api<void>("POST", "/v1/auth/password-reset/confirm", { token, password }),
  sessions: () => api<Page<SessionInfo>>("GET", "/v1/auth/sessions"),
  endSession: (id: string) => api<void>("DELETE", `/v1/auth/sessions/${enc(id)}`),
  switchTenant: (tenantId: string) => api<Me>("POST", "/v1/auth/switch-tenant", { tenantId }),
  members: () => api<Page<Member>>("GET", "/v1/members"),

  workflows: (q?: string) =>
    api<Page<Workflow>>("GET", `/v1/workflows?limit=200${q ? `&q=${enc(q)}` : ""}`),
  workflow: (id: string) => api<Workflow>("GET", `/v1/workflows/${enc(id)}`),
  createWorkflow: (definition: WorkflowDefinition, options: SaveOptions) =>
    api<Workflow>("POST", "/v1/workflows", { ...definition, ...options }),
  saveWorkflow: (id: string, definition: WorkflowDefinition, options: SaveOptions) =>
    api<Workflow>("PUT", `/v1/workflows/${enc(id)}`, { ...definition, ...options }),
  publish: (id: string, version: number) =>
    api<Workflow>("POST", `/v1/workflows/${enc(id)}/publish`, { version }),
  enable: (id: string) => api<Workflow>("POST", `/v1/workflows/${enc(id)}/enable`),
  disable: (id: string) => api<Workflow>("POST", `/v1/workflows/${enc(id)}/disable`),
  remove: (id: string) => api<void>("DELETE", `/v1/workflows/${enc(id)}`),
  versions: (id: string) => api<Page<VersionInfo>>("GET", `/v1/workflows/${enc(id)}/versions`),
  version: (id: string, n: number) =>
    api<VersionInfo & { definition: WorkflowDefinition }>(
      "GET",
      `/v1/workflows/${enc(id)}/versions/${n}`,
    ),
  startRun: (id: string, event: { type: string; data: unknown }, version?: number) =>
    api<{ runId: string }>("POST", `/v1/workflows/${enc(id)}/runs`, { event, version }),

  catalog: () => api<Catalog>("GET", "/v1/catalog"),
  eventTypes: () => api<Page<EventTypeInfo> | EventTypeInfo[]>("GET", "/v1/event-types"),
  runs: (query: string) => api<Page<Run>>("GET", `/v1/runs?${query}`),
  run: (id: string) => api<Run>("GET", `/v1/runs/${enc(id)}`),
  retryPreview: (id: string, version?: number) =>
    api<RetryPreview>(
      "GET",
      `/v1/runs/${enc(id)}/retry-preview${version ? `?version=${version}` : ""}`,
    ),
  retry: (id: string, version?: number) =>
    api<{ runId: string; status: string }>("POST", `/v1/runs/${enc(id)}/retry`, { version }),
  cancel: (id: string) => api<unknown>("POST", `/v1/runs/${enc(id)}/cancel`),
  dryRun: (
    id: string,
    event: { type: string; data: unknown },
    version?: number,
    stepOutputs?: Record<string, unknown>,
  ) => api<DryRun>("POST", `/v1/workflows/${enc(id)}/test`, { event, version, stepOutputs }),

  events: (query: string) => api<Page<EventSummary>>("GET", `/v1/events?${query}`),
  event: (id: string) => api<EventDetail>("GET", `/v1/events/${enc(id)}`),
  declareEventType: (type: string, body: { schema?: unknown; sample?: unknown }) =>
    api<EventTypeInfo>("PUT", `/v1/event-types/${enc(type)}`, body),

  approvals: (query: string) => api<Page<Approval>>("GET", `/v1/approvals?${query}`),
  approval: (id: string) => api<Approval>("GET", `/v1/approvals/${enc(id)}`),
  decide: (id: string, decision: "approved" | "rejected", comment?: string) =>
    api<Approval>("POST", `/v1/approvals/${enc(id)}/decide`, { decision, comment }),
  tasks: (query: string) => api<Page<Task>>("GET", `/v1/tasks?${query}`),
  updateTask: (id: string, status: "open" | "done") =>
    api<Task>("PATCH", `/v1/tasks/${enc(id)}`, { status }),
  notifications: (query: string) => api<Page<Notification>>("GET", `/v1/notifications?${query}`),
  markRead: (id: string) => api<unknown>("POST", `/v1/notifications/${enc(id)}/read`),
  outbox: (query: string) => api<Page<OutboxMessage>>("GET", `/v1/outbox?${query}`),

  audit: (query: string) => api<Page<AuditEntry>>("GET", `/v1/audit?${query}`),
  verifyAudit: () => api<AuditVerification>("GET", "/v1/audit/verify"),

  apiKeys: () => api<Page<ApiKey> | ApiKey[]>("GET", "/v1/api-keys"),
  createApiKey: (name: string, scopes: Scope[]) =>
    api<{ id: string; key: string; prefix: string; scopes: Scope[] }>("POST", "/v1/api-keys", {
      name,
      scopes,
    }),
  revokeApiKey: (id: string) => api<unknown>("DELETE", `/v1/api-keys/${enc(id)}`),

  webhookSources: () => api<Page<WebhookSource> | WebhookSource[]>("GET", "/v1/webhook-sources"),
  createWebhookSource: (name: string, eventType?: string) =>
    api<WebhookSource & { secret: string }>("POST", "/v1/webhook-sources", { name, eventType }),
  rotateWebhookSecret: (id: string) =>
    api<{ secret: string }>("POST", `/v1/webhook-sources/${enc(id)}/rotate-secret`),
  deleteWebhookSource: (id: string) => api<unknown>("DELETE", `/v1/webhook-sources/${enc(id)}`),

  signingSecret: () => api<{ secret: string }>("GET", "/v1/settings/webhook-signing"),
  rotateSigningSecret: () => api<{ secret: string }>("POST", "/v1/settings/webhook-signing/rotate"),
  providers: () => api<ProviderSettings>("GET", "/v1/settings/providers"),
  saveProviders: (body: ProviderUpdate) =>
    api<ProviderSettings>("PUT", "/v1/settings/providers", body),
  tenantSettings: () => api<TenantSettings>("GET", "/v1/settings/tenant"),
  saveTenantSettings: (body: Partial<TenantSettings>) =>
    api<TenantSettings>("PUT", "/v1/settings/tenant", body),

  /** Invites: the person chooses their own password when they accept. */
  addMember: (body: { email: string; role: Role; name?: string }) =>
    api<Invitation>("POST", "/v1/members", body),
  updateMember: (id: string, body: { role?: Role; name?: string }) =>
    api<Member>("PATCH", `/v1/members/${enc(id)}`, body),
  removeMember: (id: string) => api<unknown>("DELETE", `/v1/members/${enc(id)}`),
  invitations: () => api<Page<Invitation>>("GET", "/v1/invitations"),
  resendInvitation: (id: string) => api<Invitation>("POST", `/v1/invitations/${enc(id)}/resend`),
  revokeInvitation: (id: string) => api<void>("DELETE", `/v1/invitations/${enc(id)}`),
  // The token travels in a body, never in a URL, so it stays out of logs.
  inspectInvitation: (token: string) =>
    api<InvitationPreview>("POST", "/v1/invitations/inspect", { token }),
  acceptInvitation: (body: InvitationAnswer) => api<Joined>("POST", "/v1/invitations/accept", body),
};

/** Lists that may answer as a page or, from older servers, as a bare array. */
export function itemsOf<T>(answer: Page<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : answer.items;
}
