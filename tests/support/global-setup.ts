import type { TestProject } from "vitest/node";
import { buildWeb, startWorker, type WorkerHandle } from "./worker.ts";

let worker: WorkerHandle | undefined;

/** One shared `wrangler dev` for the end-to-end and browser suites. */
export async function setup(project: TestProject): Promise<void> {
  buildWeb();
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
