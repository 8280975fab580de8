// Shared pieces of every transition: how an input is applied or ignored.
import type { Draft } from "./draft.ts";
import type { AdvanceResult, Ignored } from "./inputs.ts";
import type { RunState } from "./state.ts";
import { isTerminalRunStatus } from "./state.ts";

/** The input changes nothing: the same state, no commands, and why. */
export function ignore(state: RunState, reason: Ignored["reason"], message: string): AdvanceResult {
  return { state, commands: [], ignored: { reason, message } };
}

/** The input applied: one more checkpoint. */
export function done(d: Draft): AdvanceResult {
  d.state.seq += 1;
  return { state: d.state, commands: d.commands, ignored: null };
}

/** Started and not finished: step results, timers and decisions apply. */
export function isOpen(state: RunState): boolean {
  return state.startedAt !== null && !isTerminalRunStatus(state.status);
}
