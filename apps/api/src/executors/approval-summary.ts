// The facts an approval request carries (issue 14, item 7): the author's
// summary lines, rendered by the engine, as text; and the approval email,
// which shows them with the expiry in the tenant's time zone, naming it.
import type { ApprovalSummaryLine } from "../store/schema.ts";

/** Longest value kept on one line; longer ones end in "…". */
export const MAX_SUMMARY_VALUE = 500;

/**
 * The rendered summary as label/text lines: text stays as it is, numbers
 * and yes/no as written, a missing value as "—", anything else as JSON.
 * @example summaryLines([{ label: "Amount", value: 12500 }]) // [{ label: "Amount", value: "12500" }]
 */
export function summaryLines(
  rendered: ReadonlyArray<{ label: string; value: unknown }> | undefined,
): ApprovalSummaryLine[] {
  return (rendered ?? []).map((line) => ({
    label: line.label.trim(),
    value: clip(textOf(line.value)),
  }));
}

function textOf(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function clip(text: string): string {
  return text.length > MAX_SUMMARY_VALUE ? `${text.slice(0, MAX_SUMMARY_VALUE - 1)}…` : text;
}

/**
 * "7 Dec 2026, 14:00 (Europe/Berlin)": an instant in a time zone, saying
 * which; UTC when the zone is unknown to the runtime.
 */
export function instantIn(iso: string, timeZone: string, locale = "en"): string {
  const format = (zone: string) =>
    new Intl.DateTimeFormat(locale, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: zone,
    }).format(new Date(iso));
  try {
    return `${format(timeZone)} (${timeZone})`;
  } catch {
    return `${format("UTC")} (UTC)`;
  }
}

export interface ApprovalMail {
  description: string | null;
  summary: ApprovalSummaryLine[] | null;
  expiresAt: string;
}

/** The approval email's text: details, the facts, where to decide, until when. */
export function approvalEmailBody(
  a: ApprovalMail,
  link: string,
  zone: { timeZone: string; locale: string },
): string {
  const parts: string[] = [];
  if (a.description) parts.push(a.description);
  if (a.summary?.length) parts.push(a.summary.map((l) => `${l.label}: ${l.value}`).join("\n"));
  parts.push(
    `Approve or reject: ${link}\nThis request expires on ${instantIn(a.expiresAt, zone.timeZone, zone.locale)}.`,
  );
  return parts.join("\n\n");
}
