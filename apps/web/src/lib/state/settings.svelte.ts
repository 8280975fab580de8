// The settings screens' state: API keys, webhook sources, the outbound
// signing secret, members and the email/SMS providers.
import {
  ApiFailure,
  type ApiKey,
  endpoints,
  itemsOf,
  type Member,
  messageOf,
  type ProviderSettings,
  type ProviderUpdate,
  type Role,
  type Scope,
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

export class Members {
  items = $state<Member[]>([]);
  error = $state("");
  notice = $state("");
  loading = $state(true);
  email = $state("");
  name = $state("");
  role = $state<Role>("editor");
  password = $state("");

  async load(): Promise<void> {
    try {
      this.items = (await endpoints.members()).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async add(): Promise<void> {
    this.error = "";
    this.notice = "";
    try {
      const m = await endpoints.addMember({
        email: this.email.trim(),
        role: this.role,
        name: this.name.trim() || undefined,
        password: this.password || undefined,
      });
      this.notice = `${m.email} is now a member (${m.role}).`;
      this.email = "";
      this.name = "";
      this.password = "";
      await this.load();
    } catch (err) {
      this.error =
        err instanceof ApiFailure && err.details?.length
          ? err.details.map((d) => `${d.path}: ${d.message}`).join("; ")
          : messageOf(err);
    }
  }

  async setRole(m: Member, role: Role): Promise<void> {
    this.error = "";
    this.notice = "";
    try {
      await endpoints.updateMember(m.id, { role });
      this.notice = `${m.email} is now ${role}.`;
    } catch (err) {
      this.error = messageOf(err);
    }
    await this.load();
  }

  async remove(m: Member): Promise<void> {
    this.error = "";
    try {
      await endpoints.removeMember(m.id);
      this.notice = `${m.email} was removed.`;
      await this.load();
    } catch (err) {
      this.error = messageOf(err);
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
