/** The current time as RFC 3339 UTC with milliseconds. The one clock read. */
export function nowIso(): string {
  return new Date().toISOString();
}
