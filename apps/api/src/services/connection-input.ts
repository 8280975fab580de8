// What a connection may be (issue 17, item 2), as the API takes it: its
// name, base URL, auth of five kinds, default headers and rate limit. The
// zod schemas here validate POST bodies whole and the result of a PUT's
// merge; the OpenAPI document is generated from them.
import { z } from "@hono/zod-openapi";
import { CONNECTION_NAME, formatDuration, parseDuration } from "@switchyard/engine";
import { AuthType } from "../store/connections.ts";

export const RATE_LIMIT = { min: 1, max: 10_000, minPeriodMs: 1_000, maxPeriodMs: 86_400_000 };
const MAX_HEADERS = 50;
/** RFC 9110 token characters: a header's (or a query parameter's) name. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header names a connection may not default: framing, and the auth it applies itself. */
const RESERVED_HEADERS = new Set([
  "authorization",
  "proxy-authorization",
  "cookie",
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
]);

export const ConnectionName = z
  .string()
  .regex(CONNECTION_NAME, {
    message: "lower-case letters, digits, _ and -, starting with a letter or digit (at most 63)",
  })
  .openapi({ example: "erp" });

/** The URL, or null when it does not parse (never throws: any text may come in). */
function parseUrl(v: string): URL | null {
  try {
    return new URL(v);
  } catch {
    return null;
  }
}

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .min(1)
    .max(2_000)
    .refine(
      (v) => {
        const u = parseUrl(v);
        return u !== null && (u.protocol === "http:" || u.protocol === "https:") && u.host !== "";
      },
      { message: `expected an absolute http(s) URL for ${what}` },
    );

export const BaseUrl = httpUrl("the base URL")
  .refine(
    (v) => {
      // Refinements all run: one that is not a URL was named above already.
      const u = parseUrl(v);
      return (
        u === null || (u.username === "" && u.password === "" && u.search === "" && u.hash === "")
      );
    },
    {
      message:
        "a base URL has no user, password, query or fragment: put credentials in auth, parameters in the step",
    },
  )
  .openapi({ example: "https://erp.example.com/api/v2" });

const secretText = (max: number) => z.string().min(1).max(max);
const publicText = (max: number) => z.string().trim().min(1).max(max);

/** Each kind's fields: public ones are shown back, secret ones never are. */
const KINDS = {
  none: { public: {}, secret: {} },
  bearer: { public: {}, secret: { token: secretText(8_192) } },
  basic: {
    public: {
      username: publicText(256).refine((v) => !v.includes(":"), {
        message: "a Basic username cannot contain ':'",
      }),
    },
    secret: { password: z.string().max(1_024) },
  },
  api_key: {
    public: {
      in: z.enum(["header", "query"]),
      name: publicText(128).regex(TOKEN, { message: "a header or parameter name" }),
    },
    secret: { value: secretText(8_192) },
  },
  oauth2_client_credentials: {
    public: {
      tokenUrl: httpUrl("the token endpoint"),
      clientId: publicText(512),
      scope: publicText(1_024).optional(),
      audience: publicText(1_024).optional(),
      clientAuth: z.enum(["basic", "body"]).optional().openapi({
        description: "How the client authenticates: HTTP Basic (default) or the form body",
      }),
    },
    secret: { clientSecret: secretText(4_096) },
  },
} as const;

/** The auth kinds, each with every field required (POST, and a PUT that changes the kind). */
export const AuthInput = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal(AuthType.none) }),
    z.strictObject({ type: z.literal(AuthType.bearer), ...KINDS.bearer.secret }),
    z.strictObject({
      type: z.literal(AuthType.basic),
      ...KINDS.basic.public,
      ...KINDS.basic.secret,
    }),
    z.strictObject({
      type: z.literal(AuthType.apiKey),
      ...KINDS.api_key.public,
      ...KINDS.api_key.secret,
    }),
    z.strictObject({
      type: z.literal(AuthType.oauth2),
      ...KINDS.oauth2_client_credentials.public,
      ...KINDS.oauth2_client_credentials.secret,
    }),
  ])
  .openapi("ConnectionAuthInput", {
    description:
      "none; bearer {token}; basic {username, password}; api_key {in: header|query, name, value}; oauth2_client_credentials {tokenUrl, clientId, clientSecret, scope?, audience?, clientAuth?}. Credentials (token, password, value, clientSecret) are write-only.",
  });
export type AuthInput = z.output<typeof AuthInput>;

/** A PUT's auth: any subset; `type` absent keeps the stored kind. */
export const AuthPatch = z
  .object({
    type: z.enum(Object.values(AuthType) as [AuthType, ...AuthType[]]).optional(),
  })
  .catchall(z.string())
  .openapi("ConnectionAuthPatch", {
    description:
      "Fields to change; credentials left out keep their stored values. A new `type` needs all of its fields, credentials included.",
  });

/** The auth a PUT ends with (its credentials may be absent: they are kept). */
export function mergedAuthSchema(type: AuthType) {
  const k = KINDS[type];
  const secret = Object.fromEntries(Object.entries(k.secret).map(([f, s]) => [f, s.optional()]));
  return z.strictObject({ type: z.literal(type), ...k.public, ...secret });
}

/** The public fields of a kind (what the store keeps in the clear). */
export function publicFields(type: AuthType): string[] {
  return Object.keys(KINDS[type].public);
}

export const DefaultHeaders = z
  .record(
    z.string().regex(TOKEN, { message: "a header name" }),
    z
      .string()
      .max(4_096)
      .refine((v) => !/[\r\n\0]/.test(v), { message: "a header value is one line" }),
  )
  .refine((h) => Object.keys(h).length <= MAX_HEADERS, {
    message: `at most ${MAX_HEADERS} headers`,
  })
  .superRefine((h, ctx) => {
    for (const name of Object.keys(h)) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: "set by the connection's auth or by the request itself, not a default header",
        });
      }
    }
  })
  .openapi({
    description: "Default headers sent with every call (not secret: they are shown back)",
    example: { accept: "application/json" },
  });

export const RateLimit = z
  .strictObject({
    limit: z.number().int().min(RATE_LIMIT.min).max(RATE_LIMIT.max),
    period: z.string().refine(
      (p) => {
        const ms = parseDuration(p);
        return ms !== null && ms >= RATE_LIMIT.minPeriodMs && ms <= RATE_LIMIT.maxPeriodMs;
      },
      { message: 'expected a duration from "1s" to "24h"' },
    ),
  })
  .openapi("ConnectionRateLimit", {
    description:
      "At most `limit` calls per `period`, spread evenly, shared by every workflow that uses the connection; a call with no slot waits (its step is not failed)",
    example: { limit: 60, period: "1m" },
  });

/** The stored form of a rate limit. */
export const rateOf = (r: z.output<typeof RateLimit>) => ({
  limit: r.limit,
  periodMs: parseDuration(r.period)!,
});

/** The shown form of a stored rate limit. */
export const rateView = (r: { limit: number; periodMs: number }) => ({
  limit: r.limit,
  period: formatDuration(r.periodMs),
});

export const Description = z.string().trim().max(500).nullable();

export const NewConnection = z
  .strictObject({
    name: ConnectionName,
    description: Description.optional(),
    baseUrl: BaseUrl,
    auth: AuthInput,
    headers: DefaultHeaders.optional(),
    rateLimit: RateLimit.nullable().optional(),
  })
  .openapi("NewConnection");

export const ConnectionPatch = z
  .strictObject({
    description: Description.optional(),
    baseUrl: BaseUrl.optional(),
    auth: AuthPatch.optional(),
    headers: DefaultHeaders.optional(),
    rateLimit: RateLimit.nullable().optional(),
  })
  .openapi("ConnectionPatch", {
    description: "What to change; anything left out is kept (credentials included)",
  });
