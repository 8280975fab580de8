// The builder's one API client: every call goes through here, with the
// session cookie and, for writes, the CSRF token from GET /v1/auth/me.
// Types follow shared/API.md (the contract); the builder uses nothing else.
import type { WorkflowDefinition } from "@switchyard/engine";

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
}

export interface Workflow {
  id: string;
  name: string;
  enabled: boolean;
  liveVersion: number | null;
  draftVersion?: number;
  latestVersion: number;
  trigger: { event: string };
  definition: WorkflowDefinition;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface VersionInfo {
  version: number;
  createdAt: string;
  createdBy: string;
  live: boolean;
  draft?: boolean;
}

export interface Member {
  id: string;
  email: string;
  name?: string;
  role: Role;
}

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
  schema?: JsonSchema;
  declared?: boolean;
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
  | "cancelled";

export interface RunStep {
  id: string;
  action?: string;
  kind?: string;
  status: string;
  attempts?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
  input?: unknown;
  output?: unknown;
  error?: unknown;
}

export interface Run {
  id: string;
  workflowId: string;
  workflowVersion: number;
  eventId?: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string | null;
  filter?: { expression: string; result: unknown } | null;
  steps: RunStep[];
  test?: boolean;
}

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
  login: (email: string, password: string) =>
    api<Me>("POST", "/v1/auth/login", { email, password }),
  logout: () => api<void>("POST", "/v1/auth/logout"),
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
};
