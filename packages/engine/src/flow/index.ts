// Flow control (issue 16, item 1): concurrency, throttle and debounce per key.
export type { Blocked, DebounceSlot, FlowState, Release, Waiting, WaitReason } from "./decide.ts";
export {
  admit,
  blockedBy,
  capWaiters,
  debounceArrive,
  debounceDue,
  gcra,
  planRelease,
  take,
  workflowServed,
} from "./decide.ts";
export type { WaitingFor, WaitingReason } from "./describe.ts";
export { describeFlow, periodWords, waitingFor } from "./describe.ts";
export type { FlowKeys } from "./keys.ts";
export { flowKeys, hashHex, keyLabel, keyWords } from "./keys.ts";
export type { ConcurrencySpec, DebounceSpec, FlowControl, ThrottleSpec } from "./spec.ts";
export {
  FLOW_KEYS,
  FLOW_LIMITS,
  flowOf,
  flowProblems,
  flowShape,
  ms as flowMs,
  TENANT_RUNNING_CAP,
} from "./spec.ts";
