// Failure alerts in words (the workflow list, a workflow's settings, the
// editor): when a workflow started failing, and why it was paused, in the
// workspace's time zone and locale.
import type { Failing, Paused } from "./api-alerts";
import { workspaceFormat } from "./state/workspace-format.svelte";

/** Times and days in the workspace's time zone and locale. */
const TIME: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit" };
const DAY: Intl.DateTimeFormatOptions = { day: "numeric", month: "short" };

/**
 * "Failing since 10:42 — 3 failed runs" (the time alone when it is today).
 * @example failingText({ since: "2026-12-05T10:42:00Z", failedRuns: 3, … }, now)
 */
export function failingText(f: Failing, now = new Date()): string {
  const time = workspaceFormat.when(f.since, TIME);
  const today =
    workspaceFormat.when(f.since, { dateStyle: "short" }) ===
    workspaceFormat.when(now.toISOString(), { dateStyle: "short" });
  const when = today ? time : `${workspaceFormat.when(f.since, DAY)} ${time}`;
  return `Failing since ${when} — ${f.failedRuns} failed run${f.failedRuns === 1 ? "" : "s"}`;
}

/**
 * "10 minutes", "2 hours", "1 day".
 * @example minutesText(90) // "90 minutes"
 */
export function minutesText(m: number): string {
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  if (m % 1440 === 0) return unit(m / 1440, "day");
  if (m % 60 === 0) return unit(m / 60, "hour");
  return unit(m, "minute");
}

/**
 * "Paused on 5 Dec, 17:40 after 3 failed runs within 10 minutes".
 * @example pausedText({ at: "2026-12-05T17:40:00Z", failures: 3, minutes: 10, runId: "run_1" })
 */
export function pausedText(p: Paused): string {
  const when = `${workspaceFormat.when(p.at, DAY)}, ${workspaceFormat.when(p.at, TIME)}`;
  const within = p.minutes ? ` within ${minutesText(p.minutes)}` : "";
  return `Paused on ${when} after ${p.failures} failed runs${within}`;
}
