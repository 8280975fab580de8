// OPEN DEFECT reproducer (not part of `npm test`): under `wrangler dev`, after
// a POST whose chunked body (no Content-Length) is refused with 413 by the
// body limit, the NEXT non-GET request answers 503 "Your worker restarted
// mid-request". Usage: node tests/bad-input/repro-chunked-413.mjs <baseUrl> <api key>
// Exits 1 while the defect is there, 0 once it is fixed.
import { request } from "node:http";

const [base, key] = process.argv.slice(2);
if (!base || !key) {
  console.error("usage: node repro-chunked-413.mjs <baseUrl> <api key>");
  process.exit(2);
}
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
const big = Buffer.from(
  JSON.stringify({ type: "repro.big", data: { pad: "x".repeat(300 * 1024) } }),
);
const first = await new Promise((resolve, reject) => {
  const req = request(`${base}/v1/events`, { method: "POST", headers }, (res) => {
    res.resume();
    res.on("end", () => resolve(res.statusCode));
  });
  req.on("error", (e) => (req.headersSent ? undefined : reject(e)));
  for (let i = 0; i < big.length; i += 16 * 1024) req.write(big.subarray(i, i + 16 * 1024));
  req.end();
});
const next = await fetch(`${base}/v1/events`, {
  method: "POST",
  headers,
  body: JSON.stringify({ type: "repro.small", data: {} }),
});
const text = await next.text();
console.log(`chunked oversized → ${first}; next POST → ${next.status} ${text.slice(0, 120)}`);
process.exit(first === 413 && next.status === 202 ? 0 : 1);
