// The settings screens' state: API keys, webhook sources, the outbound
// signing secret, the email/SMS providers, and the workspace's run-history
// retention and time zone. Members and invitations: members.svelte.ts.
import {
  ApiFailure,
  type ApiKey,
  endpoints,
  itemsOf,
  messageOf,
  type ProviderSettings,
  type ProviderUpdate,
  type Scope,
  type TenantSettings,
  type WebhookSource,
} from "$lib/api";

const notYet = (err: unknown) =>
  err instanceof ApiFailure && (err.status === 404 || err.status === 405);

export class ApiKeys {
  items = $state<ApiKey[]>([]);
  error = $state("");
  loading = $state(true);
  name = $state("");
  scopes = $state<Record<Scope, boolean>>({ read: true, write: false, admin: false });
  /** The key just created: shown once. */
  created = $state<{ name: string; key: string } | null>(null);

  async load(): Promise<void> {
    try {
      this.items = itemsOf(await endpoints.apiKeys());
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async create(): Promise<void> {
    this.error = "";
    const scopes = (Object.keys(this.scopes) as Scope[]).filter((s) => this.scopes[s]);
    if (!this.name.trim()) {
      this.error = "Name the key after what will use it.";
      return;
    }
    if (!scopes.length) {
      this.error = "Pick at least one scope.";
      return;
    }
    try {
      const made = await endpoints.createApiKey(this.name.trim(), scopes);
      this.created = { name: this.name.trim(), key: made.key };
      this.name = "";
      await this.load();
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async revoke(key: ApiKey): Promise<void> {
    try {
      await endpoints.revokeApiKey(key.id);
      await this.load();
    } catch (err) {
      this.error = messageOf(err);
    }
  }
}

export class WebhookSources {
  items = $state<WebhookSource[]>([]);
  error = $state("");
  loading = $state(true);
  name = $state("");
  eventType = $state("");
  /** A secret just created or rotated: shown once, with the source it is for. */
  secret = $state<{ sourceId: string; secret: string; rotated: boolean } | null>(null);

  async load(): Promise<void> {
    try {
      this.items = itemsOf(await endpoints.webhookSources());
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async create(): Promise<void> {
    this.error = "";
    if (!this.name.trim()) {
      this.error = "Name the source after the system that sends.";
      return;
    }
    try {
      const made = await endpoints.createWebhookSource(
        this.name.trim(),
        this.eventType.trim() || undefined,
      );
      this.secret = { sourceId: made.id, secret: made.secret, rotated: false };
      this.name = "";
      this.eventType = "";
      await this.load();
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => d.message).join("; ")
          : messageOf(err);
    }
  }

  async rotate(source: WebhookSource): Promise<void> {
    this.error = "";
    try {
      const { secret } = await endpoints.rotateWebhookSecret(source.id);
      this.secret = { sourceId: source.id, secret, rotated: true };
      await this.load();
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async remove(source: WebhookSource): Promise<void> {
    try {
      await endpoints.deleteWebhookSource(source.id);
      if (this.secret?.sourceId === source.id) this.secret = null;
      await this.load();
    } catch (err) {
      this.error = messageOf(err);
    }
  }
}

export class SigningSecret {
  secret = $state<string | null>(null);
  error = $state("");
  notice = $state("");
  unavailable = $state(false);
  busy = $state(false);

  async reveal(): Promise<void> {
    this.error = "";
    try {
      this.secret = (await endpoints.signingSecret()).secret;
    } catch (err) {
      if (notYet(err)) this.unavailable = true;
      else this.error = messageOf(err);
    }
  }

  async rotate(): Promise<void> {
    this.busy = true;
    this.error = "";
    try {
      this.secret = (await endpoints.rotateSigningSecret()).secret;
      this.notice =
        "Rotated. For the next 24 hours every webhook carries two signatures, the old secret's and the new one's: update your receivers within that time.";
    } catch (err) {
      if (notYet(err)) this.unavailable = true;
      else this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }
}

export class Providers {
  current = $state<ProviderSettings | null>(null);
  unavailable = $state(false);
  error = $state("");
  notice = $state("");
  saving = $state(false);
  emailProvider = $state<"outbox" | "resend">("outbox");
  emailFrom = $state("");
  apiKey = $state("");
  smsProvider = $state<"outbox" | "twilio">("outbox");
  smsFrom = $state("");
  accountSid = $state("");
  authToken = $state("");

  async load(): Promise<void> {
    try {
      const p = await endpoints.providers();
      this.current = p;
      this.emailProvider = p.email.provider;
      this.emailFrom = p.email.from ?? "";
      this.smsProvider = p.sms.provider;
      this.smsFrom = p.sms.from ?? "";
    } catch (err) {
      if (notYet(err)) this.unavailable = true;
      else this.error = messageOf(err);
    }
  }

  async save(): Promise<void> {
    this.error = "";
    this.notice = "";
    const body: ProviderUpdate = {
      email:
        this.emailProvider === "resend"
          ? { provider: "resend", from: this.emailFrom.trim(), apiKey: this.apiKey || undefined }
          : { provider: "outbox", from: this.emailFrom.trim() || undefined },
      sms:
        this.smsProvider === "twilio"
          ? {
              provider: "twilio",
              from: this.smsFrom.trim(),
              accountSid: this.accountSid || undefined,
              authToken: this.authToken || undefined,
            }
          : { provider: "outbox", from: this.smsFrom.trim() || undefined },
    };
    this.saving = true;
    try {
      this.current = await endpoints.saveProviders(body);
      this.apiKey = "";
      this.accountSid = "";
      this.authToken = "";
      this.notice = "Saved. Credentials are stored encrypted and are never shown again.";
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => `${d.path}: ${d.message}`).join("; ")
          : messageOf(err);
    } finally {
      this.saving = false;
    }
  }
}

/** How many runs of a workspace may run at once (the API's bounds, issue 16). */
export const MAX_RUNNING_RUNS = { min: 1, max: 1000, default: 100 } as const;

/** How many days run history may be kept (the API's bounds). */
export const RETENTION_DAYS = { min: 1, max: 400 } as const;

/** Every IANA time zone the browser knows, UTC first, and `current` should the browser lack it. */
export function timeZones(current?: string): string[] {
  const known =
    typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zones = ["UTC", ...known.filter((z) => z !== "UTC")];
  if (current && !zones.includes(current)) zones.splice(1, 0, current);
  return zones;
}

export class WorkspaceSettings {
  current = $state<TenantSettings | null>(null);
  unavailable = $state(false);
  error = $state("");
  notice = $state("");
  saving = $state(false);
  /** `null` while the number field is empty. */
  retentionDays = $state<number | null>(null);
  timezone = $state("UTC");
  /** The workspace's cap on runs running at once (issue 16); `null` while the field is empty. */
  maxRunningRuns = $state<number | null>(null);
  readonly zones = $derived(timeZones(this.current?.timezone));
  /** Saving would delete history that is kept today. */
  readonly shortens = $derived(
    this.current !== null &&
      this.retentionDays !== null &&
      this.retentionDays < this.current.retentionDays,
  );

  async load(): Promise<void> {
    try {
      this.accept(await endpoints.tenantSettings());
      this.error = "";
    } catch (err) {
      if (notYet(err)) this.unavailable = true;
      else this.error = messageOf(err);
    }
  }

  async save(): Promise<void> {
    this.error = "";
    this.notice = "";
    const days = this.retentionDays;
    if (
      days === null ||
      !Number.isInteger(days) ||
      days < RETENTION_DAYS.min ||
      days > RETENTION_DAYS.max
    ) {
      this.error = `Keep run history for ${RETENTION_DAYS.min} to ${RETENTION_DAYS.max} whole days.`;
      return;
    }
    const cap = this.maxRunningRuns;
    const capOffered = this.current?.maxRunningRuns !== undefined;
    if (
      capOffered &&
      (cap === null ||
        !Number.isInteger(cap) ||
        cap < MAX_RUNNING_RUNS.min ||
        cap > MAX_RUNNING_RUNS.max)
    ) {
      this.error = `Allow ${MAX_RUNNING_RUNS.min} to ${MAX_RUNNING_RUNS.max} runs running at once.`;
      return;
    }
    // Only what changed is sent: the audit log then names just that.
    const body: Partial<TenantSettings> = {};
    if (days !== this.current?.retentionDays) body.retentionDays = days;
    if (capOffered && cap !== null && cap !== this.current?.maxRunningRuns)
      body.maxRunningRuns = cap;
    if (this.timezone !== this.current?.timezone) body.timezone = this.timezone;
    if (!Object.keys(body).length) {
      this.notice = "Nothing to save: these are the current settings.";
      return;
    }
    this.saving = true;
    try {
      this.accept(await endpoints.saveTenantSettings(body));
      this.notice = `Saved. Run history is kept ${this.current?.retentionDays} days; the time zone is ${this.current?.timezone}${this.current?.maxRunningRuns !== undefined ? `; at most ${this.current.maxRunningRuns} runs run at once` : ""}.`;
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => `${d.path}: ${d.message}`).join("; ")
          : messageOf(err);
    } finally {
      this.saving = false;
    }
  }

  private accept(settings: TenantSettings): void {
    this.current = settings;
    this.retentionDays = settings.retentionDays;
    this.timezone = settings.timezone;
    this.maxRunningRuns = settings.maxRunningRuns ?? null;
  }
}
