// The connection form (issue 17, item 2): what people type, its checks in
// words, and the API's body for a new connection (POST) or a change (PUT:
// credentials left empty are kept). Pure, tested by connection-words-model.
import type {
  AuthKind,
  ConnectionInfo,
  ConnectionInput,
  ConnectionPatch,
} from "../api-credentials";
import { authKindOf, type SignIn, signInOf } from "./connection-words";
import { listWords } from "./secret-words";

/** A connection's name, as the catalogue checks it (engine catalogue/connection.ts). */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The rule, said once for the form and as the problem. */
export const CONNECTION_NAME_RULE =
  "A name has lower-case letters, digits, _ and - only (no spaces or capitals), at most 63 characters — for example erp or billing-api.";

/** The form: what people type. Credentials are empty until typed (write-only). */
export interface ConnectionForm {
  name: string;
  description: string;
  baseUrl: string;
  signIn: SignIn;
  token: string;
  username: string;
  password: string;
  keyName: string;
  keyValue: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  audience: string;
  headers: Array<{ key: string; value: string }>;
  limited: boolean;
  limit: number | null;
  period: string;
}

export function emptyForm(): ConnectionForm {
  return {
    name: "",
    description: "",
    baseUrl: "https://",
    signIn: "bearer",
    token: "",
    username: "",
    password: "",
    keyName: "",
    keyValue: "",
    tokenUrl: "",
    clientId: "",
    clientSecret: "",
    scope: "",
    audience: "",
    headers: [],
    limited: false,
    limit: 60,
    period: "1m",
  };
}

/** The form for editing a connection: what is shown of it; credentials empty ("leave empty to keep"). */
export function formOf(c: ConnectionInfo): ConnectionForm {
  return {
    ...emptyForm(),
    name: c.name,
    description: c.description ?? "",
    baseUrl: c.baseUrl,
    signIn: signInOf(c.auth),
    username: c.auth.username ?? "",
    keyName: c.auth.name ?? "",
    tokenUrl: c.auth.tokenUrl ?? "",
    clientId: c.auth.clientId ?? "",
    scope: c.auth.scope ?? "",
    audience: c.auth.audience ?? "",
    headers: Object.entries(c.headers ?? {}).map(([key, value]) => ({ key, value })),
    limited: !!c.rateLimit,
    limit: c.rateLimit?.limit ?? 60,
    period: c.rateLimit?.period ?? "1m",
  };
}

const isUrl = (s: string) => /^https?:\/\/[^\s/?#]+/i.test(s.trim());

/**
 * What is missing or wrong in the form, in words; empty when it can be saved.
 * `editing`: credentials left empty keep the stored ones — unless the sign-in
 * changed kind (`kept`: the stored kind), which needs all of its own.
 */
export function formProblems(form: ConnectionForm, editing: boolean, kept?: AuthKind): string[] {
  editing = editing && (kept === undefined || kept === authKindOf(form.signIn));
  const out: string[] = [];
  const name = form.name.trim();
  if (name === "") out.push("Give the connection a name, such as erp.");
  else if (!CONNECTION_NAME.test(name)) out.push(`${CONNECTION_NAME_RULE}`);
  if (!isUrl(form.baseUrl))
    out.push("The address starts with https:// (or http://), such as https://erp.example.com.");
  const need = (value: string, what: string) => {
    if (value.trim() === "") out.push(`Fill in the ${what}.`);
  };
  switch (form.signIn) {
    case "bearer":
      if (!editing) need(form.token, "access token");
      break;
    case "basic":
      need(form.username, "user name");
      if (!editing) need(form.password, "password");
      break;
    case "api_key_header":
    case "api_key_query":
      need(form.keyName, form.signIn === "api_key_header" ? "header's name" : "parameter's name");
      if (!editing) need(form.keyValue, "key");
      break;
    case "oauth2":
      if (!isUrl(form.tokenUrl)) out.push("The token address starts with https://.");
      need(form.clientId, "client ID");
      if (!editing) need(form.clientSecret, "client secret");
      break;
    default:
      break;
  }
  if (form.limited) {
    const n = form.limit;
    if (n === null || !Number.isInteger(n) || n < 1)
      out.push("The rate limit is a whole number of calls, at least 1.");
  }
  const names = form.headers.map((h) => h.key.trim().toLowerCase()).filter(Boolean);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) out.push(`The header ${listWords([...new Set(twice)])} is given twice.`);
  return out;
}

/**
 * The API's body for a new connection (POST): every field as typed.
 */
export function connectionInput(form: ConnectionForm): ConnectionInput {
  const description = form.description.trim();
  return {
    name: form.name.trim(),
    ...(description ? { description } : {}),
    ...settingsOf(form),
    auth: authInput(form, (value) => value),
  };
}

/**
 * The API's body for an edit (PUT): no name (it is the address), a cleared
 * description as null, and a credential left empty left out — the server
 * keeps the stored one.
 */
export function connectionPatch(form: ConnectionForm): ConnectionPatch {
  return {
    description: form.description.trim() || null,
    ...settingsOf(form),
    auth: authInput(form, (value) => (value === "" ? undefined : value)),
  };
}

function settingsOf(form: ConnectionForm): Required<Omit<ConnectionPatch, "auth" | "description">> {
  const headers: Record<string, string> = {};
  for (const h of form.headers) if (h.key.trim()) headers[h.key.trim()] = h.value;
  return {
    baseUrl: form.baseUrl.trim(),
    headers,
    rateLimit:
      form.limited && form.limit !== null ? { limit: form.limit, period: form.period } : null,
  };
}

function authInput(
  form: ConnectionForm,
  keep: (value: string) => string | undefined,
): ConnectionInput["auth"] {
  const defined = <T extends object>(o: T): T =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (form.signIn) {
    case "none":
      return { type: "none" };
    case "bearer":
      return defined({ type: "bearer" as const, token: keep(form.token) });
    case "basic":
      return defined({
        type: "basic" as const,
        username: form.username.trim(),
        password: keep(form.password),
      });
    case "api_key_header":
    case "api_key_query":
      return defined({
        type: "api_key" as const,
        in: form.signIn === "api_key_header" ? ("header" as const) : ("query" as const),
        name: form.keyName.trim(),
        value: keep(form.keyValue),
      });
    case "oauth2":
      return defined({
        type: "oauth2_client_credentials" as const,
        tokenUrl: form.tokenUrl.trim(),
        clientId: form.clientId.trim(),
        clientSecret: keep(form.clientSecret),
        scope: form.scope.trim() || undefined,
        audience: form.audience.trim() || undefined,
      });
  }
}
