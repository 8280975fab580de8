// The shell's badges: approvals waiting for me and my unread notifications.
// Polled while signed in; the inbox and notification pages call refresh()
// after they change something so the badges follow at once.
import { endpoints } from "$lib/api";

const POLL_MS = 15_000;

export class InboxCounts {
  pending = $state(0);
  unread = $state(0);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private watching = false;

  watch(): void {
    this.watching = true;
    this.refresh();
  }

  stop(): void {
    this.watching = false;
    clearTimeout(this.timer);
  }

  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    const [approvals, notes] = await Promise.all([
      endpoints.approvals("status=pending&mine=true&limit=200").catch(() => null),
      endpoints.notifications("unread=true&limit=200").catch(() => null),
    ]);
    if (approvals) this.pending = approvals.items.length;
    if (notes) this.unread = notes.items.length;
    if (this.watching) this.timer = setTimeout(() => this.refresh(), POLL_MS);
  }
}

export const inbox = new InboxCounts();
