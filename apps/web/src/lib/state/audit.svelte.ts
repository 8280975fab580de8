// The audit log with its filters, and the chain verification; the names it
// is read with (members, API keys, workflows) so nobody reads ids.
import {
  type ApiKey,
  type AuditEntry,
  type AuditVerification,
  endpoints,
  messageOf,
} from "$lib/api";
import type { AuditNames } from "$lib/model/audit-words";
import { people } from "./people.svelte";

/** Every kind of entry, in people's words (the type itself is the filter's value). */
export const AUDIT_TYPE_WORDS: Record<string, string> = {
  "tenant.created": "Workspace created",
  "user.created": "Account created",
  "user.updated": "Member renamed or role changed",
  "user.removed": "Member removed",
  "user.signed_in": "Signed in",
  "user.sign_in_failed": "Sign-in failed",
  "user.switched_tenant": "Switched workspace",
  "user.password_changed": "Password changed",
  "user.password_reset": "Password reset by email",
  "user.two_factor_enabled": "Two-step sign-in turned on",
  "user.two_factor_disabled": "Two-step sign-in turned off",
  "user.recovery_codes_replaced": "New recovery codes",
  "user.passkey_added": "Passkey added",
  "user.passkey_removed": "Passkey removed",
  "invitation.created": "Invitation sent",
  "invitation.resent": "Invitation sent again",
  "invitation.revoked": "Invitation withdrawn",
  "invitation.accepted": "Invitation accepted",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "workflow.created": "Workflow created",
  "workflow.updated": "Workflow changed",
  "workflow.published": "Workflow published",
  "workflow.enabled": "Workflow turned on",
  "workflow.disabled": "Workflow turned off",
  "workflow.paused": "Workflow paused: it kept failing",
  "workflow.deleted": "Workflow deleted",
  "workflow.test_run": "Workflow tried with a sample",
  "event_type.declared": "Event type described",
  "webhook_source.created": "Webhook source created",
  "webhook_source.rotated": "Webhook secret replaced",
  "webhook_source.deleted": "Webhook source deleted",
  "settings.updated": "Settings changed",
  "sso.updated": "Single sign-on set up or changed",
  "sso.deleted": "Single sign-on removed",
  "sso.domain_added": "Email domain added",
  "sso.domain_verified": "Email domain verified",
  "sso.domain_removed": "Email domain removed",
  "sso.member_added": "Joined by single sign-on",
  "demo.reset": "Demo sign-in reset",
  "run.suppressed": "Run stopped by the loop guard",
  "run.retried": "Run retried",
  "run.cancelled": "Run cancelled",
  "runs.bulk_retry_started": "Many failed runs retried at once",
  "job.cancelled": "Retry of many runs stopped",
  "wait.cancelled": "Stopped waiting for an event",
  "approval.decided": "Approval decided",
  "record.changed": "Record changed by a workflow",
};

export const AUDIT_TYPES = Object.keys(AUDIT_TYPE_WORDS);

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
  keys = $state<ApiKey[]>([]);
  workflowNames = $state<Record<string, string>>({});

  /** Who and what the entries name, by name; what cannot be read stays unnamed. */
  readonly names: AuditNames = {
    member: (id) => {
      const m = people.items.find((p) => p.id === id);
      return m ? m.name?.trim() || m.email : undefined;
    },
    key: (id) => this.keys.find((k) => k.id === id)?.name,
    workflow: (id) => this.workflowNames[id],
  };

  async loadNames(): Promise<void> {
    await Promise.all([
      people.ensure(),
      endpoints.apiKeys().then(
        (r) => (this.keys = Array.isArray(r) ? r : r.items),
        () => undefined,
      ),
      endpoints.workflows().then(
        (r) => (this.workflowNames = Object.fromEntries(r.items.map((w) => [w.id, w.name]))),
        () => undefined,
      ),
    ]);
  }

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
