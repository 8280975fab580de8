// Named HTTP connections in a tenant's store (issue 17, item 2): where and
// how to call a system, its credentials sealed with the tenant's envelope
// key, the OAuth token it last fetched (sealed too), its rate limit's GCRA
// time and its health. The doors are in durable-objects/store-credentials.ts;
// credentials leave the store only through `useConnection`, to the action
// consumer that is about to call.
import { gcra } from "@switchyard/engine";
import { asc, eq } from "drizzle-orm";
import type { StoreDb } from "./db.ts";
import { connectionMarks, connections, connectionTokens } from "./schema.ts";
import { registerSealedColumn } from "./vault.ts";

export const AuthType = {
  none: "none",
  bearer: "bearer",
  basic: "basic",
  apiKey: "api_key",
  oauth2: "oauth2_client_credentials",
} as const;
export type AuthType = (typeof AuthType)[keyof typeof AuthType];

/**
 * Each kind's secret fields: these are sealed and never shown; every other
 * auth field is public (a username, a header name, a client id).
 */
export const SECRET_FIELDS: Readonly<Record<AuthType, readonly string[]>> = {
  none: [],
  bearer: ["token"],
  basic: ["password"],
  api_key: ["value"],
  oauth2_client_credentials: ["clientSecret"],
};

export type ConnectionRow = typeof connections.$inferSelect;

/** A connection as the API shows it: no credentials, only whether they are set. */
export interface ConnectionRecord {
  name: string;
  description: string | null;
  baseUrl: string;
  authType: AuthType;
  authPublic: Record<string, string>;
  headers: Record<string, string>;
  rateLimit: { limit: number; periodMs: number } | null;
  credentialsSet: boolean;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastError: string | null;
}

/** What a create or an update writes (credentials are sealed by the caller). */
export interface ConnectionValues {
  description: string | null;
  baseUrl: string;
  authType: AuthType;
  authPublic: Record<string, string>;
  sealed: string | null;
  headers: Record<string, string>;
  rateLimit: { limit: number; periodMs: number } | null;
}

/** Seals and opens text with the tenant's envelope key (store/vault.ts). */
export interface Sealer {
  seal(plaintext: string): Promise<string>;
  open(sealed: string): Promise<string>;
}

export function toRecord(row: ConnectionRow): ConnectionRecord {
  return {
    name: row.name,
    description: row.description,
    baseUrl: row.baseUrl,
    authType: row.authType,
    authPublic: JSON.parse(row.authPublic) as Record<string, string>,
    headers: JSON.parse(row.headers) as Record<string, string>,
    rateLimit:
      row.rateLimit !== null && row.ratePeriodMs !== null
        ? { limit: row.rateLimit, periodMs: row.ratePeriodMs }
        : null,
    credentialsSet: row.sealed !== null || SECRET_FIELDS[row.authType].length === 0,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
    lastSuccessAt: row.lastSuccessAt,
    lastFailureAt: row.lastFailureAt,
    lastError: row.lastError,
  };
}

export function getConnectionRow(db: StoreDb, name: string): ConnectionRow | undefined {
  return db.select().from(connections).where(eq(connections.name, name)).get();
}

/** Every connection, by name (a tenant has tens, not thousands). */
export function listConnectionRows(db: StoreDb): ConnectionRow[] {
  return db.select().from(connections).orderBy(asc(connections.name)).all();
}

const columnsOf = (v: ConnectionValues) => ({
  description: v.description,
  baseUrl: v.baseUrl,
  authType: v.authType,
  authPublic: JSON.stringify(v.authPublic),
  sealed: v.sealed,
  headers: JSON.stringify(v.headers),
  rateLimit: v.rateLimit?.limit ?? null,
  ratePeriodMs: v.rateLimit?.periodMs ?? null,
});

/** A new connection; false when the name is taken. */
export function insertConnection(
  db: StoreDb,
  name: string,
  v: ConnectionValues,
  by: string,
  at: string,
): boolean {
  const inserted = db
    .insert(connections)
    .values({ name, ...columnsOf(v), createdAt: at, updatedAt: at, updatedBy: by })
    .onConflictDoNothing()
    .returning({ name: connections.name })
    .all();
  if (inserted.length === 0) return false;
  // A name used before (and deleted) starts with no token and no rate marks.
  db.delete(connectionTokens).where(eq(connectionTokens.name, name)).run();
  db.delete(connectionMarks).where(eq(connectionMarks.name, name)).run();
  return true;
}

/**
 * Replaces a connection's settings. When where or how it connects changed
 * (base URL, auth, credentials), its cached token is dropped and its health
 * starts afresh: a failure seen with the old credentials says nothing of
 * the new ones. A rate limit taken away drops its marks.
 */
export function updateConnection(
  db: StoreDb,
  name: string,
  v: ConnectionValues,
  by: string,
  at: string,
): boolean {
  return db.transaction((tx) => {
    const before = getConnectionRow(tx, name);
    if (!before) return false;
    const cols = columnsOf(v);
    const reconnects =
      before.baseUrl !== cols.baseUrl ||
      before.authType !== cols.authType ||
      before.authPublic !== cols.authPublic ||
      before.sealed !== cols.sealed;
    tx.update(connections)
      .set({
        ...cols,
        updatedAt: at,
        updatedBy: by,
        ...(reconnects ? { lastSuccessAt: null, lastFailureAt: null, lastError: null } : {}),
      })
      .where(eq(connections.name, name))
      .run();
    if (reconnects) tx.delete(connectionTokens).where(eq(connectionTokens.name, name)).run();
    if (v.rateLimit === null)
      tx.delete(connectionMarks).where(eq(connectionMarks.name, name)).run();
    return true;
  });
}

/** Deletes a connection with its token and marks; false when there was none. */
export function deleteConnection(db: StoreDb, name: string): boolean {
  return db.transaction((tx) => {
    const gone = tx
      .delete(connections)
      .where(eq(connections.name, name))
      .returning({ name: connections.name })
      .all();
    tx.delete(connectionTokens).where(eq(connectionTokens.name, name)).run();
    tx.delete(connectionMarks).where(eq(connectionMarks.name, name)).run();
    return gone.length > 0;
  });
}

/**
 * Takes one call of a connection's rate limit now, or says when one is
 * free. GCRA without burst (the engine's throttle, packages/engine/src/flow):
 * calls spread evenly, one per period/limit, so no stretch of `period`
 * holds more than `limit` calls, whichever runs and workflows make them.
 * @example takeSlot(db, "erp", { limit: 60, periodMs: 60_000 }, Date.now())
 */
export function takeSlot(
  db: StoreDb,
  name: string,
  limit: { limit: number; periodMs: number },
  now: number,
): { ok: true } | { ok: false; at: number } {
  const mark = db.select().from(connectionMarks).where(eq(connectionMarks.name, name)).get();
  const t = gcra(mark?.tat ?? null, now, limit.limit, limit.periodMs);
  if (!t.ok) return t;
  const tat = Math.ceil(t.tat);
  db.insert(connectionMarks)
    .values({ name, tat })
    .onConflictDoUpdate({ target: connectionMarks.name, set: { tat } })
    .run();
  return { ok: true };
}

/** The sealed token still usable at `now`, fetched under this version of the connection. */
export function cachedToken(
  db: StoreDb,
  name: string,
  version: string,
  now: number,
): string | null {
  const row = db.select().from(connectionTokens).where(eq(connectionTokens.name, name)).get();
  return row && row.version === version && row.useUntil > now ? row.sealed : null;
}

/** Keeps a fetched token, unless the connection changed (or went) since it was fetched. */
export function putToken(
  db: StoreDb,
  name: string,
  sealed: string,
  useUntil: number,
  version: string,
): boolean {
  const row = getConnectionRow(db, name);
  if (!row || row.updatedAt !== version) return false;
  db.insert(connectionTokens)
    .values({ name, sealed, useUntil, version })
    .onConflictDoUpdate({ target: connectionTokens.name, set: { sealed, useUntil, version } })
    .run();
  return true;
}

/** Forgets a connection's token (the target refused it). */
export function dropToken(db: StoreDb, name: string): void {
  db.delete(connectionTokens).where(eq(connectionTokens.name, name)).run();
}

/** What one call through a connection said about its health. */
export type HealthNote = { ok: true; at: string } | { ok: false; at: string; error: string };

/** The longest error text kept for a connection's health. */
export const MAX_HEALTH_ERROR = 500;

/** Records a call's outcome; a later note never loses to an earlier one arriving late. */
export function noteHealth(db: StoreDb, name: string, note: HealthNote): void {
  const row = getConnectionRow(db, name);
  if (!row) return;
  if (note.ok) {
    if (row.lastSuccessAt !== null && row.lastSuccessAt >= note.at) return;
    db.update(connections).set({ lastSuccessAt: note.at }).where(eq(connections.name, name)).run();
    return;
  }
  if (row.lastFailureAt !== null && row.lastFailureAt >= note.at) return;
  const error =
    note.error.length > MAX_HEALTH_ERROR ? `${note.error.slice(0, MAX_HEALTH_ERROR)}…` : note.error;
  db.update(connections)
    .set({ lastFailureAt: note.at, lastError: error })
    .where(eq(connections.name, name))
    .run();
}

/**
 * Seals credentials (a JSON object of the kind's secret fields); null when
 * the kind has none.
 */
export async function sealCredentials(
  sealer: Sealer,
  credentials: Record<string, string>,
): Promise<string | null> {
  return Object.keys(credentials).length === 0 ? null : sealer.seal(JSON.stringify(credentials));
}

/** Opens sealed credentials ({} when none are stored). */
export async function openCredentials(
  sealer: Sealer,
  sealed: string | null,
): Promise<Record<string, string>> {
  if (sealed === null) return {};
  return JSON.parse(await sealer.open(sealed)) as Record<string, string>;
}

/** What the action consumer gets to call through a connection (useConnection). */
export type ConnectionUse =
  | { status: "not_found" }
  | { status: "deferred"; retryAfterMs: number; limit: number; periodMs: number }
  | {
      status: "ready";
      connection: {
        name: string;
        baseUrl: string;
        authType: AuthType;
        authPublic: Record<string, string>;
        headers: Record<string, string>;
        /** Its `updatedAt`: a token fetched under it is cached under it. */
        version: string;
      };
      /** The secret fields, opened. */
      credentials: Record<string, string>;
      /** An OAuth connection's cached access token, still usable; null otherwise. */
      token: string | null;
    };

// A data-key rotation re-seals these too (store/vault.ts).
registerSealedColumn({ table: "connections", column: "sealed", key: "name" });
registerSealedColumn({ table: "connection_tokens", column: "sealed", key: "name" });

/** A create or an update as the API hands it over, credentials in the clear. */
export interface ConnectionInput {
  description: string | null;
  baseUrl: string;
  authType: AuthType;
  authPublic: Record<string, string>;
  /** The secret fields given; on an update of the same kind, omitted ones keep their values. */
  credentials: Record<string, string>;
  headers: Record<string, string>;
  rateLimit: { limit: number; periodMs: number } | null;
}

export type ConnectionWriteReply =
  | { ok: true; connection: ConnectionRecord }
  | { ok: false; reason: "exists" | "not_found" }
  | { ok: false; reason: "credentials_required"; missing: string[] };

const missingOf = (type: AuthType, credentials: Record<string, string>) =>
  SECRET_FIELDS[type].filter((f) => typeof credentials[f] !== "string");

/** Only the kind's own secret fields are kept. */
const ownFields = (type: AuthType, credentials: Record<string, string>) =>
  Object.fromEntries(
    SECRET_FIELDS[type].flatMap((f) =>
      typeof credentials[f] === "string" ? [[f, credentials[f]]] : [],
    ),
  );

/**
 * Creates a connection, its credentials sealed; every secret field of its
 * kind is required.
 */
export async function createConnection(
  db: StoreDb,
  sealer: Sealer,
  name: string,
  input: ConnectionInput,
  by: string,
  at: string,
): Promise<ConnectionWriteReply> {
  const missing = missingOf(input.authType, input.credentials);
  if (missing.length > 0) return { ok: false, reason: "credentials_required", missing };
  const sealed = await sealCredentials(sealer, ownFields(input.authType, input.credentials));
  if (!insertConnection(db, name, { ...input, sealed }, by, at)) {
    return { ok: false, reason: "exists" };
  }
  return { ok: true, connection: toRecord(getConnectionRow(db, name)!) };
}

/**
 * Replaces a connection's settings. Credentials are write-only: with the
 * same kind of auth, the secret fields not given keep their stored values;
 * a new kind needs all of its own. The write is compare-and-set on what
 * was read (sealing awaits), so a concurrent change is never merged into
 * the wrong kind: it is read again.
 */
export async function updateConnectionWith(
  db: StoreDb,
  sealer: Sealer,
  name: string,
  input: ConnectionInput,
  by: string,
  at: string,
): Promise<ConnectionWriteReply> {
  for (let tries = 0; ; tries++) {
    const before = getConnectionRow(db, name);
    if (!before) return { ok: false, reason: "not_found" };
    const given = ownFields(input.authType, input.credentials);
    let sealed: string | null;
    if (before.authType !== input.authType) {
      const missing = missingOf(input.authType, given);
      if (missing.length > 0) return { ok: false, reason: "credentials_required", missing };
      sealed = await sealCredentials(sealer, given);
    } else if (Object.keys(given).length === 0) {
      sealed = before.sealed;
    } else {
      const stored = await openCredentials(sealer, before.sealed);
      sealed = await sealCredentials(sealer, { ...stored, ...given });
    }
    const now = getConnectionRow(db, name);
    if (now?.sealed === before.sealed && now.authType === before.authType) {
      updateConnection(db, name, { ...input, sealed }, by, at);
      return { ok: true, connection: toRecord(getConnectionRow(db, name)!) };
    }
    if (tries >= 3) throw new Error(`connection ${name} kept changing during an update`);
  }
}

/**
 * What the action consumer needs for one call: the connection with its
 * credentials opened and its cached token, after taking a slot of its rate
 * limit (none free: when one is).
 */
export async function useConnection(
  db: StoreDb,
  sealer: Sealer,
  name: string,
  now: number,
): Promise<ConnectionUse> {
  const row = getConnectionRow(db, name);
  if (!row) return { status: "not_found" };
  if (row.rateLimit !== null && row.ratePeriodMs !== null) {
    const limit = { limit: row.rateLimit, periodMs: row.ratePeriodMs };
    const slot = takeSlot(db, name, limit, now);
    if (!slot.ok) return { status: "deferred", retryAfterMs: slot.at - now, ...limit };
  }
  const tokenSealed =
    row.authType === AuthType.oauth2 ? cachedToken(db, name, row.updatedAt, now) : null;
  return {
    status: "ready",
    connection: {
      name,
      baseUrl: row.baseUrl,
      authType: row.authType,
      authPublic: JSON.parse(row.authPublic) as Record<string, string>,
      headers: JSON.parse(row.headers) as Record<string, string>,
      version: row.updatedAt,
    },
    credentials: await openCredentials(sealer, row.sealed),
    token: tokenSealed === null ? null : await sealer.open(tokenSealed),
  };
}
