// Metrics in people's words: durations ("1.2 s"), rates ("67% succeeded"),
// bucket labels ("14:00", "Mon 5 Dec") and what a bar says when read aloud.
import type { MetricBucket, MetricWindow } from "../api-metrics";

export const WINDOW_WORDS: Record<MetricWindow, string> = {
  "24h": "24 hours",
  "7d": "7 days",
  "30d": "30 days",
};

/** A duration in words, or a dash when nothing ran. */
export function msWords(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(ms < 600_000 ? 1 : 0)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}

/** A success rate as a whole percentage ("67%"), or a dash when nothing ran. */
export function rateWords(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "—";
  const pct = rate * 100;
  // 99.6% is not 100%: a failure is never rounded away.
  const shown = pct > 99 && pct < 100 ? Math.floor(pct) : Math.round(pct);
  return `${shown}%`;
}

/** "1 run" / "3 runs". */
export const runsWords = (n: number): string => `${n} ${n === 1 ? "run" : "runs"}`;

/** A bucket's label on the chart's axis: its UTC hour (24 h) or its UTC day. */
export function bucketLabel(start: string, window: MetricWindow): string {
  const d = new Date(start);
  if (window === "24h") return `${String(d.getUTCHours()).padStart(2, "0")}:00`;
  return d.toLocaleDateString("en-GB", {
    timeZone: "UTC",
    weekday: window === "7d" ? "short" : undefined,
    day: "numeric",
    month: "short",
  });
}

/** What one bar says: "Mon 5 Dec: 3 runs, 1 failed, p95 1.2 s". */
export function bucketWords(b: MetricBucket, window: MetricWindow): string {
  const parts = [
    `${bucketLabel(b.start, window)}${window === "24h" ? " UTC" : ""}: ${runsWords(b.runs)}`,
  ];
  if (b.failed > 0) parts.push(`${b.failed} failed`);
  if (b.runs > 0) parts.push(`p95 ${msWords(b.p95Ms)}`);
  return parts.join(", ");
}

/** A step's failures in words: "2 of 3 runs failed". */
export const failedWords = (failed: number, runs: number): string =>
  `${failed} of ${runsWords(runs)} failed`;
