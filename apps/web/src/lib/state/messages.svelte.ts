// Notifications (mine, read or not) and the built-in provider's outbox.
import { endpoints, messageOf, type Notification, type OutboxMessage } from "$lib/api";
import { inbox } from "./inbox.svelte";

export class NotificationList {
  items = $state<Notification[]>([]);
  unreadOnly = $state(false);
  loading = $state(true);
  error = $state("");

  async load(): Promise<void> {
    try {
      this.items = (
        await endpoints.notifications(`limit=100${this.unreadOnly ? "&unread=true" : ""}`)
      ).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }

  async read(n: Notification): Promise<void> {
    try {
      await endpoints.markRead(n.id);
      this.items = this.items.map((x) => (x.id === n.id ? { ...x, read: true } : x));
      inbox.refresh();
    } catch (err) {
      this.error = messageOf(err);
    }
  }

  async readAll(): Promise<void> {
    for (const n of this.items.filter((x) => !x.read)) await this.read(n);
  }
}

export class Outbox {
  items = $state<OutboxMessage[]>([]);
  channel = $state<"" | "email" | "sms">("");
  loading = $state(true);
  error = $state("");
  nextCursor = $state<string | null>(null);

  async load(more = false): Promise<void> {
    const q = new URLSearchParams({ limit: "50" });
    if (this.channel) q.set("channel", this.channel);
    if (more && this.nextCursor) q.set("cursor", this.nextCursor);
    try {
      const page = await endpoints.outbox(q.toString());
      this.items = more ? [...this.items, ...page.items] : page.items;
      this.nextCursor = page.nextCursor ?? null;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.loading = false;
    }
  }
}
