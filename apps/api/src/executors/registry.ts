import type { Executor } from "./types.ts";

/** Every executor, by action name. One module each (issue 5 and 6 fill these in). */
const executors = new Map<string, Executor>();

export function registerExecutor(executor: Executor): void {
  executors.set(executor.action, executor);
}

export function executorFor(action: string): Executor | undefined {
  return executors.get(action);
}
