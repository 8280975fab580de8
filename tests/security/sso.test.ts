// Single sign-on by OpenID Connect, end to end: a real provider
// (oidc-provider) and a DNS-over-HTTPS double on 127.0.0.1, the real Worker
// under `wrangler dev`, the browser's redirects driven by fetch with the
// cookies kept by hand. Covers the settings and domain proof, a person
// joining just in time, every tampering the flow must refuse, "required",
// the session bound to its tenant, and the audit trail.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type DohHandle,
  type OidcHandle,
  startDohServer,
  startOidcProvider,
} from "../support/oidc-provider.ts";
import { idpLogin, ssoCallback, ssoSignIn, ssoStart } from "../support/sso-flow.ts";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import {
  addMember,
  Client,
  invitationToken,
  type Json,
  newTenant,
  rand,
  signIn,
  type Tenant,
} from "./api.ts";

const SECRET = `sso-client-secret-${rand(12)}`;
const CLIENT_ID = "switchyard-e2e";
const OTHER_CLIENT = {
  clientId: "other-app",
  clientSecret: "other-secret-0123456789",
  redirectUri: "http://127.0.0.1:9/cb",
};

let worker: WorkerHandle;
let idp: OidcHandle;
let doh: DohHandle;
let base: string;
let platform: string;
let a: Tenant;
let domain: string;

/** `?sso_error=` of a redirect back to the sign-in page. */
const ssoError = (location: string) => new URL(location, "http://x").searchParams.get("sso_error");

beforeAll(async () => {
  doh = await startDohServer();
  worker = await startWorker({ vars: { SWITCHYARD_DOH_URL: doh.url } });
  base = worker.baseUrl;
  platform = worker.vars.SWITCHYARD_PLATFORM_TOKEN!;
  domain = `acme-${rand(6)}.example`;
  idp = await startOidcProvider({
    clients: [
      { clientId: CLIENT_ID, clientSecret: SECRET, redirectUri: `${base}/v1/auth/sso/callback` },
      OTHER_CLIENT,
    ],
    people: [
      { email: `ann@${domain}`, emailVerified: true, name: "Ann Example" },
      { email: `bob@${domain}`, emailVerified: false },
      { email: "mallory@elsewhere.example", emailVerified: true },
    ],
  });
  a = await newTenant(base, platform, "SSO");
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await idp?.stop();
  await doh?.stop();
});

const connection = (over: Record<string, unknown> = {}) => ({
  issuer: idp.issuer,
  clientId: CLIENT_ID,
  clientSecret: SECRET,
  defaultRole: "viewer",
  enabled: true,
  required: false,
  ...over,
});

describe("single sign-on settings", () => {
  it("checks the issuer by its discovery document and keeps the secret write-only", async () => {
    const empty = await a.api.must("GET", "/v1/settings/sso");
    expect(empty).toEqual({
      connection: null,
      redirectUri: `${base}/v1/auth/sso/callback`,
      domains: [],
    });
    const noSecret = await a.api.put("/v1/settings/sso", connection({ clientSecret: undefined }));
    expect(noSecret.status).toBe(422);
    expect(noSecret.body.error.details[0].path).toBe("clientSecret");
    // Nothing listens there: refused in words, not a 500.
    const unreachable = await a.api.put(
      "/v1/settings/sso",
      connection({ issuer: "http://127.0.0.1:9" }),
    );
    expect(unreachable.status).toBe(422);
    expect(unreachable.body.error.message).toMatch(/could not be checked: .*could not be reached/);
    // The provider's document names another issuer (a trailing slash is another issuer).
    const other = await a.api.put("/v1/settings/sso", connection({ issuer: `${idp.issuer}/` }));
    expect(other.status).toBe(422);
    expect(other.body.error.message).toContain(`calls itself '${idp.issuer}'`);
    const notUrl = await a.api.put("/v1/settings/sso", connection({ issuer: "login" }));
    expect(notUrl.status).toBe(422);

    const put = await a.api.put("/v1/settings/sso", connection());
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      clientSecretSet: true,
    });
    expect(put.text).not.toContain(SECRET);
    const got = await a.api.get("/v1/settings/sso");
    expect(got.body.connection).toMatchObject({
      defaultRole: "viewer",
      enabled: true,
      required: false,
    });
    expect(got.text).not.toContain(SECRET);
    // Changing other fields keeps the stored secret.
    expect(
      (await a.api.put("/v1/settings/sso", connection({ clientSecret: undefined }))).status,
    ).toBe(200);
  });

  it("is for admins only", async () => {
    const viewerEmail = `viewer-${rand()}@example.com`;
    await addMember(a.api, viewerEmail, "viewer", { password: "a-long-enough-password" });
    const viewer = await signIn(base, viewerEmail, "a-long-enough-password");
    expect((await viewer.get("/v1/settings/sso")).status).toBe(403);
    expect((await viewer.put("/v1/settings/sso", connection())).status).toBe(403);
    expect((await viewer.post("/v1/settings/sso/domains", { domain })).status).toBe(403);
  });

  it("verifies a domain by its DNS TXT record; a domain belongs to one tenant", async () => {
    const added = await a.api.call("POST", "/v1/settings/sso/domains", {
      body: { domain: `@${domain.toUpperCase()}` },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ domain, status: "pending", verifiedAt: null });
    expect(added.body.txt.name).toBe(`_switchyard-verify.${domain}`);
    expect(added.body.txt.value).toMatch(/^switchyard-verify=[\w-]{20,}$/);
    expect((await a.api.post("/v1/settings/sso/domains", { domain })).status).toBe(200);
    expect((await a.api.post("/v1/settings/sso/domains", { domain: "not a domain" })).status).toBe(
      422,
    );

    const b = await newTenant(base, platform, "Rival");
    const taken = await b.api.post("/v1/settings/sso/domains", { domain });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toContain("Another workspace is verifying");
    expect((await b.api.post(`/v1/settings/sso/domains/${domain}/verify`)).status).toBe(404);

    const none = await a.api.post(`/v1/settings/sso/domains/${domain}/verify`);
    expect(none.status).toBe(422);
    expect(none.body.error.message).toContain(
      `found no TXT record at _switchyard-verify.${domain}`,
    );
    doh.setTxt(added.body.txt.name, ["v=spf1 -all", "switchyard-verify=wrong"]);
    const wrong = await a.api.post(`/v1/settings/sso/domains/${domain}/verify`);
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.message).toContain('"switchyard-verify=wrong"');
    doh.setTxt(added.body.txt.name, ["v=spf1 -all", added.body.txt.value]);
    const ok = await a.api.post(`/v1/settings/sso/domains/${domain}/verify`);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe("verified");
    expect(doh.queries).toContain(`_switchyard-verify.${domain} TXT`);
    // Verified: another tenant cannot take it.
    expect((await b.api.post("/v1/settings/sso/domains", { domain })).body.error.message).toContain(
      "verified by another workspace",
    );
  });
});

describe("signing in", () => {
  it("a new person joins just in time with the default role, in an sso session of this tenant", async () => {
    const res = await ssoSignIn(base, `Ann@${domain}`);
    expect(res.status).toBe(302);
    expect(res.location).toBe("/");
    expect(res.session).toBeTruthy();
    const ann = new Client(base, { cookie: `sy_session=${res.session}` });
    const me = (await ann.get("/v1/auth/me")).body;
    expect(me.user).toMatchObject({ email: `ann@${domain}`, name: "Ann Example" });
    expect(me.tenant.id).toBe(a.tenantId);
    expect(me.role).toBe("viewer");
    expect(me.tenants).toEqual([{ id: a.tenantId, name: a.name, role: "viewer" }]);
    const members = await a.api.must("GET", "/v1/members");
    expect(members.items.find((m: Json) => m.email === `ann@${domain}`)?.role).toBe("viewer");
    // The account has no password that any password could match.
    for (const password of ["", "sso-only", "no-password", "sso-only$no-password"]) {
      const login = await new Client(base).post("/v1/auth/login", {
        email: `ann@${domain}`,
        password,
      });
      expect(login.status).toBe(401);
    }
    // A second sign-in reuses the account and the membership.
    const again = await ssoSignIn(base, `ann@${domain}`);
    expect(again.location).toBe("/");
    const after = await a.api.must("GET", "/v1/members");
    expect(after.items.filter((m: Json) => m.email === `ann@${domain}`)).toHaveLength(1);
  });

  it("an email whose domain has no verified single sign-on goes back to sign-in", async () => {
    const pending = `pending-${rand(6)}.example`;
    await a.api.must("POST", "/v1/settings/sso/domains", { domain: pending });
    for (const email of [`ann@${pending}`, "someone@nowhere.example"]) {
      const { location } = await ssoStart(base, email);
      expect(location.origin).toBe(base);
      expect(ssoError(location.href)).toBe("no_sso");
    }
    expect(ssoError((await ssoStart(base, "not-an-email")).location.href)).toBe("invalid_email");
  });

  it("refuses a tampered state, a replay, and a callback without this browser's cookie", async () => {
    const { location, ssoCookie } = await ssoStart(base, `ann@${domain}`);
    expect(location.origin).toBe(idp.issuer);
    expect(location.searchParams.get("code_challenge_method")).toBe("S256");
    expect(location.searchParams.get("scope")).toBe("openid email profile");
    const back = await idpLogin(location, `ann@${domain}`);
    const tampered = new URL(back);
    tampered.searchParams.set("state", "forged-state");
    expect(ssoError((await ssoCallback(tampered, ssoCookie)).location)).toBe("mismatch");
    // The sign-in was used up by that attempt: the right state is refused now too.
    const replay = await ssoCallback(back, ssoCookie);
    expect(ssoError(replay.location)).toBe("expired");
    expect(replay.session).toBeUndefined();

    const second = await ssoStart(base, `ann@${domain}`);
    const back2 = await idpLogin(second.location, `ann@${domain}`);
    expect(ssoError((await ssoCallback(back2, undefined)).location)).toBe("expired");
    expect(ssoError((await ssoCallback(back2, "another-browser")).location)).toBe("expired");
  });

  it("refuses a code issued for another PKCE challenge", async () => {
    const { location, ssoCookie } = await ssoStart(base, `ann@${domain}`);
    const attacker = randomBytes(32).toString("base64url");
    location.searchParams.set(
      "code_challenge",
      createHash("sha256").update(attacker).digest("base64url"),
    );
    const back = await idpLogin(location, `ann@${domain}`);
    const res = await ssoCallback(back, ssoCookie);
    expect(ssoError(res.location)).toBe("provider_failed");
    expect(res.session).toBeUndefined();
  });

  it("refuses an id token of another sign-in (nonce) and one issued to another client (audience)", async () => {
    // A genuine id token from an earlier sign-in, replayed into this one.
    idp.hooks.seen.length = 0;
    expect((await ssoSignIn(base, `ann@${domain}`)).location).toBe("/");
    const earlier = idp.hooks.seen.at(-1)!.id_token as string;
    const first = await ssoStart(base, `ann@${domain}`);
    const back = await idpLogin(first.location, `ann@${domain}`);
    idp.hooks.tokenResponse = (body) => ({ ...body, id_token: earlier });
    try {
      expect(ssoError((await ssoCallback(back, first.ssoCookie)).location)).toBe(
        "id_token_invalid",
      );
    } finally {
      idp.hooks.tokenResponse = undefined;
    }

    // Another application's id token, with this sign-in's nonce: only its audience is wrong.
    const second = await ssoStart(base, `ann@${domain}`);
    const nonce = second.location.searchParams.get("nonce")!;
    const verifier = randomBytes(32).toString("base64url");
    const otherAuth = new URL(second.location);
    otherAuth.search = new URLSearchParams({
      response_type: "code",
      client_id: OTHER_CLIENT.clientId,
      redirect_uri: OTHER_CLIENT.redirectUri,
      scope: "openid email profile",
      state: "other",
      nonce,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      code_challenge_method: "S256",
    }).toString();
    const otherBack = await idpLogin(otherAuth, `ann@${domain}`);
    const token = await fetch(`${idp.issuer}/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${OTHER_CLIENT.clientId}:${OTHER_CLIENT.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: otherBack.searchParams.get("code")!,
        redirect_uri: OTHER_CLIENT.redirectUri,
        code_verifier: verifier,
      }),
    });
    const foreign = ((await token.json()) as Json).id_token as string;
    const claims = JSON.parse(Buffer.from(foreign.split(".")[1]!, "base64url").toString());
    expect(claims).toMatchObject({ aud: OTHER_CLIENT.clientId, nonce, iss: idp.issuer });
    const back2 = await idpLogin(second.location, `ann@${domain}`);
    idp.hooks.tokenResponse = (body) => ({ ...body, id_token: foreign });
    try {
      expect(ssoError((await ssoCallback(back2, second.ssoCookie)).location)).toBe(
        "id_token_invalid",
      );
    } finally {
      idp.hooks.tokenResponse = undefined;
    }
  });

  it("refuses an unverified email, an email of an unverified domain, and the provider's refusal", async () => {
    const bob = await ssoSignIn(base, `bob@${domain}`);
    expect(ssoError(bob.location)).toBe("email_unverified");
    // Started for this tenant's domain, but the provider vouches for someone elsewhere.
    const mallory = await ssoSignIn(base, `ann@${domain}`, "mallory@elsewhere.example");
    expect(ssoError(mallory.location)).toBe("wrong_domain");
    expect(mallory.session).toBeUndefined();
    const { location, ssoCookie } = await ssoStart(base, `ann@${domain}`);
    const denied = new URL(`${base}/v1/auth/sso/callback`);
    denied.searchParams.set("error", "access_denied");
    denied.searchParams.set("state", location.searchParams.get("state")!);
    expect(ssoError((await ssoCallback(denied, ssoCookie)).location)).toBe("denied");
    const members = await a.api.must("GET", "/v1/members");
    const emails = members.items.map((m: Json) => m.email);
    expect(emails).not.toContain(`bob@${domain}`);
    expect(emails).not.toContain("mallory@elsewhere.example");
  });
});

describe("an sso session and 'required'", () => {
  it("an sso session stays in its tenant", async () => {
    const c = await newTenant(base, platform, "Other");
    const ann = new Client(base, {
      cookie: `sy_session=${(await ssoSignIn(base, `ann@${domain}`)).session}`,
    });
    const me = await ann.must("GET", "/v1/auth/me");
    ann.auth.csrf = me.csrfToken;
    // Joining another tenant by invitation does not carry the sso session there.
    await addMember(c.api, `ann@${domain}`, "editor", { session: ann });
    const after = await ann.must("GET", "/v1/auth/me");
    expect(after.tenant.id).toBe(a.tenantId);
    expect(after.tenants).toHaveLength(1);
    const sw = await ann.post("/v1/auth/switch-tenant", { tenantId: c.tenantId });
    expect(sw.status).toBe(403);
    expect(sw.body.error.message).toContain("single sign-on for this workspace only");
  });

  it("required: refuses password sign-in into the tenant and ends its password sessions", async () => {
    const owner = await signIn(base, a.email, a.password);
    // A person in two tenants: A (soon requiring single sign-on) and their own.
    const c = await newTenant(base, platform, "Dual");
    await addMember(a.api, c.email, "editor", { session: await signIn(base, c.email, c.password) });
    const dual = await signIn(base, c.email, c.password);
    await dual.must("POST", "/v1/auth/switch-tenant", { tenantId: a.tenantId });

    // From a password session, requiring it is refused: it could lock that admin out.
    const fromPassword = await owner.put(
      "/v1/settings/sso",
      connection({ clientSecret: undefined, required: true }),
    );
    expect(fromPassword.status).toBe(409);
    expect(fromPassword.body.error.message).toContain("Sign in with single sign-on yourself first");
    expect(
      (
        await a.api.put(
          "/v1/settings/sso",
          connection({ clientSecret: undefined, enabled: false, required: true }),
        )
      ).status,
    ).toBe(422);
    const put = await a.api.put(
      "/v1/settings/sso",
      connection({ clientSecret: undefined, required: true }),
    );
    expect(put.status).toBe(200);
    expect(put.body.required).toBe(true);

    expect((await owner.get("/v1/auth/me")).status).toBe(401);
    expect((await dual.get("/v1/auth/me")).status).toBe(401);
    const refused = await new Client(base).post("/v1/auth/login", {
      email: a.email,
      password: a.password,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("sso_required");
    expect(refused.body.error.message).toContain("single sign-on");
    // The person with another tenant signs in there, and cannot switch into A by password.
    const dualAgain = await signIn(base, c.email, c.password);
    const me = await dualAgain.must("GET", "/v1/auth/me");
    expect(me.tenant.id).toBe(c.tenantId);
    const sw = await dualAgain.post("/v1/auth/switch-tenant", { tenantId: a.tenantId });
    expect(sw.status).toBe(403);
    expect(sw.body.error.code).toBe("sso_required");
    // Joining by invitation opens no password session there, nor moves one there.
    const late = `late-${rand()}@example.com`;
    await a.api.must("POST", "/v1/members", { email: late, role: "viewer" });
    const joined = await new Client(base).post("/v1/invitations/accept", {
      token: await invitationToken(a.api, late),
      password: "a-long-enough-password",
    });
    expect(joined.status).toBe(200);
    expect(joined.headers.get("set-cookie")).toBeNull();
    const d = await newTenant(base, platform, "Elsewhere");
    const dOwner = await signIn(base, d.email, d.password);
    await a.api.must("POST", "/v1/members", { email: d.email, role: "viewer" });
    const moved = await dOwner.post("/v1/invitations/accept", {
      token: await invitationToken(a.api, d.email),
    });
    expect(moved.status).toBe(200);
    expect((await dOwner.must("GET", "/v1/auth/me")).tenant.id).toBe(d.tenantId);
    const emails = (await a.api.must("GET", "/v1/members")).items.map((m: Json) => m.email);
    expect(emails).toEqual(expect.arrayContaining([late, d.email]));
    // Single sign-on still works.
    expect((await ssoSignIn(base, `ann@${domain}`)).location).toBe("/");
  });

  it("every change is in the tenant's log, without the secret", async () => {
    const log = await a.api.call("GET", "/v1/audit?limit=200");
    expect(log.status).toBe(200);
    expect(log.text).not.toContain(SECRET);
    const types = (log.body.items as Json[]).map((e) => e.type);
    for (const t of [
      "sso.updated",
      "sso.domain_added",
      "sso.domain_verified",
      "sso.member_added",
      "user.created",
    ]) {
      expect(types, t).toContain(t);
    }
    const signedIn = (log.body.items as Json[]).filter(
      (e) => e.type === "user.signed_in" && e.details?.method === "sso",
    );
    expect(signedIn.length).toBeGreaterThan(0);
    const joined = (log.body.items as Json[]).find((e) => e.type === "sso.member_added");
    expect(joined.details).toMatchObject({ email: `ann@${domain}`, role: "viewer" });
    const required = (log.body.items as Json[]).find(
      (e) => e.type === "sso.updated" && e.details.required,
    );
    expect(required.details).toMatchObject({ passwordSessionsEnded: true, secretChanged: false });
    expect((await a.api.must("GET", "/v1/audit/verify")).ok).toBe(true);
  });

  it("removing the domain, then single sign-on, stops its sign-ins", async () => {
    await a.api.must("DELETE", `/v1/settings/sso/domains/${domain}`);
    expect(ssoError((await ssoStart(base, `ann@${domain}`)).location.href)).toBe("no_sso");
    expect((await a.api.delete(`/v1/settings/sso/domains/${domain}`)).status).toBe(404);
    expect((await a.api.delete("/v1/settings/sso")).status).toBe(204);
    expect((await a.api.must("GET", "/v1/settings/sso")).connection).toBeNull();
    expect((await a.api.delete("/v1/settings/sso")).status).toBe(404);
    // Not required any more: the owner's password works again.
    expect((await signIn(base, a.email, a.password)).auth.cookie).toBeTruthy();
  });
});
