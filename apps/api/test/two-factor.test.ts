import { env } from "cloudflare:workers";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { addMember, call, type Json, login, newTenant } from "./helpers.ts";

// Two-step sign-in: an authenticator app's codes (computed here with the
// same RFC 6238 parameters every app uses) and one-time recovery codes.

type Session = { cookie: string; csrf: string };

const as = (s: Session, method: string, path: string, body?: unknown) =>
  call(method, path, { cookie: s.cookie, headers: { "x-csrf-token": s.csrf }, body });

/** The code an authenticator app shows `offsetSteps` steps from now. */
const appCode = (secret: string, offsetSteps = 0) =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    digits: 6,
    period: 30,
    algorithm: "SHA1",
  }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });

async function enrol(s: Session): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await as(s, "POST", "/v1/auth/2fa/enrol");
  expect(started.status).toBe(200);
  const secret = started.body.secret as string;
  const confirmed = await as(s, "POST", "/v1/auth/2fa/confirm", { code: appCode(secret) });
  expect(confirmed.status).toBe(200);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes };
}

async function passwordStep(email: string, password: string): Promise<string> {
  const res = await call("POST", "/v1/auth/login", { body: { email, password } });
  expect(res.status).toBe(200);
  expect(res.headers.get("set-cookie")).toBeNull();
  expect(res.body.csrfToken).toBeUndefined();
  return res.body.twoFactor.challenge;
}

async function codeStep(challenge: string, code: string) {
  const res = await call("POST", "/v1/auth/login/2fa", { body: { challenge, code } });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  return { ...res, session: { cookie, csrf: res.body.csrfToken as string } };
}

describe("two-step sign-in", () => {
  it("is turned on by scanning a secret and confirming a code; it gives ten recovery codes and ends the other sessions", async () => {
    const t = await newTenant();
    const here = await login(t.email, t.password);
    const elsewhere = await login(t.email, t.password);
    expect((await as(here, "GET", "/v1/auth/2fa")).body).toEqual({
      enabled: false,
      enabledAt: null,
      recoveryCodesLeft: 0,
    });
    const started = await as(here, "POST", "/v1/auth/2fa/enrol");
    expect(started.body.uri).toMatch(
      new RegExp(
        `^otpauth://totp/Switchyard:${encodeURIComponent(t.email)}\\?.*secret=${started.body.secret}`,
      ),
    );
    // Not on until a code confirms it: the password alone still signs in.
    expect(
      (await call("POST", "/v1/auth/login", { body: { email: t.email, password: t.password } }))
        .body.csrfToken,
    ).toBeTruthy();
    const wrong = await as(here, "POST", "/v1/auth/2fa/confirm", { code: "000000" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].path).toBe("code");
    const confirmed = await as(here, "POST", "/v1/auth/2fa/confirm", {
      code: appCode(started.body.secret),
    });
    expect(confirmed.status).toBe(200);
    const codes = confirmed.body.recoveryCodes as string[];
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect((await as(here, "GET", "/v1/auth/2fa")).body).toMatchObject({
      enabled: true,
      recoveryCodesLeft: 10,
    });
    expect((await call("GET", "/v1/auth/me", { cookie: elsewhere.cookie })).status).toBe(401);
    expect((await call("GET", "/v1/auth/me", { cookie: here.cookie })).status).toBe(200);
    // A second enrolment would replace the app: refused while it is on.
    expect((await as(here, "POST", "/v1/auth/2fa/enrol")).status).toBe(409);
    // At rest: the secret encrypted, recovery codes hashed.
    const rows = await env.DB.prepare(
      "SELECT (SELECT secret_enc FROM user_totp) AS s, (SELECT group_concat(code_hash) FROM recovery_codes) AS h",
    ).first<Json>();
    expect(rows!.s).not.toContain(started.body.secret);
    for (const code of codes) expect(rows!.h).not.toContain(code);
    const audit = await call("GET", "/v1/audit?type=user.two_factor_enabled", { key: t.key });
    expect(audit.body.items).toHaveLength(1);
  });

  it("asks for a code after the password; each code works once, and so does each recovery code", async () => {
    const t = await newTenant();
    const { secret, recoveryCodes } = await enrol(await login(t.email, t.password));

    const challenge = await passwordStep(t.email, t.password);
    const wrong = await codeStep(challenge, "123456");
    expect(wrong.status).toBe(400);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    // The next step's code (the app's clock may run ahead): accepted once.
    const code = appCode(secret, 1);
    const ok = await codeStep(challenge, code);
    expect(ok.status).toBe(200);
    expect(ok.body.user.email).toBe(t.email);
    expect((await call("GET", "/v1/auth/me", { cookie: ok.session.cookie })).status).toBe(200);
    // The challenge opened its session; the same code does not open another.
    expect((await codeStep(challenge, code)).status).toBe(401);
    expect((await codeStep(await passwordStep(t.email, t.password), code)).status).toBe(400);
    // An older code than the last one used is refused too.
    expect((await codeStep(await passwordStep(t.email, t.password), appCode(secret))).status).toBe(
      400,
    );

    // A recovery code, typed loosely, works once.
    const loose = recoveryCodes[0]!.toUpperCase().replace("-", " ");
    const viaRecovery = await codeStep(await passwordStep(t.email, t.password), loose);
    expect(viaRecovery.status).toBe(200);
    expect(
      (await codeStep(await passwordStep(t.email, t.password), recoveryCodes[0]!)).status,
    ).toBe(400);
    expect((await as(viaRecovery.session, "GET", "/v1/auth/2fa")).body.recoveryCodesLeft).toBe(9);
    const signIns = await call("GET", "/v1/audit?type=user.signed_in", { key: t.key });
    expect((signIns.body.items as Json[]).map((e) => e.details?.method)).toContain("password+totp");
  });

  it("gives a challenge five tries, then the password has to be typed again", async () => {
    const t = await newTenant();
    const { recoveryCodes } = await enrol(await login(t.email, t.password));
    const challenge = await passwordStep(t.email, t.password);
    for (let i = 0; i < 5; i += 1) expect((await codeStep(challenge, "111111")).status).toBe(400);
    const late = await codeStep(challenge, recoveryCodes[1]!);
    expect(late.status).toBe(401);
    expect(late.body.error.message).toMatch(/Sign in again/);
    // The recovery code was not spent by the refused try.
    expect(
      (await codeStep(await passwordStep(t.email, t.password), recoveryCodes[1]!)).status,
    ).toBe(200);
  });

  it("is turned off with the password and a code, and gives new recovery codes for a code", async () => {
    const t = await newTenant();
    const s = await login(t.email, t.password);
    const { recoveryCodes } = await enrol(s);
    const renewed = await as(s, "POST", "/v1/auth/2fa/recovery-codes", { code: recoveryCodes[0] });
    expect(renewed.status).toBe(200);
    expect(renewed.body.recoveryCodes).toHaveLength(10);
    // The old codes stopped working.
    expect(
      (
        await as(s, "POST", "/v1/auth/2fa/disable", {
          password: t.password,
          code: recoveryCodes[1],
        })
      ).status,
    ).toBe(400);
    const noPassword = await as(s, "POST", "/v1/auth/2fa/disable", {
      password: "not-the-password",
      code: renewed.body.recoveryCodes[0],
    });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error.details[0].path).toBe("password");
    const off = await as(s, "POST", "/v1/auth/2fa/disable", {
      password: t.password,
      code: renewed.body.recoveryCodes[1],
    });
    expect(off.status).toBe(204);
    expect((await login(t.email, t.password)).csrf).toBeTruthy();
    const types = (await call("GET", "/v1/audit", { key: t.key })).body.items.map(
      (e: Json) => e.type,
    );
    expect(types).toEqual(
      expect.arrayContaining(["user.recovery_codes_replaced", "user.two_factor_disabled"]),
    );
    // An API key has no second factor.
    expect((await call("GET", "/v1/auth/2fa", { key: t.key })).status).toBe(403);
  });
});

describe("a tenant that requires two-step sign-in", () => {
  it("is asked for only by someone who has it; members without it can use only their account until they turn it on", async () => {
    const t = await newTenant();
    const owner = await login(t.email, t.password);
    const refused = await as(owner, "PUT", "/v1/settings/tenant", { require2fa: true });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/for yourself first/);
    await enrol(owner);
    const on = await as(owner, "PUT", "/v1/settings/tenant", { require2fa: true });
    expect(on.status).toBe(200);
    expect(on.body.require2fa).toBe(true);

    const email = `member-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addMember(t.key, email, "editor", { password: "member-password-1" });
    const member = await login(email, "member-password-1");
    expect(member.body.twoFactorRequired).toBe(true);
    const blocked = await as(member, "GET", "/v1/workflows");
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe("two_factor_required");
    const me = await as(member, "GET", "/v1/auth/me");
    expect(me.status).toBe(200);
    expect(me.body.twoFactorRequired).toBe(true);
    await enrol(member);
    expect((await as(member, "GET", "/v1/workflows")).status).toBe(200);
    expect((await as(member, "GET", "/v1/auth/me")).body.twoFactorRequired).toBeUndefined();
    // Integrations are not people: API keys go on working.
    expect((await call("GET", "/v1/workflows", { key: t.key })).status).toBe(200);
    const audit = await call("GET", "/v1/audit?type=settings.updated", { key: t.key });
    expect(audit.body.items[0].details).toEqual({ require2fa: { old: false, new: true } });
  });
});
