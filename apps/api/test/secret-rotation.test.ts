// Concurrent rotations of a secret never hand out one that does not verify:
// whatever a rotation answers is, afterwards, the current secret or the
// previous one. A rotation that loses the race answers 409 and hands out
// nothing. Two slots keep two secrets, so a third rotation after two others
// retires the first by design: each round is two rotations at once (which
// always overlap here: both read before either writes), checked before
// the next round.
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { createDb, type Db } from "../src/db/client.ts";
import { decryptSecret } from "../src/lib/secrets.ts";
import { getSource } from "../src/repositories/webhook-sources.ts";
import { rotateSigningSecret, settingsRow } from "../src/services/settings.ts";
import { rotateSourceSecret } from "../src/services/webhook-sources.ts";
import { call, newTenant } from "./helpers.ts";

const ROUNDS = 4;

/**
 * D1 as a rotation sees it, except that `meanwhile` runs (once) just before
 * its first write: another rotation lands between this one's read and its
 * write, deterministically.
 */
function interleaved(meanwhile: () => Promise<unknown>): Db {
  let done = false;
  const d1 = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          if (!done) {
            done = true;
            await meanwhile();
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return createDb(d1);
}

const actor = { type: "user" as const, id: "u_test" };

/** What the rotation answered: its secret, or its error's status. */
const outcome = (p: Promise<{ secret: string }>) =>
  p.then(
    (r) => ({ status: 200, secret: r.secret }),
    (err: { status?: number }) => ({ status: err.status ?? 500, secret: "" }),
  );

/** Two requests at the same moment. */
const twice = <T>(f: () => Promise<T>): Promise<T[]> => Promise.all([f(), f()]);

function signed(secret: string, body: string): Record<string, string> {
  const id = `msg_${crypto.randomUUID()}`;
  const at = new Date();
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(id, at, body),
  };
}

describe("a rotation that another one overtakes between its read and its write", () => {
  it("a webhook source's: both answered secrets verify, or the late one is refused", async () => {
    const t = await newTenant();
    const src = await call("POST", "/v1/webhook-sources", {
      key: t.key,
      body: { name: "Shop", eventType: "order.created" },
    });
    const read = (await getSource(createDb(env.DB), t.tenantId, src.body.id))!;
    let other = "";
    const late = await outcome(
      rotateSourceSecret(
        interleaved(async () => {
          const r = await call("POST", `/v1/webhook-sources/${src.body.id}/rotate-secret`, {
            key: t.key,
          });
          other = r.body.secret;
        }),
        env,
        read,
        actor,
        new Date().toISOString(),
      ),
    );
    const verifies = async (secret: string) => {
      const body = JSON.stringify({ n: 1 });
      const res = await call("POST", `/hooks/${src.body.id}`, {
        raw: body,
        headers: signed(secret, body),
      });
      return res.status === 202;
    };
    expect(other).toMatch(/^whsec_/);
    expect(await verifies(other)).toBe(true);
    if (late.status === 200) expect(await verifies(late.secret)).toBe(true);
    else expect(late.status).toBe(409);
    const audit = await call("GET", "/v1/audit?type=webhook_source.rotated", { key: t.key });
    expect(audit.body.items).toHaveLength(late.status === 200 ? 2 : 1);
  });

  it("the outbound signing secret's: both answered secrets sign, or the late one is refused", async () => {
    const t = await newTenant();
    expect((await call("GET", "/v1/settings/webhook-signing", { key: t.key })).status).toBe(200);
    let other = "";
    const late = await outcome(
      rotateSigningSecret(
        interleaved(async () => {
          const r = await call("POST", "/v1/settings/webhook-signing/rotate", { key: t.key });
          other = r.body.secret;
        }),
        env,
        t.tenantId,
        actor,
        new Date().toISOString(),
      ),
    );
    const row = await settingsRow(createDb(env.DB), t.tenantId);
    const key = env.SWITCHYARD_ENCRYPTION_KEY!;
    const signing = [
      await decryptSecret(key, row!.webhookSecretEnc!),
      row!.webhookPreviousSecretEnc ? await decryptSecret(key, row!.webhookPreviousSecretEnc) : "",
    ];
    expect(other).toMatch(/^whsec_/);
    expect(signing).toContain(other);
    if (late.status === 200) expect(signing).toContain(late.secret);
    else expect(late.status).toBe(409);
  });
});

describe("secret rotations at the same moment", () => {
  it("a webhook source's: every secret answered verifies afterwards", async () => {
    const t = await newTenant();
    const src = await call("POST", "/v1/webhook-sources", {
      key: t.key,
      body: { name: "Shop", eventType: "order.created" },
    });
    let won = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const rotations = await twice(() =>
        call("POST", `/v1/webhook-sources/${src.body.id}/rotate-secret`, { key: t.key }),
      );
      expect(rotations.map((r) => r.status).every((s) => s === 200 || s === 409)).toBe(true);
      for (const r of rotations.filter((r) => r.status === 409)) {
        expect(r.body.error.code).toBe("conflict");
      }
      const handedOut = rotations.filter((r) => r.status === 200).map((r) => r.body.secret);
      expect(handedOut.length).toBeGreaterThan(0);
      won += handedOut.length;
      const verifies: boolean[] = [];
      for (const secret of handedOut) {
        const body = JSON.stringify({ round });
        const res = await call("POST", `/hooks/${src.body.id}`, {
          raw: body,
          headers: signed(secret, body),
        });
        verifies.push(res.status === 202);
      }
      expect(verifies).toEqual(handedOut.map(() => true));
    }
    // Each rotation that won is audited, once; the losers wrote nothing.
    const audit = await call("GET", "/v1/audit?type=webhook_source.rotated", { key: t.key });
    expect(audit.body.items).toHaveLength(won);
  });

  it("the outbound signing secret's: every secret answered is current or previous afterwards", async () => {
    const t = await newTenant();
    expect((await call("GET", "/v1/settings/webhook-signing", { key: t.key })).status).toBe(200);
    const key = env.SWITCHYARD_ENCRYPTION_KEY!;
    let signing: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const rotations = await twice(() =>
        call("POST", "/v1/settings/webhook-signing/rotate", { key: t.key }),
      );
      expect(rotations.map((r) => r.status).every((s) => s === 200 || s === 409)).toBe(true);
      const handedOut = rotations.filter((r) => r.status === 200).map((r) => r.body.secret);
      expect(handedOut.length).toBeGreaterThan(0);
      const row = await settingsRow(createDb(env.DB), t.tenantId);
      signing = [
        await decryptSecret(key, row!.webhookSecretEnc!),
        row!.webhookPreviousSecretEnc
          ? await decryptSecret(key, row!.webhookPreviousSecretEnc)
          : "",
      ];
      expect(handedOut.map((s) => signing.includes(s))).toEqual(handedOut.map(() => true));
    }
    expect((await call("GET", "/v1/settings/webhook-signing", { key: t.key })).body.secret).toBe(
      signing[0],
    );
  });
});
