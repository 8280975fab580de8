// The facts an approval request carries (issue 14, item 7): the author's
// summary lines, rendered by the engine, as text; and the approval email,
// which shows them with the expiry in the tenant's time zone, naming it.
import type { ApprovalSummaryLine } from "../store/schema.ts";

/** Longest value kept on one line; longer ones end in "…". */
export const MAX_SUMMARY_VALUE = 500;

/**
 * The rendered summary as label/text lines, as the approver reads them:
 * numbers in the tenant's locale ("12,500"; "12.500" in German), yes/no
 * for booleans, an instant in the tenant's time zone, other text as it is,
 * a missing value as "—", anything else as JSON. Written once, when the
 * request opens, so the inbox, the approval page and the email agree.
 * @example summaryLines([{ label: "Amount", value: 12500 }], { timeZone: "UTC", locale: "en" }) // [{ label: "Amount", value: "12,500" }]
 */
export function summaryLines(
  rendered: ReadonlyArray<{ label: string; value: unknown }> | undefined,
  zone: { timeZone: string; locale: string },
): ApprovalSummaryLine[] {
  return (rendered ?? []).map((line) => ({
    label: line.label.trim(),
    value: clip(textOf(line.value, zone)),
  }));
}

/** An ISO-8601 instant with a time ("2026-12-07T13:00:00Z"), not a bare date. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function textOf(value: unknown, zone: { timeZone: string; locale: string }): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "number") return numberIn(value, zone.locale);
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string") {
    return INSTANT.test(value) && !Number.isNaN(Date.parse(value))
      ? instantIn(value, zone.timeZone, zone.locale)
      : value;
  }
  return JSON.stringify(value);
}

function numberIn(n: number, locale: string): string {
  try {
    return new Intl.NumberFormat(locale, { maximumFractionDigits: 20 }).format(n);
  } catch {
    return String(n);
  }
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
