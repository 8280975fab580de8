// "When a run fails, tell: …" — the choice of who hears of failing runs,
// for the workspace (Settings → Run history) and for one workflow (its
// settings page). The API keeps `{ enabled, recipients }`; a workflow may
// also follow the workspace (null).
import { endpoints, itemsOf, messageOf } from "$lib/api";
import type { AlertSettings } from "$lib/api-alerts";
import type { Member } from "$lib/api-people";

/** inherit: the workspace's choice (workflows only); default: publisher, admins and owners. */
export type AlertMode = "inherit" | "default" | "chosen" | "nobody";

export class AlertChoice {
  mode = $state<AlertMode>("default");
  chosen = $state<string[]>([]);
  members = $state<Member[]>([]);
  saving = $state(false);
  error = $state("");
  notice = $state("");

  constructor(
    private readonly store: (alerts: AlertSettings | null) => Promise<unknown>,
    readonly canInherit: boolean,
  ) {}

  /** Shows what the server has. */
  set(alerts: AlertSettings | null | undefined): void {
    if (!alerts) this.mode = this.canInherit ? "inherit" : "default";
    else if (!alerts.enabled) this.mode = "nobody";
    else if (alerts.recipients === "default") this.mode = "default";
    else {
      this.mode = "chosen";
      this.chosen = [...alerts.recipients];
    }
  }

  async loadMembers(): Promise<void> {
    try {
      this.members = itemsOf(await endpoints.members());
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  toggle(id: string, on: boolean): void {
    this.chosen = on ? [...new Set([...this.chosen, id])] : this.chosen.filter((c) => c !== id);
  }

  value(): AlertSettings | null {
    switch (this.mode) {
      case "inherit":
        return null;
      case "default":
        return { enabled: true, recipients: "default" };
      case "chosen":
        return { enabled: true, recipients: this.chosen };
      case "nobody":
        return { enabled: false, recipients: "default" };
    }
  }

  async save(): Promise<void> {
    this.error = "";
    this.notice = "";
    if (this.mode === "chosen" && this.chosen.length === 0) {
      this.error = "Pick at least one person, or choose “Nobody”.";
      return;
    }
    this.saving = true;
    try {
      await this.store(this.value());
      this.notice = "Saved.";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.saving = false;
    }
  }
}
