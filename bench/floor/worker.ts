// The platform's floor: the hops a one-step run takes — HTTP → queue →
// consumer → Durable Object checkpoint → queue → consumer → Durable Object
// checkpoint — with none of Switchyard's work (no D1, no engine, no action).
// bench/run.ts sets the event → run latencies beside this one.
import { DurableObject } from "cloudflare:workers";

interface Env {
  HOPS: DurableObjectNamespace<Hop>;
  FIRST: Queue<Hop1>;
  SECOND: Queue<{ id: string }>;
}

interface Hop1 {
  id: string;
  receivedAt: number;
}

export class Hop extends DurableObject<Env> {
  async begin(m: Hop1): Promise<void> {
    await this.ctx.storage.put("receivedAt", m.receivedAt);
    await this.env.SECOND.send({ id: m.id });
  }

  async finish(): Promise<void> {
    await this.ctx.storage.put("finishedAt", Date.now());
  }

  async result(): Promise<{ receivedAt?: number; finishedAt?: number }> {
    return {
      receivedAt: await this.ctx.storage.get<number>("receivedAt"),
      finishedAt: await this.ctx.storage.get<number>("finishedAt"),
    };
  }
}

const hop = (env: Env, id: string) => env.HOPS.get(env.HOPS.idFromName(id));

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/start") {
      const id = crypto.randomUUID();
      await env.FIRST.send({ id, receivedAt: Date.now() });
      return Response.json({ id }, { status: 202 });
    }
    const result = /^\/result\/([\w-]+)$/.exec(url.pathname);
    if (request.method === "GET" && result)
      return Response.json(await hop(env, result[1]!).result());
    if (url.pathname === "/health") return new Response("ok");
    return new Response("not found", { status: 404 });
  },

  async queue(batch, env) {
    await Promise.all(
      batch.messages.map(async (m) => {
        const body = m.body as Hop1;
        if (batch.queue === "floor-first") await hop(env, body.id).begin(body);
        else await hop(env, body.id).finish();
        m.ack();
      }),
    );
  },
} satisfies ExportedHandler<Env, Hop1 | { id: string }>;
