// A software passkey authenticator for the API tests: what a phone or a
// security key does in a WebAuthn ceremony (W3C WebAuthn Level 2 §6), with
// WebCrypto's ECDSA P-256 — "none" attestation, user presence and
// verification flagged, a signature counter. The browser tests use
// Chromium's own virtual authenticator instead.

type Json = Record<string, unknown>;

const enc = new TextEncoder();
const b64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const fromB64url = (s: string): Uint8Array =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const sha256 = async (bytes: Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

/** Just enough CBOR (RFC 8949) for an attestation object and a COSE key. */
type Cbor = number | string | Uint8Array | Map<number | string, Cbor>;
function cbor(v: Cbor): Uint8Array {
  const head = (major: number, n: number): Uint8Array =>
    n < 24
      ? Uint8Array.of((major << 5) | n)
      : n < 256
        ? Uint8Array.of((major << 5) | 24, n)
        : Uint8Array.of((major << 5) | 25, n >> 8, n & 255);
  if (typeof v === "number") return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === "string") {
    const b = enc.encode(v);
    return concat(head(3, b.length), b);
  }
  if (v instanceof Uint8Array) return concat(head(2, v.length), v);
  return concat(head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)]));
}

/** An ECDSA signature from WebCrypto (r‖s) in the DER form WebAuthn carries. */
function der(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i += 1;
    const v = b.slice(i);
    const body = v[0]! & 0x80 ? concat(Uint8Array.of(0), v) : v;
    return concat(Uint8Array.of(0x02, body.length), body);
  };
  const seq = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, seq.length), seq);
}

export class SoftAuthenticator {
  private keys?: CryptoKeyPair;
  private counter = 0;
  credentialId = crypto.getRandomValues(new Uint8Array(16));
  private userHandle?: Uint8Array;

  constructor(private readonly origin: string) {}

  private async authData(rpId: string, flags: number, attested?: Uint8Array) {
    this.counter += 1;
    const count = Uint8Array.of(
      (this.counter >>> 24) & 255,
      (this.counter >>> 16) & 255,
      (this.counter >>> 8) & 255,
      this.counter & 255,
    );
    return concat(
      await sha256(enc.encode(rpId)),
      Uint8Array.of(flags),
      count,
      attested ?? new Uint8Array(),
    );
  }

  /** Answers `navigator.credentials.create(options)` as the JSON the browser library sends. */
  async create(options: Json): Promise<Json> {
    this.keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    const cose = cbor(
      new Map<number, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, fromB64url(jwk.x!)],
        [-3, fromB64url(jwk.y!)],
      ]),
    );
    const id = this.credentialId;
    const attested = concat(new Uint8Array(16), Uint8Array.of(0, id.length), id, cose);
    const rp = (options.rp as Json).id as string;
    this.userHandle = fromB64url((options.user as Json).id as string);
    const authData = await this.authData(rp, 0x45, attested); // UP | UV | AT
    const clientData = enc.encode(
      JSON.stringify({
        type: "webauthn.create",
        challenge: options.challenge,
        origin: this.origin,
      }),
    );
    const attestation = cbor(
      new Map<string, Cbor>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestation),
        transports: ["internal"],
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** Answers `navigator.credentials.get(options)`; `origin` may be overridden (a phishing site). */
  async get(options: Json, origin = this.origin): Promise<Json> {
    if (!this.keys) throw new Error("create() first");
    const authData = await this.authData(options.rpId as string, 0x05); // UP | UV
    const clientData = enc.encode(
      JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin }),
    );
    const signed = concat(authData, await sha256(clientData));
    const raw = new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed),
    );
    const id = this.credentialId;
    return {
      id: b64url(id),
      rawId: b64url(id),
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(der(raw)),
        userHandle: b64url(this.userHandle!),
      },
      clientExtensionResults: {},
    };
  }
}
