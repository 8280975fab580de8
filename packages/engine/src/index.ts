// @switchyard/engine — the workflow engine core: definitions, the action
// catalogue, matching, the loop guard and the run state machine. Pure: no
// clock, no randomness, no I/O; see README.md.

export { ApprovalDecision } from "./catalogue/actions/approval.ts";
export {
  BODY_TYPES,
  HTTP_METHODS,
  type HttpRequestConfig,
  httpRequestShape,
  outputProblem,
  RESPONSE_NAME,
} from "./catalogue/actions/http.ts";
export {
  DEFAULT_CONTENT_TYPE,
  isJsonContentType,
  webhookConfigShape,
  webhookContentType,
} from "./catalogue/actions/webhook.ts";
export { CONNECTION_NAME, isConnectionName, urlProblem } from "./catalogue/connection.ts";
export type { ActionDefinition } from "./catalogue/define-action.ts";
export { Completion, defineAction, hasPlaceholder } from "./catalogue/define-action.ts";
export type { JsonTextProblem } from "./catalogue/json-text.ts";
export { describeJsonProblem, jsonTextProblem, parseJsonTemplate } from "./catalogue/json-text.ts";
export type { ActionInfo } from "./catalogue/registry.ts";
export { actionNames, getAction, listActions } from "./catalogue/registry.ts";
export type { ContextInput, EventEnvelope, StepView } from "./context/context.ts";
export { buildContext, payloadNameOf } from "./context/context.ts";
export type { StepEffect } from "./definition/draft.ts";
export { draftShapeProblems, stepEffects } from "./definition/draft.ts";
export {
  DEFINITION_LIMITS,
  LOOP_DEFAULTS,
  LOOP_INDEX_NAME,
  RESERVED_CONTEXT_NAMES,
  SCHEDULE_ONLY_EVENT_TYPES,
} from "./definition/limits.ts";
export type { StepDiff } from "./definition/normalize.ts";
export { diffSteps, normalizeDefinition, stepSignature } from "./definition/normalize.ts";
export type { Problem, TextPosition } from "./definition/problem.ts";
export type { DefinitionRequires, SecretUse } from "./definition/requires.ts";
export { definitionRequires, secretUses } from "./definition/requires.ts";
export {
  EVENT_TYPE_PATTERN,
  eventTypeSchema,
  STEP_ID_PATTERN,
  stepSchema,
  triggerSchema,
  workflowDefinitionSchema,
} from "./definition/schema.ts";
export {
  SECRET_NAME_PATTERN,
  SECRETS_ONLY_IN_ACTIONS,
  SECRETS_ROOT,
  secretNameOf,
} from "./definition/secrets.ts";
export type {
  ActionStep,
  DelayStep,
  ForEachStep,
  IfStep,
  ItemFailurePolicy,
  ParallelStep,
  RetryPolicy,
  Step,
  Trigger,
  WaitForSpec,
  WaitForStep,
  WorkflowDefinition,
} from "./definition/types.ts";
export {
  Backoff,
  isForEachStep,
  isScheduleTrigger,
  isWaitForStep,
  StepKind,
  stepKind,
  triggerType,
  waitTypes,
} from "./definition/types.ts";
export type { ValidationResult } from "./definition/validate.ts";
export { validateDefinition } from "./definition/validate.ts";
export type { StepPlace, VisitedStep } from "./definition/walk.ts";
export { flattenSteps } from "./definition/walk.ts";
export type {
  DryRunEvent,
  DryRunOptions,
  DryRunResult,
  DryRunStep,
  ExplanationItem,
} from "./dry-run/dry-run.ts";
export { DRY_RUN_ITEMS, dryRun } from "./dry-run/dry-run.ts";
export * from "./flow/index.ts";
export type { Causation, ChainLink, LoopCheck } from "./loop-guard/causation.ts";
export {
  checkLoop,
  childCausation,
  DEFAULT_MAX_DEPTH,
  emittedEventId,
  rootCausation,
  SuppressionReason,
} from "./loop-guard/causation.ts";
export type { LiveWorkflow, MatchOptions, MatchResult } from "./matching/workflow-index.ts";
export { MatchDecision, WorkflowIndex } from "./matching/workflow-index.ts";
export { advance } from "./run/advance.ts";
export { idempotencyKey, timerId } from "./run/attempts.ts";
export type { Compatibility, DifferingStep } from "./run/compat.ts";
export { checkRetryCompatibility } from "./run/compat.ts";
export type { CreateRunParams } from "./run/create-run.ts";
export { createRun, STEP_STATE_DEFAULTS } from "./run/create-run.ts";
export type {
  AdvanceResult,
  Command,
  CommandType,
  EmittedEvent,
  Ignored,
  RunInput,
  RunInputType,
  TimelineEntry,
} from "./run/inputs.ts";
export { TimelineKind } from "./run/inputs.ts";
export type { LoopItem } from "./run/instances.ts";
export {
  ITEM_KIND,
  instanceId,
  loopItems,
  parseInstanceId,
  stepAt,
} from "./run/instances.ts";
export type { ConfigPath, RenderResult } from "./run/render.ts";
export { renderConfig } from "./run/render.ts";
export type { ResolvedRetryPolicy } from "./run/retry-policy.ts";
export { RETRY_DEFAULTS, resolveRetryPolicy, retryDelayMs } from "./run/retry-policy.ts";
export { fillSecretField, secretField, secretFieldNames } from "./run/secret-fields.ts";
export type {
  DecisionRecord,
  FilterOutcome,
  LoopProgress,
  RunState,
  StepError,
  StepState,
  Timer,
} from "./run/state.ts";
export {
  EngineErrorCode,
  isFinishedStepStatus,
  isTerminalRunStatus,
  RunStatus,
  StepStatus,
  TimerPurpose,
} from "./run/state.ts";
export { describeSchedule } from "./schedule/describe.ts";
export { nextOccurrences, occurrencesBefore, occurrencesBetween } from "./schedule/occurrences.ts";
export type { ScheduleEventData } from "./schedule/plan.ts";
export {
  jitterMs,
  planFires,
  SCHEDULE_EVENT_TYPE,
  scheduleEventData,
  scheduleEventId,
} from "./schedule/plan.ts";
export type { FirePlan, Occurrence, ScheduleTrigger } from "./schedule/types.ts";
export {
  CatchUp,
  DST_RULE,
  MAX_CATCH_UP,
  MAX_MISSED_COUNT,
  ON_TIME_GRACE_MS,
  Overlap,
  SCHEDULE_DEFAULTS,
  SCHEDULE_TRIGGER_KEYS,
} from "./schedule/types.ts";
export { scheduleTriggerSchema, validateSchedule } from "./schedule/validate.ts";
export { formatOffset, isValidTimeZone, offsetAt } from "./schedule/zone.ts";
export type { FillResult, TemplateWorkflow } from "./templates/fill.ts";
export { checkValues, fillTemplate } from "./templates/fill.ts";
export type { Template, TemplateRequires, TemplateResult } from "./templates/manifest.ts";
export { readTemplate, sampleValues, TEMPLATE_ID } from "./templates/manifest.ts";
export type { ParamValue, TemplateParam } from "./templates/params.ts";
export { TemplateParamType } from "./templates/params.ts";
export { assertNever } from "./util/assert-never.ts";
export { formatDuration, parseDuration } from "./util/duration.ts";
export type { IndexedWait } from "./waits/index.ts";
export { WaitIndex } from "./waits/index.ts";
export type { KeyConjunct, WaitKey } from "./waits/keys.ts";
export { eventKey, keyConjuncts, openKeys, waitKey } from "./waits/keys.ts";
