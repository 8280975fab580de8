import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { setSessionCookie } from "../auth/sessions.ts";
import { type AppEnv, createRouter } from "../http.ts";
import {
  finishSignIn,
  SSO_LOGIN_MINUTES,
  SsoFailure,
  SsoSignInError,
  startSignIn,
} from "../services/sso-signin.ts";

// Single sign-on in the browser: both routes are top-level navigations
// that answer with a redirect, never JSON. A failure goes back to the
// builder's sign-in page as `/?sso_error=<code>`, which the builder puts
// into words; the details go to the Worker's log.

/** Binds a sign-in in flight to this browser; only sent back to /v1/auth/sso/*. */
const SSO_COOKIE = "sy_sso";
const SSO_COOKIE_PATH = "/v1/auth/sso";

const Query = (fields: Record<string, string>) =>
  z.object(
    Object.fromEntries(
      Object.entries(fields).map(([k, description]) => [
        k,
        z.string().optional().openapi({ description }),
      ]),
    ),
  );

const backToSignIn = (c: Context<AppEnv>, failure: SsoFailure) =>
  c.redirect(`/?sso_error=${failure}`, 302);

function failed(c: Context<AppEnv>, err: unknown, step: string): Response {
  if (err instanceof SsoSignInError) {
    console.warn(`[${c.var.requestId}] single sign-on ${step}: ${err.failure}: ${err.message}`);
    return backToSignIn(c, err.failure);
  }
  console.error(`[${c.var.requestId}] single sign-on ${step} failed`, err);
  return backToSignIn(c, SsoFailure.unavailable);
}

export const ssoSignInRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/sso/start",
      tags: ["Auth"],
      summary:
        "Sign in by single sign-on: the browser goes to the identity provider of the email's domain",
      description:
        "A browser navigation. 302 to the provider's sign-in page, or to `/?sso_error=<code>` when the email's domain has no single sign-on (`no_sso`) or the provider cannot be reached (`provider_failed`).",
      security: [],
      request: { query: Query({ email: "The person's work email" }) },
      responses: { 302: { description: "To the identity provider, or back to sign-in" } },
    }),
    async (c) => {
      const email = c.req.query("email") ?? "";
      try {
        const { location, browserToken } = await startSignIn(
          c.env,
          c.var.db,
          email,
          c.req.url,
          Date.now(),
        );
        setCookie(c, SSO_COOKIE, browserToken, {
          httpOnly: true,
          secure: true,
          sameSite: "Lax",
          path: SSO_COOKIE_PATH,
          maxAge: SSO_LOGIN_MINUTES * 60,
        });
        return c.redirect(location, 302);
      } catch (err) {
        return failed(c, err, "start");
      }
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/auth/sso/callback",
      tags: ["Auth"],
      summary: "Where the identity provider sends the browser back; opens an sso session",
      description:
        "302 to `/` signed in (the session belongs to the tenant signed into only), or to `/?sso_error=<code>`.",
      security: [],
      request: {
        query: Query({
          code: "The authorization code",
          state: "This sign-in's state",
          iss: "The provider's issuer (RFC 9207)",
          error: "The provider's error, when it did not sign the person in",
        }),
      },
      responses: { 302: { description: "Signed in, or back to sign-in" } },
    }),
    async (c) => {
      const browserToken = getCookie(c, SSO_COOKIE);
      deleteCookie(c, SSO_COOKIE, { path: SSO_COOKIE_PATH, secure: true });
      try {
        const { sessionToken } = await finishSignIn(
          c.env,
          c.var.db,
          {
            browserToken,
            code: c.req.query("code"),
            state: c.req.query("state"),
            iss: c.req.query("iss"),
            error: c.req.query("error"),
          },
          c.req.url,
          Date.now(),
        );
        setSessionCookie(c, sessionToken);
        return c.redirect("/", 302);
      } catch (err) {
        return failed(c, err, "callback");
      }
    },
  );
