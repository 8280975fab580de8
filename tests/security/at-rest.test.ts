// Secrets at rest and sign-in brute force, on a dedicated `wrangler dev` whose
// state directory and log file this test owns: after every kind of secret
// has gone through the API (tenant and member passwords, API keys, session
// tokens, webhook-source and signing secrets, provider credentials, connection
// credentials), no file
// of the local D1, Durable Object or queue state, and no line of wrangler's
// log, holds any of them in clear.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../support/worker.ts";
import { addMember, Client, newTenant, PASSWORD, rand, signIn, type Tenant } from "./api.ts";

let w: WorkerHandle;
let logFile: string;
let t: Tenant;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  const stateDir = mkdtempSync(join(tmpdir(), "switchyard-secrets-"));
  logFile = join(stateDir, "wrangler.log");
  // Wrangler appends every message, whatever --log-level says, to this file.
  process.env.WRANGLER_LOG_PATH = logFile;
  try {
    w = await startWorker({ stateDir });
  } finally {
    delete process.env.WRANGLER_LOG_PATH;
  }
  t = await newTenant(w.baseUrl, w.vars.SWITCHYARD_PLATFORM_TOKEN!, "Secrets");
}, 180_000);

afterAll(async () => {
  await w?.stop();
  if (w) rmSync(w.stateDir, { recursive: true, force: true });
});

describe("secrets at rest", () => {
  it("stores and logs no API key, password, token or secret in clear", async () => {
    const secrets: Record<string, string> = {
      "tenant password": PASSWORD,
      "tenant API key": t.key,
      "demo API key": w.vars.SWITCHYARD_DEMO_API_KEY!,
      "demo password": w.vars.SWITCHYARD_DEMO_PASSWORD!,
    };
    const memberPassword = `member-pw-${rand(12)}`;
    const memberEmail = `m-${rand()}@example.com`;
    // The member chooses it when accepting the invitation.
    await addMember(t.api, memberEmail, "admin", { password: memberPassword });
    secrets["member password"] = memberPassword;
    const key = await t.api.must("POST", "/v1/api-keys", { name: "ci", scopes: ["write"] });
    secrets["new API key"] = key.key;
    // A key used once more, so lookups cannot write it anywhere either.
    expect((await new Client(w.baseUrl, { key: key.key }).get("/v1/workflows")).status).toBe(200);
    const source = await t.api.must("POST", "/v1/webhook-sources", { name: "crm" });
    secrets["webhook source secret"] = source.secret;
    const rotated = await t.api.must("POST", `/v1/webhook-sources/${source.id}/rotate-secret`);
    secrets["rotated source secret"] = rotated.secret;
    const session = await signIn(w.baseUrl, memberEmail, memberPassword);
    secrets["session token"] = session.auth.cookie!.split("=")[1]!;
    const signing = await t.api.get("/v1/settings/webhook-signing");
    if (signing.status === 200) secrets["outbound signing secret"] = signing.body.secret;
    const providers = await t.api.put("/v1/settings/providers", {
      email: { provider: "resend", from: "ops@example.com", apiKey: `re_${rand(24)}` },
      sms: {
        provider: "twilio",
        from: "+15550001111",
        accountSid: `AC${rand(30)}`,
        authToken: `tw-${rand(24)}`,
      },
    });
    if (providers.status === 200) {
      const body = providers.text;
      expect(body).not.toMatch(/re_|tw-/);
    }
    // Connections' credentials (issue 17): sealed in the tenant's store, never in clear.
    const connections: Array<[string, Record<string, string>]> = [
      ["bearer token", { type: "bearer", token: `tok-${rand(24)}` }],
      ["basic password", { type: "basic", username: "sy", password: `pw-${rand(24)}` }],
      ["api key value", { type: "api_key", in: "query", name: "key", value: `ak-${rand(24)}` }],
      [
        "oauth client secret",
        {
          type: "oauth2_client_credentials",
          tokenUrl: "https://id.example.com/token",
          clientId: "sy",
          clientSecret: `cs-${rand(24)}`,
        },
      ],
    ];
    for (const [what, auth] of connections) {
      const name = `c-${rand(8)}`;
      await t.api.must("POST", "/v1/connections", {
        name,
        baseUrl: "https://erp.example.com",
        auth,
      });
      secrets[`connection ${what}`] = Object.values(auth).at(-1)!;
      // A partial update re-seals nothing it was not given, and shows nothing either.
      await t.api.must("PUT", `/v1/connections/${name}`, { description: "rest" });
    }
    // A failed sign-in with a password that is someone's real one.
    await new Client(w.baseUrl).post("/v1/auth/login", {
      email: t.email,
      password: memberPassword,
    });

    // Let the local storage flush its write-ahead logs (they are read too).
    await new Promise((r) => setTimeout(r, 1000));
    const files = filesUnder(w.stateDir);
    expect(files.some((f) => f.endsWith(".sqlite"))).toBe(true);
    expect(files).toContain(logFile);
    const found: string[] = [];
    for (const f of files) {
      if (f.endsWith("e2e.env")) continue; // the secrets' own source, written by the test harness
      const bytes = readFileSync(f);
      for (const [what, value] of Object.entries(secrets)) {
        // The whole secret, and the part after a prefix such as whsec_ or sy_.
        const needles = [value, value.replace(/^(whsec_|sy_)/, "")];
        if (needles.some((n) => n.length >= 12 && bytes.includes(Buffer.from(n)))) {
          found.push(`${what} in ${f.slice(w.stateDir.length)}`);
        }
      }
    }
    expect(found).toEqual([]);
    // The log is really the dev session's (its runtime's debug lines are in it).
    expect(readFileSync(logFile, "utf8")).toContain("core:user:switchyard");
  });
});

describe("sign-in brute force", () => {
  // A tenant of its own: the one above now sends email through Resend with a
  // made-up key, so its invitations would never reach the outbox.
  let u: Tenant;
  beforeAll(async () => {
    u = await newTenant(w.baseUrl, w.vars.SWITCHYARD_PLATFORM_TOKEN!, "Brute");
  });

  it("answers 429 with Retry-After after 10 failures for one email, even to the right password", async () => {
    const anon = new Client(w.baseUrl);
    const target = `target-${rand()}@example.com`;
    await addMember(u.api, target, "admin", { password: PASSWORD });
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) {
      codes.push(
        (await anon.post("/v1/auth/login", { email: target, password: `nope-${i}` })).status,
      );
    }
    expect(codes).toEqual(Array(10).fill(401));
    const locked = await anon.post("/v1/auth/login", { email: target, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("rate_limited");
    const retryAfter = Number(locked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Another person signs in as before.
    const other = `o-${rand()}@example.com`;
    await addMember(u.api, other, "viewer", { password: PASSWORD });
    expect((await anon.post("/v1/auth/login", { email: other, password: PASSWORD })).status).toBe(
      200,
    );
  });

  it("answers an unknown email exactly like a wrong password", async () => {
    const anon = new Client(w.baseUrl);
    const email = `x-${rand()}@example.com`;
    await addMember(u.api, email, "viewer", { password: PASSWORD });
    const wrong = await anon.post("/v1/auth/login", { email, password: "not-it-at-all" });
    const unknown = await anon.post("/v1/auth/login", {
      email: `nobody-${rand()}@example.com`,
      password: "not-it-at-all",
    });
    expect(wrong.status).toBe(401);
    expect([unknown.status, unknown.body.error.code, unknown.body.error.message]).toEqual([
      wrong.status,
      wrong.body.error.code,
      wrong.body.error.message,
    ]);
  });

  it("limits failures from one address across many emails", async () => {
    const anon = new Client(w.baseUrl);
    let status = 0;
    let tries = 0;
    // 50 per address per window; this test's earlier failures count too.
    while (tries < 60) {
      tries += 1;
      const r = await anon.post("/v1/auth/login", {
        email: `spray-${tries}-${rand()}@example.com`,
        password: "guess",
      });
      status = r.status;
      if (status === 429) {
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
        break;
      }
      expect(status).toBe(401);
    }
    expect(status).toBe(429);
  });
});
