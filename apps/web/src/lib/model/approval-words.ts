// An approval in people's words (issue 14, item 7): who was asked and who
// decided, by name; when, in the reader's own time zone, saying which.
import type { Approval } from "../api";
import { type Person, personWords } from "./people";

/** The reader's time zone, as the browser knows it ("Europe/Berlin"). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/**
 * "5 Dec 2026, 17:40": an instant in the reader's locale and time zone (or
 * the zone given).
 */
export function dateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

/** "5 Dec 2026, 17:40 (Europe/Berlin)": the instant, naming the zone it is told in. */
export function dateTimeInZone(iso: string, timeZone = localZone()): string {
  return `${dateTime(iso, timeZone)} (${timeZone})`;
}

/**
 * Who decided and when, after the status word (the card shows the status as
 * a badge): " by Ada Admin on 5 Dec 2026, 17:40"; " on …" when nobody
 * decided (expired, cancelled); "" when nothing is known yet.
 */
export function decisionTail(a: Approval, people: readonly Person[]): string {
  const by = a.decidedBy ? ` by ${personWords(people, a.decidedBy)}` : "";
  const on = a.decidedAt ? ` on ${dateTime(a.decidedAt)}` : "";
  return `${by}${on}`;
}
