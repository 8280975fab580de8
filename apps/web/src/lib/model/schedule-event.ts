// What a schedule's runs read: the payload of `schedule.fired` (DESIGN.md,
// "Wave 2 constructs"). Its own module, free of the engine, because the
// catalogue state (loaded on every page) offers it to the data picker.
import type { EventTypeInfo } from "../api";

/**
 * `schedule.fired`, the event a schedule's occurrence is: what its runs read
 * as `schedule.nominal` and so on (the data picker offers these fields).
 */
export const SCHEDULE_FIRED_INFO: EventTypeInfo = {
  type: "schedule.fired",
  description: "The schedule came due",
  sample: {
    scheduleId: "sch_wf_1",
    workflowId: "wf_1",
    nominal: "2026-03-30T07:00:00.000Z",
    actual: "2026-03-30T07:00:01.204Z",
    previousNominal: "2026-03-23T08:00:00.000Z",
  },
  schema: {
    type: "object",
    properties: {
      scheduleId: { type: "string", description: "The schedule's id" },
      workflowId: { type: "string", description: "The workflow the schedule belongs to" },
      nominal: { type: "string", description: "When this run was due (ISO time)" },
      actual: { type: "string", description: "When it actually started (ISO time)" },
      previousNominal: {
        type: ["string", "null"],
        description: "When the run before it was due (ISO time; none for the first)",
      },
    },
  },
};
