import type { TestProject } from "vitest/node";
import { buildWeb, startWorker, type WorkerHandle } from "./worker.ts";

let worker: WorkerHandle | undefined;

/** One shared `wrangler dev` for the end-to-end and browser suites. */
export async function setup(project: TestProject): Promise<void> {
  // `npm run test:unit` builds the builder once before its two vitest
  // processes start (scripts/test.mjs); a bare `vitest run` builds it here.
  if (!process.env.SWITCHYARD_WEB_BUILT) buildWeb();
  worker = await startWorker();
  project.provide("baseUrl", worker.baseUrl);
  project.provide("vars", worker.vars);
}

export async function teardown(): Promise<void> {
  await worker?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    vars: Record<string, string>;
  }
}
