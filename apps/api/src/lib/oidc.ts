// The relying-party half of OpenID Connect for single sign-on: discovery,
// the authorization request (code flow, PKCE S256, state and nonce), the
// code exchange, and id token verification with jose. Every call to the
// identity provider goes through the SSRF guard (a tenant admin chooses the
// issuer, so it is tenant input like a webhook URL), with a timeout and no
// redirects followed.
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify } from "jose";
import { randomBytes, toBase64Url } from "./crypto.ts";
import { checkOutboundUrl, type GuardSettings } from "./ssrf.ts";

/** How long one call to the identity provider may take. */
export const IDP_TIMEOUT_MS = 8_000;
/** Clock skew allowed between the provider and the Worker. */
const CLOCK_TOLERANCE_S = 60;

/** Why a call to the provider or its answer was refused. */
export const OidcFailure = {
  unreachable: "unreachable",
  badDiscovery: "bad_discovery",
  tokenFailed: "token_failed",
  idTokenInvalid: "id_token_invalid",
} as const;
export type OidcFailure = (typeof OidcFailure)[keyof typeof OidcFailure];

/** A refusal with a code (for redirects) and words (for admins and logs). */
export class OidcError extends Error {
  constructor(
    readonly failure: OidcFailure,
    message: string,
  ) {
    super(message);
    this.name = "OidcError";
  }
}

/** The parts of a discovery document single sign-on uses. */
export interface Discovery {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  tokenAuthMethods: string[];
}

/**
 * A GET or POST to the provider: the SSRF guard first, a timeout, no
 * redirects (a provider's endpoints answer in place).
 */
async function idpFetch(url: string, init: RequestInit, guard: GuardSettings): Promise<Response> {
  const check = checkOutboundUrl(url, guard);
  if (!check.ok) throw new OidcError(OidcFailure.unreachable, check.message);
  let res: Response;
  try {
    res = await fetch(check.url, {
      ...init,
      redirect: "manual",
      signal: init.signal ?? AbortSignal.timeout(IDP_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    throw new OidcError(
      OidcFailure.unreachable,
      timedOut
        ? `${check.url.origin} did not answer within ${IDP_TIMEOUT_MS / 1000} s`
        : `${check.url.origin} could not be reached (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel();
    throw new OidcError(
      OidcFailure.unreachable,
      `${check.url.origin} answered with a redirect (${res.status}); use the provider's own URL`,
    );
  }
  return res;
}

async function readJson(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // answered below
  }
  throw new OidcError(OidcFailure.badDiscovery, `${what} is not a JSON object`);
}

function httpUrl(value: unknown, field: string): string {
  if (typeof value === "string") {
    try {
      const u = new URL(value);
      if (u.protocol === "https:" || u.protocol === "http:") return u.href;
    } catch {
      // answered below
    }
  }
  throw new OidcError(
    OidcFailure.badDiscovery,
    `The provider's discovery document has no usable ${field}`,
  );
}

/**
 * Reads `<issuer>/.well-known/openid-configuration`; its `issuer` must be
 * exactly the configured one (OpenID Connect Discovery 1.0, §4.3).
 * @example const d = await discover("https://login.acme.example", guard);
 */
export async function discover(issuer: string, guard: GuardSettings): Promise<Discovery> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const res = await idpFetch(url, { headers: { accept: "application/json" } }, guard);
  if (!res.ok) {
    await res.body?.cancel();
    throw new OidcError(
      OidcFailure.badDiscovery,
      `${url} answered ${res.status}; is this the provider's issuer URL?`,
    );
  }
  const doc = await readJson(res, url);
  if (doc.issuer !== issuer) {
    throw new OidcError(
      OidcFailure.badDiscovery,
      `The provider calls itself '${String(doc.issuer)}', not '${issuer}': use exactly its issuer`,
    );
  }
  const methods = doc.code_challenge_methods_supported;
  if (Array.isArray(methods) && !methods.includes("S256")) {
    throw new OidcError(OidcFailure.badDiscovery, "The provider does not offer PKCE with S256");
  }
  const auth = doc.token_endpoint_auth_methods_supported;
  return {
    issuer,
    authorizationEndpoint: httpUrl(doc.authorization_endpoint, "authorization_endpoint"),
    tokenEndpoint: httpUrl(doc.token_endpoint, "token_endpoint"),
    jwksUri: httpUrl(doc.jwks_uri, "jwks_uri"),
    // Absent, the default is client_secret_basic (Discovery 1.0, §3).
    tokenAuthMethods: Array.isArray(auth)
      ? auth.filter((m): m is string => typeof m === "string")
      : ["client_secret_basic"],
  };
}

/** A sign-in's secrets: state and nonce (echoed back), the PKCE verifier (kept here). */
export interface AuthRequestSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export function newAuthRequestSecrets(): AuthRequestSecrets {
  return {
    state: toBase64Url(randomBytes(24)),
    nonce: toBase64Url(randomBytes(24)),
    codeVerifier: toBase64Url(randomBytes(32)),
  };
}

/** The S256 code challenge of a PKCE verifier (RFC 7636, §4.2). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return toBase64Url(new Uint8Array(digest));
}

/** Where the browser goes to sign in at the provider. */
export async function authorizationUrl(
  d: Discovery,
  p: { clientId: string; redirectUri: string; loginHint?: string } & AuthRequestSecrets,
): Promise<string> {
  const u = new URL(d.authorizationEndpoint);
  u.searchParams.set("response_type", "code");
  u.searchParams.set("client_id", p.clientId);
  u.searchParams.set("redirect_uri", p.redirectUri);
  u.searchParams.set("scope", "openid email profile");
  u.searchParams.set("state", p.state);
  u.searchParams.set("nonce", p.nonce);
  u.searchParams.set("code_challenge", await codeChallenge(p.codeVerifier));
  u.searchParams.set("code_challenge_method", "S256");
  if (p.loginHint) u.searchParams.set("login_hint", p.loginHint);
  return u.href;
}

/**
 * Exchanges the code for tokens with the PKCE verifier, authenticating as
 * the discovery document allows: client_secret_basic (preferred, and the
 * default), else client_secret_post. Answers the id token.
 */
export async function exchangeCode(
  d: Discovery,
  p: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    code: string;
    codeVerifier: string;
  },
  guard: GuardSettings,
): Promise<string> {
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    code: p.code,
    redirect_uri: p.redirectUri,
    code_verifier: p.codeVerifier,
  });
  const headers: Record<string, string> = {
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded",
  };
  if (d.tokenAuthMethods.includes("client_secret_basic")) {
    // RFC 6749 §2.3.1: each part form-encoded before base64.
    const id = encodeURIComponent(p.clientId);
    headers.authorization = `Basic ${btoa(`${id}:${encodeURIComponent(p.clientSecret)}`)}`;
  } else if (d.tokenAuthMethods.includes("client_secret_post")) {
    body.set("client_id", p.clientId);
    body.set("client_secret", p.clientSecret);
  } else {
    throw new OidcError(
      OidcFailure.tokenFailed,
      "The provider accepts neither client_secret_basic nor client_secret_post",
    );
  }
  const res = await idpFetch(d.tokenEndpoint, { method: "POST", headers, body }, guard);
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // answered below
  }
  if (!res.ok) {
    const why = typeof json.error === "string" ? json.error : `status ${res.status}`;
    throw new OidcError(OidcFailure.tokenFailed, `The provider refused the code (${why})`);
  }
  if (typeof json.id_token !== "string") {
    throw new OidcError(OidcFailure.tokenFailed, "The provider's answer has no id_token");
  }
  return json.id_token;
}

// Key sets per jwks_uri, so a sign-in does not always fetch the keys
// (jose refetches on an unknown key id, at most every 30 s).
const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function keySet(jwksUri: string, guard: GuardSettings) {
  const cacheKey = `${jwksUri} ${guard.allowPrivate ?? ""} ${guard.allowHosts ?? ""}`;
  let set = keySets.get(cacheKey);
  if (!set) {
    if (keySets.size >= 1_000) keySets.clear();
    set = createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: IDP_TIMEOUT_MS,
      [customFetch]: (url, options) => idpFetch(url, options, guard),
    });
    keySets.set(cacheKey, set);
  }
  return set;
}

/** The claims single sign-on acts on, from a verified id token. */
export interface IdentityClaims {
  sub: string;
  email: string | undefined;
  emailVerified: boolean;
  name: string | undefined;
}

/**
 * Verifies an id token: signature by the provider's keys, issuer, audience
 * (our client id; with several audiences, azp must be ours), expiry, and
 * the nonce of this sign-in.
 */
export async function verifyIdToken(
  d: Discovery,
  idToken: string,
  p: { clientId: string; nonce: string; now: number },
  guard: GuardSettings,
): Promise<IdentityClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(idToken, keySet(d.jwksUri, guard), {
      issuer: d.issuer,
      audience: p.clientId,
      currentDate: new Date(p.now),
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ["sub", "exp", "iat"],
    }));
  } catch (err) {
    if (err instanceof OidcError) throw err;
    const why = err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}` : String(err);
    throw new OidcError(OidcFailure.idTokenInvalid, `The id token was refused (${why})`);
  }
  if (payload.nonce !== p.nonce) {
    throw new OidcError(OidcFailure.idTokenInvalid, "The id token's nonce is not this sign-in's");
  }
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== p.clientId) {
    throw new OidcError(OidcFailure.idTokenInvalid, "The id token was issued to another client");
  }
  return {
    sub: String(payload.sub),
    email: typeof payload.email === "string" ? payload.email : undefined,
    emailVerified: payload.email_verified === true,
    name: typeof payload.name === "string" ? payload.name : undefined,
  };
}
