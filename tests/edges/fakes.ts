// Local HTTP servers that stand in for the outside world in the edges
// suites: a webhook receiver that counts connections and follows a script,
// and fake Resend and Twilio APIs that check what real ones check (paths,
// auth, request shapes), answer with their error shapes, and count what
// they actually sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer this late (after the work is done), e.g. past the caller's timeout. */
  lateMs?: number;
}

/** A scripted turn: a fixed answer, or the normal behaviour answered late. */
export type Turn = Answer | { late: number };

export interface Fake {
  port: number;
  url: string;
  /** Every TCP connection accepted, including ones that never sent a request. */
  connections: number;
  requests: SeenRequest[];
  close(): Promise<void>;
}

type Handler = (req: SeenRequest) => Answer | Promise<Answer>;

/** A server on `host` (":: " takes IPv4 and IPv6 loopback alike) answering through `handler`. */
export async function startFake(handler: Handler, host = "127.0.0.1"): Promise<Fake> {
  const fake: Fake = {
    port: 0,
    url: "",
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", async () => {
      const seen: SeenRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: Object.fromEntries(
          Object.entries(req.headers).map(([k, v]) => [
            k,
            Array.isArray(v) ? v.join(", ") : (v ?? ""),
          ]),
        ),
        body,
        at: Date.now(),
      };
      fake.requests.push(seen);
      const a = await handler(seen);
      if (a.lateMs) await new Promise((r) => setTimeout(r, a.lateMs));
      const text =
        a.body === undefined ? "" : typeof a.body === "string" ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status, {
        ...(typeof a.body === "object" ? { "content-type": "application/json" } : {}),
        ...a.headers,
      });
      res.end(text);
    });
  });
  server.on("connection", () => {
    fake.connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

/** Answers for the next requests to one recipient (or path), then the default. */
export class Script {
  private readonly queues = new Map<string, Turn[]>();
  add(key: string, ...turns: Turn[]): void {
    this.queues.set(key, [...(this.queues.get(key) ?? []), ...turns]);
  }
  next(key: string): Turn | undefined {
    return this.queues.get(key)?.shift();
  }
  /** The next fixed answer; a `late` turn returns its delay to apply to the normal answer. */
  take(key: string): { answer?: Answer; lateMs?: number } {
    const t = this.next(key);
    if (t === undefined) return {};
    return "late" in t ? { lateMs: t.late } : { answer: t };
  }
}

export interface FakeProvider extends Fake {
  script: Script;
  /** Messages the fake actually sent (an idempotent replay is not a send). */
  sent: Array<{ id: string; to: string; body: unknown }>;
}

/** Resend's POST /emails: Bearer key, JSON, Idempotency-Key kept like Resend does. */
export async function startFakeResend(apiKey: string): Promise<FakeProvider> {
  const script = new Script();
  const sent: FakeProvider["sent"] = [];
  const byKey = new Map<string, string>();
  const fake = await startFake((req) => {
    if (req.method !== "POST" || req.path !== "/emails") {
      return { status: 404, body: { statusCode: 404, name: "not_found", message: "Not found" } };
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return {
        status: 401,
        body: { statusCode: 401, name: "missing_api_key", message: "API key is invalid" },
      };
    }
    const email = JSON.parse(req.body) as { to: string[]; from: string; subject: string };
    if (!Array.isArray(email.to) || !email.from || !email.subject) {
      return {
        status: 422,
        body: { statusCode: 422, name: "validation_error", message: "Missing fields" },
      };
    }
    const { answer, lateMs } = script.take(email.to[0]!);
    if (answer) return answer;
    const key = req.headers["idempotency-key"];
    const known = key ? byKey.get(key) : undefined;
    if (known) return { status: 200, body: { id: known }, lateMs };
    const id = `re_${sent.length + 1}_${Math.random().toString(36).slice(2, 8)}`;
    if (key) byKey.set(key, id);
    sent.push({ id, to: email.to[0]!, body: email });
    return { status: 200, body: { id }, lateMs };
  });
  return Object.assign(fake, { script, sent });
}

/** Twilio's Messages.json: Basic auth, form-encoded To/From/Body, no idempotency. */
export async function startFakeTwilio(sid: string, token: string): Promise<FakeProvider> {
  const script = new Script();
  const sent: FakeProvider["sent"] = [];
  const auth = `Basic ${Buffer.from(`${sid}:${token}`).toString("base64")}`;
  const fake = await startFake((req) => {
    if (req.method !== "POST" || req.path !== `/2010-04-01/Accounts/${sid}/Messages.json`) {
      return {
        status: 404,
        body: { code: 20404, message: "The requested resource was not found", status: 404 },
      };
    }
    if (req.headers.authorization !== auth) {
      return { status: 401, body: { code: 20003, message: "Authenticate", status: 401 } };
    }
    if (!req.headers["content-type"]?.startsWith("application/x-www-form-urlencoded")) {
      return { status: 400, body: { code: 21000, message: "Expected a form", status: 400 } };
    }
    const form = Object.fromEntries(new URLSearchParams(req.body));
    if (!form.To || !form.Body || !(form.From || form.MessagingServiceSid)) {
      return {
        status: 400,
        body: { code: 21604, message: "A 'To' phone number is required.", status: 400 },
      };
    }
    const { answer, lateMs } = script.take(form.To);
    if (answer) return answer;
    const id = `SM${(sent.length + 1).toString().padStart(32, "0")}`;
    sent.push({ id, to: form.To, body: form });
    return {
      status: 201,
      body: { sid: id, status: "queued", to: form.To, from: form.From },
      lateMs,
    };
  });
  return Object.assign(fake, { script, sent });
}
