// Secrets and connections (issue 17, items 1–2; apps/api routes/secrets.ts,
// routes/connections.ts): the builder's types for their answers and the calls
// it makes. Values are write-only: no answer ever carries a secret's value or
// a connection's credentials, and these types have no place for one.
import { api, type Page } from "./api";

/** A workflow that names a secret or a connection; `live`: its live version does. */
export interface UsedBy {
  workflowId: string;
  name: string;
  live: boolean;
}

/** A secret as everyone may see it: its name, who changed it last, what uses it. */
export interface SecretInfo {
  name: string;
  createdAt: string;
  updatedAt: string;
  /** Who last set its value (an email, or `api_key:…`); null when not known. */
  updatedBy: string | null;
  usedBy: UsedBy[];
}

/** How a connection signs in. Without credential values: the form's and the answer's common part. */
export type AuthKind = "none" | "bearer" | "basic" | "api_key" | "oauth2_client_credentials";

/** A connection's sign-in as written: every credential present. */
export type AuthInput =
  | { type: "none" }
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  | { type: "api_key"; in: "header" | "query"; name: string; value: string }
  | {
      type: "oauth2_client_credentials";
      tokenUrl: string;
      clientId: string;
      clientSecret: string;
      scope?: string;
      audience?: string;
    };

/**
 * A connection's sign-in as the API shows it: what is not a credential (the
 * user name, the key's name and place, the token address, the client id may
 * or may not be shown); the credentials themselves never.
 */
export interface AuthView {
  type: AuthKind;
  username?: string;
  in?: "header" | "query";
  name?: string;
  tokenUrl?: string;
  clientId?: string;
  scope?: string;
  audience?: string;
}

export type RatePeriod = "1s" | "1m" | "1h" | "1d" | string;

export interface RateLimit {
  limit: number;
  /** A duration such as "1m" (the API's period, as flow control writes it). */
  period: RatePeriod;
}

export type HealthStatus = "ok" | "failing" | "unused";

export interface ConnectionHealth {
  status: HealthStatus;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** The last failure in the receiver's words ("401 Unauthorized"). */
  lastError: string | null;
  /** When the current run of failures began, if the server says. */
  failingSince?: string | null;
}

export interface ConnectionInfo {
  name: string;
  description?: string | null;
  baseUrl: string;
  auth: AuthView;
  /** Every credential the sign-in needs is stored. */
  credentialsSet: boolean;
  headers?: Record<string, string> | null;
  rateLimit?: RateLimit | null;
  health: ConnectionHealth;
  usedBy: UsedBy[];
  createdAt?: string;
  updatedAt?: string;
  updatedBy?: string | null;
}

/** A new connection (POST): every credential of its sign-in. */
export interface ConnectionInput {
  name: string;
  description?: string;
  baseUrl: string;
  auth: NonNullable<ConnectionPatch["auth"]>;
  headers?: Record<string, string>;
  rateLimit?: RateLimit | null;
}

/**
 * A change (PUT): what is left out is kept, a credential included; a new
 * kind of sign-in needs all of its fields. The name is the address, not the body.
 */
export interface ConnectionPatch {
  description?: string | null;
  baseUrl?: string;
  auth?: AuthInput | (Partial<Record<string, string>> & { type: AuthKind });
  headers?: Record<string, string>;
  rateLimit?: RateLimit | null;
}

const enc = encodeURIComponent;

export const credentialEndpoints = {
  secrets: () => api<Page<SecretInfo>>("GET", "/v1/secrets"),
  /** Sets a secret's value, creating the secret if it is new (admins). */
  putSecret: (name: string, value: string) =>
    api<SecretInfo>("PUT", `/v1/secrets/${enc(name)}`, { value }),
  /** 409 `in_use` while a workflow uses it, unless `force`. */
  deleteSecret: (name: string, force = false) =>
    api<void>("DELETE", `/v1/secrets/${enc(name)}${force ? "?force=true" : ""}`),

  connections: () => api<Page<ConnectionInfo>>("GET", "/v1/connections"),
  connection: (name: string) => api<ConnectionInfo>("GET", `/v1/connections/${enc(name)}`),
  createConnection: (body: ConnectionInput) => api<ConnectionInfo>("POST", "/v1/connections", body),
  saveConnection: (name: string, body: ConnectionPatch) =>
    api<ConnectionInfo>("PUT", `/v1/connections/${enc(name)}`, body),
  /** 409 `in_use` while a workflow uses it, unless `force`. */
  deleteConnection: (name: string, force = false) =>
    api<void>("DELETE", `/v1/connections/${enc(name)}${force ? "?force=true" : ""}`),
};
