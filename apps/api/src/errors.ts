/** Stable error codes of the public API (API.md, "Errors"). */
export const ErrorCode = {
  badRequest: "bad_request",
  invalidJson: "invalid_json",
  validationFailed: "validation_failed",
  unauthorized: "unauthorized",
  signInRequired: "sign_in_required",
  forbidden: "forbidden",
  /** 403: the tenant asks every member for a second factor and this person has none yet. */
  twoFactorRequired: "two_factor_required",
  /** 403: the tenant's members sign in with single sign-on only. */
  ssoRequired: "sso_required",
  notFound: "not_found",
  methodNotAllowed: "method_not_allowed",
  conflict: "conflict",
  /** 409: a connection (or secret) that live workflows use; `details` names them. */
  inUse: "in_use",
  payloadTooLarge: "payload_too_large",
  unsupportedMediaType: "unsupported_media_type",
  invalidDefinition: "invalid_definition",
  /** 422: an import document of a format version this Worker does not read. */
  unsupportedVersion: "unsupported_version",
  /** 422: an import needs connections or secrets this workspace lacks (`missing` says which). */
  missingRequirements: "missing_requirements",
  rateLimited: "rate_limited",
  /** 503: the Worker lacks a secret this request needs (required-secrets.ts). */
  misconfigured: "misconfigured",
  internal: "internal_error",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface Problem {
  path: string;
  message: string;
  position?: { offset: number; line: number; column: number; length: number };
}

/**
 * A user-facing error: `app.onError` turns it into
 * `{ "error": { code, message, details } }` with its status.
 * @example throw new ApiError(404, ErrorCode.notFound, "Workflow not found")
 */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const notFound = (what: string): ApiError =>
  new ApiError(404, ErrorCode.notFound, `${what} not found`);
