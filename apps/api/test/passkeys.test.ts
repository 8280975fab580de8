import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, type Json, login, newTenant } from "./helpers.ts";
import { SoftAuthenticator } from "./soft-authenticator.ts";

// Passkeys through the real WebAuthn checks (@simplewebauthn/server) with a
// software authenticator that signs as a phone would.

type Session = { cookie: string; csrf: string };
const as = (s: Session, method: string, path: string, body?: unknown) =>
  call(method, path, { cookie: s.cookie, headers: { "x-csrf-token": s.csrf }, body });
const ORIGIN = new URL(env.SWITCHYARD_PUBLIC_URL!).origin;

async function addPasskey(s: Session, name = "Work laptop") {
  const device = new SoftAuthenticator(ORIGIN);
  const started = await as(s, "POST", "/v1/auth/passkeys/options");
  expect(started.status).toBe(200);
  const response = await device.create(started.body.options);
  const added = await as(s, "POST", "/v1/auth/passkeys", {
    ticket: started.body.ticket,
    name,
    response,
  });
  return { device, added, ticket: started.body.ticket as string, response };
}

async function signInWith(device: SoftAuthenticator, origin?: string) {
  const started = await call("POST", "/v1/auth/passkey/options");
  expect(started.status).toBe(200);
  expect(started.body.options.rpId).toBe(new URL(ORIGIN).hostname);
  const response = await device.get(started.body.options, origin);
  const res = await call("POST", "/v1/auth/passkey/login", {
    body: { ticket: started.body.ticket, response },
  });
  const cookie = (res.headers.get("set-cookie") ?? "").split(";")[0]!;
  return { ...res, session: { cookie, csrf: res.body.csrfToken as string }, started, response };
}

describe("passkeys", () => {
  it("are added while signed in (public key only) and then sign in alone, no email or password", async () => {
    const t = await newTenant();
    const s = await login(t.email, t.password);
    const { device, added, ticket, response } = await addPasskey(s);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: "Work laptop", lastUsedAt: null });
    // A ceremony is used once.
    expect(
      (await as(s, "POST", "/v1/auth/passkeys", { ticket, name: "Again", response })).status,
    ).toBe(400);
    const list = await as(s, "GET", "/v1/auth/passkeys");
    expect(list.body.items.map((k: Json) => k.name)).toEqual(["Work laptop"]);

    const signedIn = await signInWith(device);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email).toBe(t.email);
    expect((await call("GET", "/v1/auth/me", { cookie: signedIn.session.cookie })).status).toBe(
      200,
    );
    // The counter moved on and the use is recorded.
    const row = await env.DB.prepare("SELECT counter, last_used_at FROM passkeys WHERE id = ?")
      .bind(added.body.id)
      .first<Json>();
    expect(row!.counter).toBe(2);
    expect(row!.last_used_at).toBeTruthy();
    const audit = await call("GET", "/v1/audit?type=user.signed_in", { key: t.key });
    expect(audit.body.items[0].details).toEqual({ method: "passkey" });
    const addedAudit = await call("GET", "/v1/audit?type=user.passkey_added", { key: t.key });
    expect(addedAudit.body.items[0].details.name).toBe("Work laptop");
  });

  it("refuse a signature made for another site, a reused challenge, an unknown or tampered passkey", async () => {
    const t = await newTenant();
    const s = await login(t.email, t.password);
    const { device } = await addPasskey(s);
    // A look-alike site relaying the challenge: the browser signs its own origin.
    const phished = await signInWith(device, "https://switchyard-login.example");
    expect(phished.status).toBe(401);
    expect(phished.headers.get("set-cookie")).toBeNull();
    // The same ceremony cannot be replayed.
    const ok = await signInWith(device);
    expect(ok.status).toBe(200);
    const replay = await call("POST", "/v1/auth/passkey/login", {
      body: { ticket: ok.started.body.ticket, response: ok.response },
    });
    expect(replay.status).toBe(400);
    // A passkey this site never saw.
    expect((await signInWith(new SoftAuthenticatorWithKey())).status).toBe(401);
    // A signature that does not match.
    const started = await call("POST", "/v1/auth/passkey/options");
    const response = (await device.get(started.body.options)) as { response: Json };
    const sig = response.response.signature as string;
    response.response.signature = `${sig.slice(0, -4)}AAAA`;
    const tampered = await call("POST", "/v1/auth/passkey/login", {
      body: { ticket: started.body.ticket, response },
    });
    expect(tampered.status).toBe(401);
    // Bad shapes are 400s, never 500s.
    for (const body of [{}, { ticket: "x" }, { ticket: "x", response: { id: "!!" } }]) {
      expect((await call("POST", "/v1/auth/passkey/login", { body })).status).toBe(400);
    }
  });

  it("count as two-step sign-in where a workspace requires it, and can be removed by their owner only", async () => {
    const t = await newTenant();
    const owner = await login(t.email, t.password);
    // The owner turns on an app code (the setting needs it), then asks it of everyone.
    const { Secret, TOTP } = await import("otpauth");
    const started = await as(owner, "POST", "/v1/auth/2fa/enrol");
    const code = new TOTP({ secret: Secret.fromBase32(started.body.secret) }).generate();
    expect((await as(owner, "POST", "/v1/auth/2fa/confirm", { code })).status).toBe(200);
    expect((await as(owner, "PUT", "/v1/settings/tenant", { require2fa: true })).status).toBe(200);

    const email = `member-${crypto.randomUUID().slice(0, 8)}@example.com`;
    await addMember(t.key, email, "editor", { password: "member-password-1" });
    const byPassword = await login(email, "member-password-1");
    expect(byPassword.body.twoFactorRequired).toBe(true);
    // Adding a passkey is part of their own account, open to them.
    const { device, added } = await addPasskey(byPassword, "Phone");
    expect(added.status).toBe(201);
    const byPasskey = await signInWith(device);
    expect(byPasskey.status).toBe(200);
    expect(byPasskey.body.twoFactorRequired).toBeUndefined();
    expect((await as(byPasskey.session, "GET", "/v1/workflows")).status).toBe(200);

    // Someone else's passkey reads like a missing one; the owner removes theirs.
    expect((await as(owner, "DELETE", `/v1/auth/passkeys/${added.body.id}`)).status).toBe(404);
    expect(
      (await as(byPasskey.session, "DELETE", `/v1/auth/passkeys/${added.body.id}`)).status,
    ).toBe(204);
    expect((await signInWith(device)).status).toBe(401);
    // An API key has no passkeys.
    expect((await call("GET", "/v1/auth/passkeys", { key: t.key })).status).toBe(403);
  });
});

/** An authenticator with a key pair of its own that was never added anywhere. */
class SoftAuthenticatorWithKey extends SoftAuthenticator {
  constructor() {
    super(ORIGIN);
  }
  override async get(options: Json, origin?: string): Promise<Json> {
    await this.create({
      rp: { id: options.rpId },
      user: { id: "dW5rbm93bg" },
      challenge: "x",
    });
    return super.get(options, origin);
  }
}
