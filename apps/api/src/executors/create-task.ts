import { parseDuration } from "@switchyard/engine";
import { newId } from "../lib/crypto.ts";
import { ExecutorErrorCode, parseConfig } from "./config.ts";
import { memberEmailOr } from "./members.ts";
import { type Executor, permanentFailure } from "./types.ts";

interface CreateTaskConfig {
  title: string;
  assignee: string;
  description?: string;
  due?: string;
}

/**
 * `create_task`: a task for a member in the tenant's store, exactly once per
 * idempotency key (the task row carries the key under a unique index, so
 * effect and marker are one statement). `due` is a duration from the attempt's time.
 */
export const createTaskExecutor: Executor = {
  action: "create_task",
  async execute(config, ctx) {
    const parsed = parseConfig<CreateTaskConfig>("create_task", config);
    if (!parsed.ok) return parsed.outcome;
    const c = parsed.value;
    let due: string | null = null;
    if (c.due !== undefined) {
      const ms = parseDuration(c.due);
      if (ms === null) {
        return permanentFailure(
          ExecutorErrorCode.invalidConfig,
          `config.due: '${c.due}' is not a duration such as "30m" or "48h"`,
        );
      }
      due = new Date(Date.parse(ctx.now) + ms).toISOString();
    }
    const member = await memberEmailOr(ctx, "assignee", c.assignee);
    if (!member.ok) return member.outcome;
    const task = await ctx.store.createTask(ctx.tenantId, {
      tenantId: ctx.tenantId,
      id: newId("tsk"),
      title: c.title,
      description: c.description ?? null,
      assignee: member.email,
      due,
      status: "open",
      runId: ctx.runId,
      stepId: ctx.stepId,
      idempotencyKey: ctx.idempotencyKey,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    return { status: "succeeded", output: { taskId: task.id } };
  },
};
