import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { handleQueue } from "./queues/consumers.ts";

export { TenantStore } from "./durable-objects/tenant-store.ts";
export { WorkflowRun } from "./durable-objects/workflow-run.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch, env, _ctx) => handleQueue(batch, env),
} satisfies ExportedHandler<Env>;
