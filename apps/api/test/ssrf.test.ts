import { describe, expect, it } from "vitest";
import { checkOutboundUrl, type GuardSettings, parseIPv4, parseIPv6 } from "../src/lib/ssrf.ts";

// Runs in workerd, so `new URL` here is the parser the Worker uses: the
// table checks what it makes of each form, and that the guard still refuses.

const GUARDED: GuardSettings = {};

const refused: Array<[url: string, rule: string]> = [
  // schemes
  ["file:///etc/passwd", "scheme"],
  ["ftp://example.com/x", "scheme"],
  ["gopher://example.com:70/_x", "scheme"],
  ["data:text/plain,hi", "scheme"],
  ["javascript:alert(1)", "scheme"],
  ["ws://example.com/", "scheme"],
  ["not a url", "invalid_url"],
  // names of this machine
  ["http://localhost/", "localhost"],
  ["http://LOCALHOST:8787/", "localhost"],
  ["http://localhost./", "localhost"],
  ["http://api.localhost/", "localhost"],
  ["http://ip6-localhost/", "localhost"],
  ["http://metadata.google.internal/computeMetadata/v1/", "cloud_metadata"],
  // loopback in every IPv4 spelling
  ["http://127.0.0.1/", "loopback"],
  ["http://127.0.0.1./", "loopback"],
  ["http://127.255.255.254/", "loopback"],
  ["http://127.1/", "loopback"],
  ["http://2130706433/", "loopback"],
  ["http://0177.0.0.1/", "loopback"],
  ["http://0x7f.1/", "loopback"],
  ["http://0x7f000001/", "loopback"],
  ["http://0x7F.0.0.1/", "loopback"],
  ["http://%31%32%37.0.0.1/", "loopback"],
  ["http://１２７.0.0.1/", "loopback"],
  ["https://user:pw@127.0.0.1:8443/", "loopback"],
  // IPv6 loopback and IPv4 inside IPv6
  ["http://[::1]/", "loopback"],
  ["http://[0:0:0:0:0:0:0:1]:8080/", "loopback"],
  ["http://[::ffff:127.0.0.1]/", "loopback"],
  ["http://[::ffff:7f00:1]/", "loopback"],
  ["http://[0:0:0:0:0:ffff:127.0.0.1]/", "loopback"],
  ["http://[::127.0.0.1]/", "loopback"],
  ["http://[::ffff:10.0.0.1]/", "private"],
  ["http://[::ffff:169.254.169.254]/", "link_local"],
  ["http://[::ffff:8.8.8.8]/", "ipv4_mapped"],
  ["http://[64:ff9b::127.0.0.1]/", "loopback"],
  ["http://[2002:7f00:1::]/", "loopback"],
  // unspecified
  ["http://0.0.0.0/", "unspecified"],
  ["http://0/", "unspecified"],
  ["http://0.1.2.3/", "unspecified"],
  ["http://[::]/", "unspecified"],
  // private, link-local, CGNAT, unique-local
  ["http://10.0.0.1/", "private"],
  ["http://10.255.255.255/", "private"],
  ["http://012.1/", "private"],
  ["http://172.16.0.1/", "private"],
  ["http://172.31.255.255/", "private"],
  ["http://192.168.1.1/", "private"],
  ["http://3232235777/", "private"],
  ["http://169.254.169.254/latest/meta-data/", "link_local"],
  ["http://0xa9fea9fe/", "link_local"],
  ["http://[fe80::1]/", "link_local"],
  ["http://[febf::1]/", "link_local"],
  ["http://100.64.0.1/", "cgnat"],
  ["http://100.127.255.255/", "cgnat"],
  ["http://[fc00::1]/", "unique_local"],
  ["http://[fd12:3456::1]/", "unique_local"],
  ["http://[fec0::1]/", "private"],
  // multicast and reserved
  ["http://224.0.0.1/", "multicast"],
  ["http://239.255.255.250/", "multicast"],
  ["http://[ff02::1]/", "multicast"],
  ["http://240.0.0.1/", "reserved"],
  ["http://255.255.255.255/", "reserved"],
  ["http://192.0.2.10/", "reserved"],
  ["http://198.18.0.1/", "reserved"],
  ["http://[2001:db8::1]/", "reserved"],
  ["http://[100::1]/", "reserved"],
];

const allowed = [
  "https://example.com/hook",
  "http://example.com:8080/x?y=1",
  "https://hooks.slack.com/services/T/B/X",
  "http://8.8.8.8/",
  "http://172.15.255.255/",
  "http://172.32.0.1/",
  "http://100.63.255.255/",
  "http://100.128.0.1/",
  "http://192.169.0.1/",
  "http://11.0.0.1/",
  "http://[2606:4700:4700::1111]/",
  "http://[64:ff9b::8.8.8.8]/",
  "http://localhost.example.com/",
  "http://127.0.0.1.nip.io/",
];

describe("the SSRF guard", () => {
  it.each(refused)("refuses %s (%s)", (url, rule) => {
    const res = checkOutboundUrl(url, GUARDED);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.rule).toBe(rule);
      expect(res.message).toContain(`(${rule})`);
    }
  });

  it.each(allowed)("lets %s through", (url) => {
    expect(checkOutboundUrl(url, GUARDED)).toMatchObject({ ok: true });
  });

  it("guards the host as the URL parser normalised it", () => {
    expect(new URL("http://0x7f.1/").hostname).toBe("127.0.0.1");
    expect(new URL("http://[::ffff:127.0.0.1]/").hostname).toBe("[::ffff:7f00:1]");
    const res = checkOutboundUrl(new URL("http://2130706433:9/"), GUARDED);
    expect(res).toMatchObject({ ok: false, rule: "loopback" });
  });

  it("says which rule refused", () => {
    const res = checkOutboundUrl("http://169.254.169.254/", GUARDED);
    expect(!res.ok && res.message).toMatch(/link_local.*169\.254\.169\.254.*metadata/);
  });

  it("SWITCHYARD_ALLOW_PRIVATE_WEBHOOKS=true lifts the address rules, not the scheme rule", () => {
    const open = { allowPrivate: "true" };
    expect(checkOutboundUrl("http://127.0.0.1:8080/", open).ok).toBe(true);
    expect(checkOutboundUrl("http://localhost/", open).ok).toBe(true);
    expect(checkOutboundUrl("file:///etc/passwd", open)).toMatchObject({ rule: "scheme" });
    expect(checkOutboundUrl("http://127.0.0.1/", { allowPrivate: "yes" }).ok).toBe(false);
  });

  it("SWITCHYARD_WEBHOOK_ALLOW_HOSTS allows exactly the named host and port", () => {
    const s = { allowHosts: " 127.0.0.1:9000, receiver.internal:8443 ,localhost" };
    expect(checkOutboundUrl("http://127.0.0.1:9000/x", s).ok).toBe(true);
    // Another spelling of the same host, normalised by the parser, matches too.
    expect(checkOutboundUrl("http://127.1:9000/x", s).ok).toBe(true);
    expect(checkOutboundUrl("http://127.0.0.1:9001/x", s)).toMatchObject({ rule: "loopback" });
    expect(checkOutboundUrl("http://127.0.0.1/", s)).toMatchObject({ rule: "loopback" });
    expect(checkOutboundUrl("https://receiver.internal:8443/", s).ok).toBe(true);
    // A bare host allows every port.
    expect(checkOutboundUrl("http://localhost:3000/", s).ok).toBe(true);
    expect(checkOutboundUrl("http://10.0.0.1:9000/", s)).toMatchObject({ rule: "private" });
    expect(checkOutboundUrl("ftp://127.0.0.1:9000/", s)).toMatchObject({ rule: "scheme" });
    const v6 = { allowHosts: "[::1]:9000" };
    expect(checkOutboundUrl("http://[0::1]:9000/", v6).ok).toBe(true);
  });
});

describe("address parsing", () => {
  it.each([
    ["127.0.0.1", 0x7f000001],
    ["127.1", 0x7f000001],
    ["0x7f.1", 0x7f000001],
    ["0177.0.0.1", 0x7f000001],
    ["2130706433", 0x7f000001],
    ["10.1.1", 0x0a010001],
    ["0x", 0],
  ])("IPv4 %s", (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });

  it.each(["256.0.0.1", "1.2.3.4.5", "4294967296", "0x1g", "1.2.3.256", "08.1.1.1"])(
    "not IPv4: %s",
    (text) => {
      expect(parseIPv4(text)).toBeNull();
    },
  );

  it.each([
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["fe80::1:2", [0xfe80, 0, 0, 0, 0, 0, 1, 2]],
    ["::ffff:127.0.0.1", [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
  ])("IPv6 %s", (text, groups) => {
    expect(parseIPv6(text)).toEqual(groups);
  });

  it.each(["1:2:3", "1::2::3", "fe80::1%eth0", "12345::", "1:2:3:4:5:6:7:8:9"])(
    "not IPv6: %s",
    (text) => {
      expect(parseIPv6(text)).toBeNull();
    },
  );
});
