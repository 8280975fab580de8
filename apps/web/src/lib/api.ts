// The builder's one API client: every call goes through here, with the
// session cookie and, for writes, the CSRF token from GET /v1/auth/me.

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
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as {
    error?: { code: string; message: string; details?: ApiProblem[] };
  };
  if (!res.ok) {
    throw new ApiFailure(
      res.status,
      data.error?.code ?? "error",
      data.error?.message ?? res.statusText,
      data.error?.details,
    );
  }
  return data as T;
}
