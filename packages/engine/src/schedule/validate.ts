// Checking `trigger.schedule`. The zod schema carries the structure and the
// per-field messages (it is what OpenAPI shows); validateSchedule adds what a
// schema cannot say well: croner's verdict on the pattern, exactly one of
// cron / every, end after start, jitter shorter than the gap it delays into.
import { z } from "zod";
import { joinPath, type Problem } from "../definition/problem.ts";
import { formatDuration, parseDuration } from "../util/duration.ts";
import { parseCron, parseInstant } from "./compile.ts";
import { CatchUp, Overlap, type ScheduleTrigger } from "./types.ts";
import { isValidTimeZone } from "./zone.ts";

const MAX_CRON_LENGTH = 200;
const DURATION_HINT = 'a duration such as "30s", "15m" or "1h30m"';

const durationAtLeast = (minMs: number, message: string) =>
  z.string().refine(
    (text) => {
      const ms = parseDuration(text);
      return ms !== null && ms >= minMs;
    },
    { message },
  );
const instant = z.string().refine((text) => parseInstant(text) !== null, {
  message: 'expected an ISO-8601 instant with an offset, e.g. "2026-04-01T09:00:00Z"',
});

/** The structure of `trigger.schedule`, with a message per field. */
export const scheduleTriggerSchema = z
  .strictObject({
    cron: z
      .string()
      .min(1, { message: "must not be empty" })
      .max(MAX_CRON_LENGTH)
      .optional()
      .describe("5 fields (minute hour day month weekday), or 6 with seconds first"),
    every: durationAtLeast(1000, `expected ${DURATION_HINT}, at least 1s`)
      .optional()
      .describe("a fixed interval of real time; exactly one of cron and every"),
    timezone: z
      .string()
      .refine(isValidTimeZone, { message: 'expected an IANA time zone such as "Europe/Amsterdam"' })
      .optional()
      .describe("default: the workspace's time zone"),
    start: instant.optional().describe("no occurrence before it; anchors every"),
    end: instant.optional().describe("no occurrence after it"),
    jitter: durationAtLeast(0, `expected ${DURATION_HINT}`)
      .optional()
      .describe("a fixed delay per schedule, shorter than the gap between occurrences"),
    overlap: z
      .enum([Overlap.skip, Overlap.bufferOne, Overlap.allow], {
        message: 'expected "skip", "buffer_one" or "allow"',
      })
      .optional()
      .describe("when the previous run is still going; default skip"),
    catchUp: z
      .enum([CatchUp.none, CatchUp.latest, CatchUp.all], {
        message: 'expected "none", "latest" or "all"',
      })
      .optional()
      .describe("occurrences missed while nothing was awake; default latest"),
  })
  .describe("a schedule trigger");

/** croner's complaints, in the words of someone reading a definition. */
function cronProblem(pattern: string): string | null {
  const fields = pattern.trim().split(/\s+/);
  if (!pattern.trim().startsWith("@") && fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first; found ${fields.length}`;
  }
  try {
    parseCron(pattern);
  } catch (error) {
    const said = error instanceof Error ? error.message : String(error);
    const plain = said.replace(/^CronPattern:\s*/i, "").replace(/\.$/, "");
    return `not a cron pattern: ${plain.charAt(0).toLowerCase()}${plain.slice(1)}`;
  }
  return null;
}

/** A fixed wall time to sample from, so validation never reads the clock. */
const SAMPLE_FROM = Date.UTC(2026, 0, 1);
const SAMPLE_SIZE = 64;

/**
 * The shortest gap between consecutive matches among the next few dozen
 * (null: fewer than two). A bound, not a proof: a shorter gap may hide
 * further on, which is why jitterMs also clamps at fire time.
 */
export function sampledCronGap(pattern: string): number | null {
  const walls = parseCron(pattern)
    .nextRuns(SAMPLE_SIZE, new Date(SAMPLE_FROM))
    .map((date) => date.getTime());
  let gap: number | null = null;
  for (let i = 1; i < walls.length; i++) {
    const step = walls[i]! - walls[i - 1]!;
    if (gap === null || step < gap) gap = step;
  }
  return gap;
}

/**
 * Every problem with a schedule trigger, each with its path.
 * @example validateSchedule({ every: "10m", jitter: "10m" }, "trigger.schedule")
 * // [{ path: "trigger.schedule.jitter", message: "must be shorter than every (10m)" }]
 */
export function validateSchedule(input: unknown, path: string): Problem[] {
  const parsed = scheduleTriggerSchema.safeParse(input);
  const problems: Problem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.push({
            path: joinPath(path, [...issue.path, key]),
            message: "is not a schedule setting",
          });
        }
      } else problems.push({ path: joinPath(path, issue.path), message: issue.message });
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) return problems;
  const spec = input as Record<string, unknown>;
  const at = (field: keyof ScheduleTrigger): string => joinPath(path, [field]);
  const reported = new Set(problems.map((problem) => problem.path));
  const fresh = (field: keyof ScheduleTrigger): boolean => !reported.has(at(field));

  const { cron, every } = spec;
  if (cron === undefined && every === undefined) {
    problems.push({ path, message: "needs cron or every" });
  } else if (cron !== undefined && every !== undefined) {
    problems.push({ path: at("every"), message: "cron and every cannot both be set; choose one" });
  }
  let gapMs: number | null = null;
  let gapSource = "";
  if (typeof cron === "string" && fresh("cron")) {
    const complaint = cronProblem(cron);
    if (complaint !== null) problems.push({ path: at("cron"), message: complaint });
    else {
      gapMs = sampledCronGap(cron);
      if (gapMs === null && parseCron(cron).nextRun(new Date(SAMPLE_FROM)) === null) {
        problems.push({ path: at("cron"), message: "never matches a date (e.g. 30 February)" });
      }
      gapSource = "the cron pattern's";
    }
  }
  if (typeof every === "string" && fresh("every") && cron === undefined) {
    gapMs = parseDuration(every);
    gapSource = `every (${every})`;
  }

  const start = typeof spec.start === "string" ? parseInstant(spec.start) : null;
  const end = typeof spec.end === "string" ? parseInstant(spec.end) : null;
  if (start !== null && end !== null && end <= start) {
    problems.push({ path: at("end"), message: "must be after start" });
  }

  if (typeof spec.jitter === "string" && fresh("jitter") && gapMs !== null) {
    const jitter = parseDuration(spec.jitter);
    if (jitter !== null && jitter >= gapMs) {
      problems.push({
        path: at("jitter"),
        message:
          cron === undefined
            ? `must be shorter than ${gapSource}`
            : `must be shorter than ${gapSource} shortest gap between fires (${formatDuration(gapMs)})`,
      });
    }
  }
  return problems;
}
