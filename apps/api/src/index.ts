import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { withD1Wrappers } from "./lib/d1-stats.ts";
import { handleQueue } from "./queues/consumers.ts";

export { TenantStore } from "./durable-objects/tenant-store.ts";
export { WorkflowRun } from "./durable-objects/workflow-run.ts";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, withD1Wrappers(env), ctx),
  queue: (batch, env, _ctx) => handleQueue(batch, withD1Wrappers(env)),
} satisfies ExportedHandler<Env>;
