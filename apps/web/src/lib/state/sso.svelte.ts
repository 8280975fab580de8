// The "Single sign-on" settings screen: the connection to the company's
// identity provider, its email domains and their DNS proof, and whether
// everyone must sign in through it.
import { messageOf } from "$lib/api";
import { type SsoDomain, type SsoRole, type SsoSettings, ssoEndpoints } from "$lib/api-sso";

export class SsoSettingsState {
  settings = $state<SsoSettings | null>(null);
  loading = $state(true);
  error = $state("");
  notice = $state("");
  saving = $state(false);

  issuer = $state("");
  clientId = $state("");
  /** Write-only: empty keeps the stored secret. */
  clientSecret = $state("");
  defaultRole = $state<SsoRole>("viewer");
  enabled = $state(true);
  required = $state(false);

  newDomain = $state("");
  domainError = $state("");
  /** Per domain: what the last check found, or that it is being checked. */
  checking = $state<Record<string, string>>({});

  readonly configured = $derived(this.settings?.connection != null);

  async load(): Promise<void> {
    try {
      this.accept(await ssoEndpoints.settings());
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  private accept(s: SsoSettings): void {
    this.settings = s;
    const c = s.connection;
    this.issuer = c?.issuer ?? "";
    this.clientId = c?.clientId ?? "";
    this.clientSecret = "";
    this.defaultRole = c?.defaultRole ?? "viewer";
    this.enabled = c?.enabled ?? true;
    this.required = c?.required ?? false;
  }

  async save(): Promise<void> {
    this.error = "";
    this.notice = "";
    if (!this.configured && !this.clientSecret) {
      this.error = "Enter the client secret your identity provider gave you.";
      return;
    }
    this.saving = true;
    try {
      await ssoEndpoints.save({
        issuer: this.issuer.trim(),
        clientId: this.clientId.trim(),
        ...(this.clientSecret ? { clientSecret: this.clientSecret } : {}),
        defaultRole: this.defaultRole,
        enabled: this.enabled,
        required: this.enabled && this.required,
      });
      this.accept(await ssoEndpoints.settings());
      this.notice = "Saved. Single sign-on uses these settings from now on.";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.saving = false;
    }
  }

  async turnOff(): Promise<void> {
    this.error = "";
    this.notice = "";
    try {
      await ssoEndpoints.remove();
      this.accept(await ssoEndpoints.settings());
      this.notice = "Single sign-on is removed. People sign in with their passwords.";
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async addDomain(): Promise<void> {
    this.domainError = "";
    const domain = this.newDomain.trim();
    if (!domain) {
      this.domainError = "Enter your company's email domain, e.g. acme.com.";
      return;
    }
    try {
      await ssoEndpoints.addDomain(domain);
      this.newDomain = "";
      await this.reloadDomains();
    } catch (err) {
      this.domainError = messageOf(err);
    }
  }

  async verify(d: SsoDomain): Promise<void> {
    this.checking = { ...this.checking, [d.domain]: "Checking DNS…" };
    try {
      await ssoEndpoints.verifyDomain(d.domain);
      this.checking = { ...this.checking, [d.domain]: "" };
      await this.reloadDomains();
    } catch (err) {
      this.checking = { ...this.checking, [d.domain]: messageOf(err) };
    }
  }

  async removeDomain(d: SsoDomain): Promise<void> {
    this.domainError = "";
    try {
      await ssoEndpoints.removeDomain(d.domain);
      await this.reloadDomains();
    } catch (err) {
      this.domainError = messageOf(err);
    }
  }

  /** Only the domains: the form keeps what the admin is typing. */
  private async reloadDomains(): Promise<void> {
    const fresh = await ssoEndpoints.settings();
    if (this.settings) this.settings = { ...this.settings, domains: fresh.domains };
    else this.accept(fresh);
  }
}
