// The audit log with its filters, and the chain verification.
import { type AuditEntry, type AuditVerification, endpoints, messageOf } from "$lib/api";

export const AUDIT_TYPES = [
  "tenant.created",
  "user.created",
  "user.signed_in",
  "api_key.created",
  "api_key.revoked",
  "workflow.created",
  "workflow.updated",
  "workflow.published",
  "workflow.enabled",
  "workflow.disabled",
  "workflow.deleted",
  "webhook_source.created",
  "webhook_source.rotated",
  "webhook_source.deleted",
  "settings.updated",
  "run.suppressed",
  "run.retried",
  "run.cancelled",
  "approval.decided",
];

export const BROKEN_WORDS: Record<string, string> = {
  hash_mismatch:
    "an entry's content no longer matches its signature: someone changed the entry after it was written",
  broken_link:
    "an entry does not point to the one before it: an entry was removed or replaced, or the order was changed",
  gap: "a sequence number is missing: an entry was deleted",
};

/** A datetime-local value (local time) as RFC 3339 UTC, or "" . */
const iso = (local: string) => (local ? new Date(local).toISOString() : "");

export class AuditLog {
  items = $state<AuditEntry[]>([]);
  type = $state("");
  actor = $state("");
  since = $state("");
  until = $state("");
  loading = $state(true);
  error = $state("");
  nextCursor = $state<string | null>(null);
  verification = $state<AuditVerification | null>(null);
  verifyError = $state("");

  async load(more = false): Promise<void> {
    const q = new URLSearchParams({ limit: "50" });
    if (this.type) q.set("type", this.type);
    if (this.actor.trim()) q.set("actor", this.actor.trim());
    if (this.since) q.set("since", iso(this.since));
    if (this.until) q.set("until", iso(this.until));
    if (more && this.nextCursor) q.set("cursor", this.nextCursor);
    try {
      const page = await endpoints.audit(q.toString());
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.nextCursor = page.nextCursor ?? null;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async verify(): Promise<void> {
    this.verifyError = "";
    try {
      this.verification = await endpoints.verifyAudit();
    } catch (err) {
      this.verifyError = messageOf(err);
    }
  }
}
