// Standard Webhooks signatures with WebCrypto, for the example request the
// settings show: v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>,
// the secret being the base64 after "whsec_".
function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes: ArrayBuffer): string {
  let bin = "";
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin);
}

export async function sign(secret: string, id: string, timestamp: number, body: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64(secret.replace(/^whsec_/, "")),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(`${id}.${timestamp}.${body}`),
  );
  return `v1,${toBase64(mac)}`;
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

export interface ExampleRequest {
  url: string;
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  curl: string;
}

/** A ready-to-run curl request, valid for five minutes from `now`. */
export async function exampleRequest(
  origin: string,
  path: string,
  secret: string,
  eventType: string | null,
  now = Date.now(),
): Promise<ExampleRequest> {
  const id = `msg_example_${Math.floor(now / 1000).toString(36)}`;
  const timestamp = Math.floor(now / 1000);
  const body = JSON.stringify(
    eventType
      ? { id: "123", note: "any JSON: it becomes the event data" }
      : { type: "webhook.received", data: { id: "123", note: "hello" } },
  );
  const signature = await sign(secret, id, timestamp, body);
  const url = `${origin}${path}`;
  const curl = [
    `curl -X POST ${quote(url)}`,
    `  -H 'content-type: application/json'`,
    `  -H ${quote(`webhook-id: ${id}`)}`,
    `  -H ${quote(`webhook-timestamp: ${timestamp}`)}`,
    `  -H ${quote(`webhook-signature: ${signature}`)}`,
    `  --data-raw ${quote(body)}`,
  ].join(" \\\n");
  return { url, id, timestamp, signature, body, curl };
}
