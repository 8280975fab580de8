// Connections as the API shows and changes them (issue 17, item 2). The
// connection lives in the tenant's store (store/connections.ts), its
// credentials sealed there; its views never carry a credential, only
// `credentialsSet`. Health comes from the calls made through it, `usedBy`
// from the workflows' definitions in D1. Each change has its entry in D1's
// change log (no values).

import type { z } from "@hono/zod-openapi";
import type { Actor } from "../auth/principal.ts";
import type { Db } from "../db/client.ts";
import type { Env } from "../env.ts";
import { ApiError, ErrorCode, notFound, type Problem } from "../errors.ts";
import { AuditType, commitWithAudit } from "../repositories/audit.ts";
import { storeFor } from "../store/client.ts";
import {
  type AuthType,
  type ConnectionInput,
  type ConnectionRecord,
  type ConnectionWriteReply,
  SECRET_FIELDS,
} from "../store/connections.ts";
import {
  type AuthInput,
  type ConnectionPatch,
  mergedAuthSchema,
  type NewConnection,
  publicFields,
  rateOf,
  rateView,
} from "./connection-input.ts";
import { auditKeyOf } from "./context.ts";
import { type RequirementUser, requirementUsers } from "./requirement-users.ts";

/** A workflow that uses it: in its live version, or only in its latest draft. */
export type ConnectionUser = RequirementUser;

export const HealthStatus = { ok: "ok", failing: "failing", unused: "unused" } as const;
export type HealthStatus = (typeof HealthStatus)[keyof typeof HealthStatus];

/** The connection resource of the API: never a credential. */
export interface ConnectionView {
  name: string;
  description: string | null;
  baseUrl: string;
  auth: { type: AuthType } & Record<string, string>;
  credentialsSet: boolean;
  headers: Record<string, string>;
  rateLimit: { limit: number; period: string } | null;
  health: {
    status: HealthStatus;
    lastSuccessAt: string | null;
    lastFailureAt: string | null;
    lastError: string | null;
  };
  usedBy: ConnectionUser[];
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

/**
 * `unused` until a call has gone through it (since it was made or its
 * URL or credentials changed); `failing` while its last failure is newer
 * than its last success.
 */
export function healthOf(r: ConnectionRecord): ConnectionView["health"] {
  const status =
    r.lastSuccessAt === null && r.lastFailureAt === null
      ? HealthStatus.unused
      : r.lastFailureAt !== null && (r.lastSuccessAt === null || r.lastFailureAt > r.lastSuccessAt)
        ? HealthStatus.failing
        : HealthStatus.ok;
  return {
    status,
    lastSuccessAt: r.lastSuccessAt,
    lastFailureAt: r.lastFailureAt,
    lastError: r.lastError,
  };
}

export function toConnectionView(r: ConnectionRecord, usedBy: ConnectionUser[]): ConnectionView {
  return {
    name: r.name,
    description: r.description,
    baseUrl: r.baseUrl,
    auth: { type: r.authType, ...r.authPublic },
    credentialsSet: r.credentialsSet,
    headers: r.headers,
    rateLimit: r.rateLimit ? rateView(r.rateLimit) : null,
    health: healthOf(r),
    usedBy,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    updatedBy: r.updatedBy,
  };
}

interface Deps {
  env: Env;
  db: Db;
  tenantId: string;
  actor: Actor;
  at: string;
}

const store = (d: Pick<Deps, "env" | "tenantId">) => storeFor(d.env, d.tenantId);

export async function listConnections(d: Deps): Promise<ConnectionView[]> {
  const [records, users] = await Promise.all([
    store(d).listConnections(d.tenantId),
    requirementUsers(d.db, d.tenantId, "connections"),
  ]);
  return records.map((r) => toConnectionView(r, users.get(r.name) ?? []));
}

export async function getConnection(d: Deps, name: string): Promise<ConnectionView> {
  const r = await store(d).getConnection(d.tenantId, name);
  if (!r) throw notFound("Connection");
  return toConnectionView(
    r,
    (await requirementUsers(d.db, d.tenantId, "connections")).get(name) ?? [],
  );
}

/** Splits an auth into what is shown (public) and what is sealed (credentials). */
function splitAuth(auth: { type: AuthType } & Record<string, unknown>): {
  authPublic: Record<string, string>;
  credentials: Record<string, string>;
} {
  const secret = new Set(SECRET_FIELDS[auth.type]);
  const authPublic: Record<string, string> = {};
  const credentials: Record<string, string> = {};
  for (const [k, v] of Object.entries(auth)) {
    if (k === "type" || typeof v !== "string") continue;
    if (secret.has(k)) credentials[k] = v;
    else authPublic[k] = v;
  }
  return { authPublic, credentials };
}

/** The store's refusal as the API's error. */
function written(reply: ConnectionWriteReply, name: string): ConnectionRecord {
  if (reply.ok) return reply.connection;
  if (reply.reason === "credentials_required") {
    throw new ApiError(
      400,
      ErrorCode.badRequest,
      "A new kind of auth needs all of its credentials (they are write-only: nothing is kept from the old kind)",
      reply.missing.map((f): Problem => ({ path: `auth.${f}`, message: "required" })),
    );
  }
  if (reply.reason === "exists") {
    throw new ApiError(409, ErrorCode.conflict, `A connection named '${name}' already exists`);
  }
  throw notFound("Connection");
}

async function audit(d: Deps, type: AuditType, name: string, details: Record<string, unknown>) {
  await commitWithAudit(d.db, auditKeyOf(d.env), d.tenantId, d.at, () => [], [
    { type, actor: d.actor, subject: name, details: { name, ...details } },
  ]);
}

export async function createConnection(
  d: Deps,
  body: z.output<typeof NewConnection>,
): Promise<ConnectionView> {
  const { authPublic, credentials } = splitAuth(body.auth as AuthInput);
  const input: ConnectionInput = {
    description: body.description ?? null,
    baseUrl: body.baseUrl,
    authType: body.auth.type,
    authPublic,
    credentials,
    headers: body.headers ?? {},
    rateLimit: body.rateLimit ? rateOf(body.rateLimit) : null,
  };
  const r = written(
    await store(d).createConnection(d.tenantId, body.name, input, d.actor.id, d.at),
    body.name,
  );
  await audit(d, AuditType.connectionCreated, body.name, {
    baseUrl: r.baseUrl,
    authType: r.authType,
    rateLimit: r.rateLimit ? rateView(r.rateLimit) : null,
  });
  return toConnectionView(
    r,
    (await requirementUsers(d.db, d.tenantId, "connections")).get(body.name) ?? [],
  );
}

/**
 * A partial update: what is left out is kept. Credentials are write-only
 * (left out: kept, with the same kind of auth); a new kind needs all of its
 * fields. The audit entry names the fields that changed, never a value.
 */
export async function updateConnection(
  d: Deps,
  name: string,
  patch: z.output<typeof ConnectionPatch>,
): Promise<ConnectionView> {
  const before = await store(d).getConnection(d.tenantId, name);
  if (!before) throw notFound("Connection");
  const { type: newType, ...given } = patch.auth ?? {};
  const type = newType ?? before.authType;
  const sameKind = type === before.authType;
  const keptPublic = sameKind ? before.authPublic : {};
  const merged = mergedAuthSchema(type).safeParse({ type, ...keptPublic, ...given });
  if (!merged.success) {
    throw new ApiError(
      400,
      ErrorCode.badRequest,
      sameKind ? "The auth is not valid" : `A change to ${type} auth needs all of its fields`,
      merged.error.issues.map(
        (i): Problem => ({
          path: ["auth", ...i.path].join("."),
          message: i.code === "invalid_type" && i.input === undefined ? "required" : i.message,
        }),
      ),
    );
  }
  const { authPublic, credentials } = splitAuth(merged.data as { type: AuthType });
  const input: ConnectionInput = {
    description: patch.description !== undefined ? patch.description : before.description,
    baseUrl: patch.baseUrl ?? before.baseUrl,
    authType: type,
    authPublic: Object.fromEntries(
      publicFields(type).flatMap((f) => (authPublic[f] !== undefined ? [[f, authPublic[f]]] : [])),
    ),
    credentials,
    headers: patch.headers ?? before.headers,
    rateLimit:
      patch.rateLimit === undefined
        ? before.rateLimit
        : patch.rateLimit === null
          ? null
          : rateOf(patch.rateLimit),
  };
  const r = written(
    await store(d).updateConnection(d.tenantId, name, input, d.actor.id, d.at),
    name,
  );
  const changed = [
    ...(input.description !== before.description ? ["description"] : []),
    ...(r.baseUrl !== before.baseUrl ? ["baseUrl"] : []),
    ...(r.authType !== before.authType ? ["auth.type"] : []),
    ...Object.keys(given)
      .filter((k) => !SECRET_FIELDS[type].includes(k) && before.authPublic[k] !== r.authPublic[k])
      .map((k) => `auth.${k}`),
    ...Object.keys(credentials).map((k) => `auth.${k}`),
    ...(JSON.stringify(r.headers) !== JSON.stringify(before.headers) ? ["headers"] : []),
    ...(JSON.stringify(r.rateLimit) !== JSON.stringify(before.rateLimit) ? ["rateLimit"] : []),
  ];
  await audit(d, AuditType.connectionUpdated, name, { authType: r.authType, changed });
  return toConnectionView(
    r,
    (await requirementUsers(d.db, d.tenantId, "connections")).get(name) ?? [],
  );
}

/**
 * Deletes a connection. While a workflow's live version uses it, 409
 * `in_use` names them, unless `force` (their steps then fail with
 * `connection_not_found` until it is made again).
 */
export async function deleteConnection(d: Deps, name: string, force: boolean): Promise<void> {
  const r = await store(d).getConnection(d.tenantId, name);
  if (!r) throw notFound("Connection");
  const live = ((await requirementUsers(d.db, d.tenantId, "connections")).get(name) ?? []).filter(
    (u) => u.live,
  );
  if (live.length > 0 && !force) {
    throw new ApiError(
      409,
      ErrorCode.inUse,
      `Connection '${name}' is used by ${live.length === 1 ? "a live workflow" : `${live.length} live workflows`}: ${live.map((u) => u.name).join(", ")}; change them first, or delete with ?force=true`,
      { workflows: live.map((u) => ({ workflowId: u.workflowId, name: u.name })) },
    );
  }
  if (!(await store(d).deleteConnection(d.tenantId, name))) throw notFound("Connection");
  await audit(d, AuditType.connectionDeleted, name, {
    forced: live.length > 0,
    usedBy: live.map((u) => u.workflowId),
  });
}
