// The `alerts` object of tenant settings and of a workflow (issue 14):
// who is told when a run fails.
import { z } from "@hono/zod-openapi";
import { DEFAULT_RECIPIENTS, MAX_ALERT_RECIPIENTS } from "../services/alert-settings.ts";
import { AUTO_PAUSE_LIMITS } from "../store/auto-pause.ts";

export const Alerts = z
  .strictObject({
    enabled: z.boolean().openapi({ description: "false: nobody is told" }),
    recipients: z
      .union([
        z.literal(DEFAULT_RECIPIENTS),
        z.array(z.string().min(1).max(100)).max(MAX_ALERT_RECIPIENTS),
      ])
      .openapi({
        description:
          '"default": whoever last published the workflow, and the admins and owners; or member ids (GET /v1/members)',
        example: DEFAULT_RECIPIENTS,
      }),
  })
  .openapi("AlertSettings", {
    description:
      "When a run fails, the people told (in-app and by email): once per streak of failures, and again when it recovers, with the count",
  });

export const Failing = z
  .object({
    since: z.string().openapi({ description: "When the first failed run of the streak ended" }),
    failedRuns: z.number().int(),
    lastFailedAt: z.string(),
    lastRunId: z.string(),
    step: z.string().nullable().openapi({ description: "The failing step's name (last failure)" }),
    error: z.string().nullable().openapi({ description: "The error in words (last failure)" }),
  })
  .openapi("WorkflowFailing", {
    description: "Its runs keep failing: since the last success, or null when it is not failing",
  });

export const OnFailure = z
  .strictObject({
    workflowId: z.string().min(1).max(100).openapi({ example: "wf_handler" }),
  })
  .openapi("OnFailure", {
    description:
      "When a run fails, this workflow (its trigger: workflow.failed) runs with an event whose data is { run, workflow, step, error, input }",
  });

const { failures, minutes } = AUTO_PAUSE_LIMITS;

export const AutoPauseSchema = z
  .strictObject({
    failures: z.number().int().min(failures.min).max(failures.max).openapi({ example: 5 }),
    minutes: z.number().int().min(minutes.min).max(minutes.max).openapi({ example: 10 }),
  })
  .openapi("AutoPause", {
    description:
      "Pause the workflow (it starts no new runs) after this many failed runs within this many minutes; POST /v1/workflows/:id/enable turns it back on",
  });

export const Paused = z
  .object({
    at: z.string(),
    failures: z.number().int().openapi({ description: "Failed runs that crossed the threshold" }),
    minutes: z.number().int().nullable(),
    runId: z.string().openapi({ description: "The failed run that crossed it" }),
  })
  .openapi("WorkflowPaused", {
    description: "Why it was paused automatically; null when it was not (or was turned back on)",
  });
