import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";

/**
 * One Durable Object per run: the single writer of that run's state, with
 * its version snapshot and step checkpoints in SQLite storage (DESIGN.md).
 * The engine decides; this class loads, persists and carries out commands.
 */
export class WorkflowRun extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      this.ctx.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
      );
    });
  }

  /** Liveness and storage check, used by the binding tests. */
  async ping(): Promise<{ ok: true; storage: "sqlite" }> {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES ('pinged', '1')");
    return { ok: true, storage: "sqlite" };
  }
}
