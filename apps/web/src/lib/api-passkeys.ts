// Passkeys (apps/api routes/passkeys.ts): the browser's WebAuthn calls via
// @simplewebauthn/browser, between the API's options and its checks.
import {
  browserSupportsWebAuthn,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
  WebAuthnError,
} from "@simplewebauthn/browser";
import { api, type Me } from "./api";

export interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Synced between the person's devices (iCloud Keychain, Google Password Manager…). */
  synced: boolean;
}

export const passkeysSupported = (): boolean => browserSupportsWebAuthn();

/** Words for a WebAuthn failure in the browser (cancelled, no authenticator, …), or null. */
export function passkeyProblem(err: unknown): string | null {
  if (err instanceof WebAuthnError) {
    if (err.code === "ERROR_CEREMONY_ABORTED") return "Cancelled.";
    if (err.code === "ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED") {
      return "This device already has a passkey for your account.";
    }
  }
  if (err instanceof Error && err.name === "NotAllowedError") {
    return "No passkey was used: the request was cancelled or timed out.";
  }
  return null;
}

export const passkeys = {
  list: () => api<{ items: Passkey[] }>("GET", "/v1/auth/passkeys"),
  /** Asks the device to make a passkey, then has the API keep it. */
  async add(name: string): Promise<Passkey> {
    const { options, ticket } = await api<{
      options: PublicKeyCredentialCreationOptionsJSON;
      ticket: string;
    }>("POST", "/v1/auth/passkeys/options");
    const response = await startRegistration({ optionsJSON: options });
    return api<Passkey>("POST", "/v1/auth/passkeys", { ticket, name, response });
  },
  remove: (id: string) => api<void>("DELETE", `/v1/auth/passkeys/${encodeURIComponent(id)}`),
  /** Signs in with whichever passkey of this site the person picks. */
  async signIn(): Promise<Me> {
    const { options, ticket } = await api<{
      options: PublicKeyCredentialRequestOptionsJSON;
      ticket: string;
    }>("POST", "/v1/auth/passkey/options");
    const response = await startAuthentication({ optionsJSON: options });
    return api<Me>("POST", "/v1/auth/passkey/login", { ticket, response });
  },
};
