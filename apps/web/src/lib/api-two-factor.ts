// Two-step sign-in (apps/api routes/two-factor.ts): the second step of
// signing in and the person's own authenticator app and recovery codes.
import { api, type Me } from "./api";

/** POST /v1/auth/login's answer when the password was right and a code is asked next. */
export interface TwoFactorAsked {
  twoFactor: { challenge: string; expiresAt: string };
}

export const asksForCode = (answer: Me | TwoFactorAsked): answer is TwoFactorAsked =>
  "twoFactor" in answer;

export interface TwoFactorStatus {
  enabled: boolean;
  enabledAt: string | null;
  recoveryCodesLeft: number;
}

export interface TwoFactorEnrolment {
  /** Base32, for typing into the app by hand. */
  secret: string;
  /** The otpauth:// URI the QR code holds. */
  uri: string;
}

export const twoFactor = {
  login: (email: string, password: string) =>
    api<Me | TwoFactorAsked>("POST", "/v1/auth/login", { email, password }),
  /** The code from the app, or a recovery code. */
  secondStep: (challenge: string, code: string) =>
    api<Me>("POST", "/v1/auth/login/2fa", { challenge, code }),
  status: () => api<TwoFactorStatus>("GET", "/v1/auth/2fa"),
  enrol: () => api<TwoFactorEnrolment>("POST", "/v1/auth/2fa/enrol"),
  confirm: (code: string) =>
    api<{ recoveryCodes: string[] }>("POST", "/v1/auth/2fa/confirm", { code }),
  newRecoveryCodes: (code: string) =>
    api<{ recoveryCodes: string[] }>("POST", "/v1/auth/2fa/recovery-codes", { code }),
  disable: (password: string, code: string) =>
    api<void>("POST", "/v1/auth/2fa/disable", { password, code }),
};
