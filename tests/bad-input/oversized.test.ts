import { request } from "node:http";
import { describe, expect, inject, it } from "vitest";

// Oversized bodies answer 413 whether or not they say their length, and the
// Worker keeps answering afterwards (an early 413 used to leave the body
// half-read and the next request failed with 503 under wrangler dev).
const base = inject("baseUrl");
const key = inject("vars").SWITCHYARD_DEMO_API_KEY!;
const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
const big = Buffer.from(
  JSON.stringify({ type: "repro.big", data: { pad: "x".repeat(300 * 1024) } }),
);

function post(chunked: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/v1/events`,
      {
        method: "POST",
        headers: chunked ? headers : { ...headers, "content-length": String(big.length) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    for (let i = 0; i < big.length; i += 16 * 1024) req.write(big.subarray(i, i + 16 * 1024));
    req.end();
  });
}

describe("oversized bodies", () => {
  for (const chunked of [true, false]) {
    it(`answer 413 ${chunked ? "while streaming a chunked body" : "from Content-Length"}, and the next request is served`, async () => {
      expect(await post(chunked)).toBe(413);
      const next = await fetch(`${base}/v1/events`, {
        method: "POST",
        headers,
        body: JSON.stringify({ type: "repro.small", data: {} }),
      });
      expect(next.status).toBe(202);
    });
  }
});
