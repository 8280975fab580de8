// Secrets at rest (webhook secrets, provider credentials): AES-GCM with a key
// derived from the Worker secret SWITCHYARD_ENCRYPTION_KEY, which callers read
// with `requiredSecret` (503 when unset). Format:
// `v1.<base64url iv>.<base64url ciphertext>`.
import { fromBase64Url, randomBytes, toBase64Url } from "./crypto.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    // Any string works as the Worker secret: its SHA-256 is the AES key.
    key = crypto.subtle
      .digest("SHA-256", encoder.encode(secret))
      .then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    keys.set(secret, key);
  }
  return key;
}

export async function encryptSecret(secret: string, plaintext: string): Promise<string> {
  const iv = randomBytes(12);
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    await keyFor(secret),
    encoder.encode(plaintext),
  );
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(data))}`;
}

export async function decryptSecret(secret: string, stored: string): Promise<string> {
  const [version, iv, data] = stored.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("unknown secret format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64Url(iv) },
    await keyFor(secret),
    fromBase64Url(data),
  );
  return decoder.decode(plain);
}

/** A Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  let s = "";
  for (const b of randomBytes(24)) s += String.fromCharCode(b);
  return `whsec_${btoa(s)}`;
}
