import type { Env } from "../env.ts";

let lastKick = 0;
const KICK_EVERY_MS = 2_000;

/** Makes sure the sweeper's alarm is armed; at most every few seconds per isolate. */
export async function kickSweeper(env: Env): Promise<void> {
  const now = Date.now();
  if (now - lastKick < KICK_EVERY_MS) return;
  lastKick = now;
  await env.SWEEPER.get(env.SWEEPER.idFromName("global")).wake();
}
