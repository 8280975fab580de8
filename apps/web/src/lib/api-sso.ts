// Single sign-on (OpenID Connect) per tenant: the settings an admin keeps
// (apps/api routes/sso.ts) and the words for a sign-in that came back with
// `?sso_error=` (routes/sso-signin.ts).
import { api } from "./api";

export type SsoRole = "admin" | "editor" | "viewer";

export interface SsoConnection {
  issuer: string;
  clientId: string;
  /** The client secret is write-only: only that one is stored. */
  clientSecretSet: true;
  defaultRole: SsoRole;
  enabled: boolean;
  required: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SsoDomain {
  domain: string;
  status: "pending" | "verified";
  verifiedAt: string | null;
  createdAt: string;
  txt: { name: string; type: "TXT"; value: string };
}

export interface SsoSettings {
  connection: SsoConnection | null;
  /** Registered at the identity provider as the redirect (callback) URI. */
  redirectUri: string;
  domains: SsoDomain[];
}

export interface SsoUpdate {
  issuer: string;
  clientId: string;
  /** Left out: the stored one is kept. */
  clientSecret?: string;
  defaultRole: SsoRole;
  enabled: boolean;
  required: boolean;
}

const enc = encodeURIComponent;

export const ssoEndpoints = {
  settings: () => api<SsoSettings>("GET", "/v1/settings/sso"),
  save: (update: SsoUpdate) => api<SsoConnection>("PUT", "/v1/settings/sso", update),
  remove: () => api<void>("DELETE", "/v1/settings/sso"),
  addDomain: (domain: string) => api<SsoDomain>("POST", "/v1/settings/sso/domains", { domain }),
  verifyDomain: (domain: string) =>
    api<SsoDomain>("POST", `/v1/settings/sso/domains/${enc(domain)}/verify`),
  removeDomain: (domain: string) => api<void>("DELETE", `/v1/settings/sso/domains/${enc(domain)}`),
};

/** Where the browser goes to sign in by single sign-on (a navigation, not a fetch). */
export const ssoStartUrl = (email: string): string =>
  `/v1/auth/sso/start?email=${enc(email.trim())}`;

const SSO_ERRORS: Record<string, string> = {
  invalid_email: "Enter your work email address to sign in with single sign-on.",
  no_sso:
    "Single sign-on is not set up for that email's company. Sign in with your password, or ask your administrator.",
  expired:
    "That sign-in took too long or was already used. Start again with 'Sign in with single sign-on'.",
  mismatch: "That sign-in could not be matched to this browser. Start again.",
  denied: "Your company's sign-in page did not let you in. Try again, or ask your administrator.",
  provider_failed:
    "Your company's sign-in service could not be reached or refused the sign-in. Try again in a minute, or ask your administrator.",
  id_token_invalid:
    "Your company's sign-in service sent an answer that could not be trusted. Ask your administrator to check the single sign-on settings.",
  email_unverified:
    "Your company's sign-in service did not confirm your email address. Ask your administrator.",
  wrong_domain:
    "You signed in at your company with an email address this workspace does not accept. Sign out there and use your work email.",
  unavailable: "Single sign-on is not available right now. Try again in a minute.",
};

/** Words for `?sso_error=<code>`; an unknown code still says something useful. */
export function ssoErrorWords(code: string): string {
  return SSO_ERRORS[code] ?? "Single sign-on did not work. Try again, or ask your administrator.";
}
