// The SSRF guard for outbound webhooks (DESIGN.md, "Tenancy and access").
// A Worker cannot resolve DNS, so the guard judges the literal host of the
// URL: every way of writing a loopback, private, link-local, CGNAT,
// unique-local, multicast or reserved address, and the names that always
// mean this machine. It runs before connecting and again on every redirect.
// Pure: no I/O, so the whole list is unit-tested as a table.

/** Why the guard refused a URL; the refusal message names it. */
export const SsrfRule = {
  invalidUrl: "invalid_url",
  scheme: "scheme",
  localhost: "localhost",
  metadata: "cloud_metadata",
  unspecified: "unspecified",
  loopback: "loopback",
  private: "private",
  linkLocal: "link_local",
  cgnat: "cgnat",
  uniqueLocal: "unique_local",
  ipv4Mapped: "ipv4_mapped",
  multicast: "multicast",
  reserved: "reserved",
} as const;
export type SsrfRule = (typeof SsrfRule)[keyof typeof SsrfRule];

/** The two Worker variables that loosen the guard (env.ts). */
export interface GuardSettings {
  /** "true" lifts the address rules (local development); schemes stay checked. */
  allowPrivate?: string | undefined;
  /** Comma-separated `host:port` (or bare `host`, any port) allowed while the guard is on. */
  allowHosts?: string | undefined;
}

export type GuardResult = { ok: true; url: URL } | { ok: false; rule: SsrfRule; message: string };

type Refusal = { rule: SsrfRule; what: string };

/**
 * Judges one URL before it is fetched.
 * @example checkOutboundUrl("http://[::ffff:7f00:1]/", {}) // { ok: false, rule: "loopback", … }
 */
export function checkOutboundUrl(input: string | URL, settings: GuardSettings): GuardResult {
  let url: URL;
  try {
    url = typeof input === "string" ? new URL(input) : input;
  } catch {
    return refuse({ rule: SsrfRule.invalidUrl, what: "the URL does not parse" }, String(input));
  }
  // Other schemes (file:, data:, gopher:…) are never fetched, whatever the settings say.
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return refuse({ rule: SsrfRule.scheme, what: `${url.protocol} is not http(s)` }, url.href);
  }
  if (settings.allowPrivate === "true") return { ok: true, url };
  if (allowedHost(url, settings.allowHosts)) return { ok: true, url };
  const refusal = classifyHost(url.hostname);
  return refusal ? refuse(refusal, url.host) : { ok: true, url };
}

function refuse(r: Refusal, target: string): GuardResult {
  return {
    ok: false,
    rule: r.rule,
    message: `refused by the SSRF guard (${r.rule}): ${target}: ${r.what}`,
  };
}

const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

/**
 * Whether a URL reaches this platform's own public host (`SWITCHYARD_PUBLIC_URL`),
 * whatever its path or scheme. With the default port there, any port of that
 * host counts: Cloudflare answers a proxied host on its other ports (8443,
 * 8080, …) with the same Worker. With an explicit port (local development,
 * tests), only that port is the platform.
 * @example isPlatformHost(new URL("http://app.example.com/v1/events"), "https://app.example.com") // true
 */
export function isPlatformHost(url: URL, publicUrl: string | undefined): boolean {
  if (!publicUrl) return false;
  let own: URL;
  try {
    own = new URL(publicUrl);
  } catch {
    return false;
  }
  const name = (u: URL) => u.hostname.toLowerCase().replace(/\.+$/, "");
  if (name(url) !== name(own)) return false;
  if (own.port === "") return true;
  return (url.port || DEFAULT_PORT[url.protocol]) === own.port;
}

/** Whether `SWITCHYARD_WEBHOOK_ALLOW_HOSTS` names this URL's host and port. */
export function allowedHost(url: URL, list: string | undefined): boolean {
  if (!list) return false;
  const port = url.port || DEFAULT_PORT[url.protocol] || "";
  for (const raw of list.split(",")) {
    const entry = raw.trim();
    if (!entry) continue;
    const m = /^(.+?)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    let host: string;
    try {
      // Normalise the entry exactly as the URL was, so `127.1` matches `127.0.0.1`.
      host = new URL(`http://${m[1]}`).hostname;
    } catch {
      continue;
    }
    if (host === url.hostname && (m[2] === undefined || m[2] === port)) return true;
  }
  return false;
}

// Names that resolve to this machine (or the cloud's metadata service) in
// local development, where workerd does use the system resolver.
const LOCAL_NAMES = new Set([
  "localhost",
  "localhost.localdomain",
  "ip6-localhost",
  "ip6-loopback",
]);
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);

/** The refusal for a URL's hostname (as the WHATWG parser left it), or null. */
export function classifyHost(hostname: string): Refusal | null {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIPv6(host.slice(1, -1));
    if (!groups) return { rule: SsrfRule.invalidUrl, what: "not an IPv6 address" };
    return classifyIPv6(groups);
  }
  if (LOCAL_NAMES.has(host) || host.endsWith(".localhost")) {
    return { rule: SsrfRule.localhost, what: "names this machine" };
  }
  if (METADATA_NAMES.has(host)) {
    return { rule: SsrfRule.metadata, what: "names a cloud metadata service" };
  }
  // The URL parser already turns decimal, octal, hex and short IPv4 forms into
  // dotted quads; parsing them again here keeps the guard right even for a
  // runtime (or a caller) that did not.
  if (endsInNumber(host)) {
    const v4 = parseIPv4(host);
    if (v4 === null) return { rule: SsrfRule.invalidUrl, what: "not an IPv4 address" };
    return classifyIPv4(v4);
  }
  return null;
}

/** WHATWG: a host whose last label is a number is an IPv4 address (or invalid). */
function endsInNumber(host: string): boolean {
  const last = host.split(".").at(-1) ?? "";
  return /^(?:\d+|0x[0-9a-f]*)$/i.test(last);
}

/**
 * IPv4 in every legacy form inet_aton accepts: 1 to 4 parts, each decimal,
 * octal (leading 0) or hex (0x); the last part fills the remaining bytes.
 * @example parseIPv4("0x7f.1") // 2130706433
 */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.at(-1) === "") parts.pop();
  if (parts.length === 0 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let n: number;
    if (/^0x[0-9a-f]*$/i.test(p)) n = p.length === 2 ? 0 : Number.parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) n = Number.parseInt(p.slice(1), 8);
    else if (/^[1-9]\d*$|^0$/.test(p)) n = Number(p);
    else return null;
    nums.push(n);
  }
  const last = nums.pop()!;
  if (nums.some((n) => n > 255) || last >= 256 ** (4 - nums.length)) return null;
  let value = last;
  nums.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return value;
}

type Range = [base: number, bits: number, rule: SsrfRule, what: string];

const ip4 = (a: number, b: number, c: number, d: number) =>
  ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;

// Everything that is not a public unicast address (IANA special-purpose registry).
const IPV4_RANGES: Range[] = [
  [ip4(0, 0, 0, 0), 8, SsrfRule.unspecified, "0.0.0.0/8 (this host)"],
  [ip4(10, 0, 0, 0), 8, SsrfRule.private, "10.0.0.0/8"],
  [ip4(100, 64, 0, 0), 10, SsrfRule.cgnat, "100.64.0.0/10 (carrier-grade NAT)"],
  [ip4(127, 0, 0, 0), 8, SsrfRule.loopback, "127.0.0.0/8"],
  [ip4(169, 254, 0, 0), 16, SsrfRule.linkLocal, "169.254.0.0/16 (incl. cloud metadata)"],
  [ip4(172, 16, 0, 0), 12, SsrfRule.private, "172.16.0.0/12"],
  [ip4(192, 0, 0, 0), 24, SsrfRule.reserved, "192.0.0.0/24 (IETF protocol assignments)"],
  [ip4(192, 0, 2, 0), 24, SsrfRule.reserved, "192.0.2.0/24 (documentation)"],
  [ip4(192, 88, 99, 0), 24, SsrfRule.reserved, "192.88.99.0/24 (6to4 relay)"],
  [ip4(192, 168, 0, 0), 16, SsrfRule.private, "192.168.0.0/16"],
  [ip4(198, 18, 0, 0), 15, SsrfRule.reserved, "198.18.0.0/15 (benchmarking)"],
  [ip4(198, 51, 100, 0), 24, SsrfRule.reserved, "198.51.100.0/24 (documentation)"],
  [ip4(203, 0, 113, 0), 24, SsrfRule.reserved, "203.0.113.0/24 (documentation)"],
  [ip4(224, 0, 0, 0), 4, SsrfRule.multicast, "224.0.0.0/4"],
  [ip4(240, 0, 0, 0), 4, SsrfRule.reserved, "240.0.0.0/4 (incl. broadcast)"],
];

export function classifyIPv4(addr: number): Refusal | null {
  for (const [base, bits, rule, what] of IPV4_RANGES) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((addr & mask) >>> 0 === base) return { rule, what: `${formatIPv4(addr)} is in ${what}` };
  }
  return null;
}

const formatIPv4 = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");

/** Eight 16-bit groups, or null. Accepts `::` and a trailing dotted quad. */
export function parseIPv6(text: string): number[] | null {
  if (text.includes("%")) return null; // zone ids never reach a fetch
  let s = text;
  const tail: number[] = [];
  const dotted = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(dotted[1]!) ? parseIPv4(dotted[1]!) : null;
    if (v4 === null || dotted[1]!.split(".").some((p) => Number(p) > 255)) return null;
    tail.push(v4 >>> 16, v4 & 0xffff);
    s = s.slice(0, s.length - dotted[1]!.length);
    if (s.endsWith(":") && !s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const read = (h: string) => (h === "" ? [] : h.split(":"));
  const head = read(halves[0]!);
  const rest = halves.length === 2 ? read(halves[1]!) : [];
  const groups: number[] = [];
  for (const g of [...head, ...rest]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return null;
    groups.push(Number.parseInt(g, 16));
  }
  const known = groups.length + tail.length;
  if (halves.length === 1 && known !== 8) return null;
  if (halves.length === 2 && known > 7) return null;
  const zeros = new Array<number>(8 - known).fill(0);
  const headNums = groups.slice(0, head.length);
  const restNums = groups.slice(head.length);
  return halves.length === 2 ? [...headNums, ...zeros, ...restNums, ...tail] : [...groups, ...tail];
}

export function classifyIPv6(g: number[]): Refusal | null {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  const v4Tail = ((g[6]! << 16) >>> 0) + g[7]!;
  if (zeroUpTo(8)) return { rule: SsrfRule.unspecified, what: ":: (unspecified)" };
  if (zeroUpTo(7) && g[7] === 1) return { rule: SsrfRule.loopback, what: "::1" };
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) reach the IPv4 address
  // itself on dual-stack hosts: judged by it, and refused even when it is public
  // because no legitimate receiver is written that way.
  if (zeroUpTo(5) && (g[5] === 0xffff || g[5] === 0)) {
    const inner = classifyIPv4(v4Tail);
    const kind = g[5] === 0xffff ? "IPv4-mapped" : "IPv4-compatible";
    return inner
      ? { rule: inner.rule, what: `${kind} IPv6 of ${inner.what}` }
      : { rule: SsrfRule.ipv4Mapped, what: `${kind} IPv6 of ${formatIPv4(v4Tail)}` };
  }
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    const inner = classifyIPv4(v4Tail);
    if (inner) return { rule: inner.rule, what: `NAT64 IPv6 of ${inner.what}` };
    return null;
  }
  if (g[0] === 0x2002) {
    const inner = classifyIPv4(((g[1]! << 16) >>> 0) + g[2]!);
    if (inner) return { rule: inner.rule, what: `6to4 IPv6 of ${inner.what}` };
    return null;
  }
  const top = g[0]!;
  if ((top & 0xfe00) === 0xfc00) return { rule: SsrfRule.uniqueLocal, what: "fc00::/7" };
  if ((top & 0xffc0) === 0xfe80) return { rule: SsrfRule.linkLocal, what: "fe80::/10" };
  if ((top & 0xffc0) === 0xfec0) return { rule: SsrfRule.private, what: "fec0::/10 (site-local)" };
  if ((top & 0xff00) === 0xff00) return { rule: SsrfRule.multicast, what: "ff00::/8" };
  if (top === 0x64 && g[1] === 0xff9b && g[2] === 1) {
    return { rule: SsrfRule.private, what: "64:ff9b:1::/48 (local-use NAT64)" };
  }
  if (top === 0x100 && g.slice(1, 4).every((x) => x === 0))
    return { rule: SsrfRule.reserved, what: "100::/64 (discard)" };
  if (top === 0x2001 && g[1] === 0xdb8) return { rule: SsrfRule.reserved, what: "2001:db8::/32" };
  if (top === 0x2001 && g[1] === 0) return { rule: SsrfRule.reserved, what: "2001::/32 (Teredo)" };
  if ((top & 0xff00) === 0) return { rule: SsrfRule.reserved, what: "::/8 (reserved)" };
  return null;
}
