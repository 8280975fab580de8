// The newest bulk retries (GET /v1/jobs), on the Failures view: a retry goes
// on after its dialog closes, so its progress — and Stop — stay in sight.
// Polled every second while one runs, else with the failure groups' pace.
import { messageOf } from "$lib/api";
import { bulkRetry, type Job } from "$lib/api-bulk-retry";
import { jobRunning } from "$lib/model/bulk-retry-words";

const BUSY_MS = 1000;
const IDLE_MS = 10_000;
/** Jobs shown: the newest few are what a person follows. */
const SHOWN = 5;

export class RecentJobs {
  items = $state<Job[]>([]);
  error = $state("");
  busy = $state(false);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  readonly running = $derived(this.items.some(jobRunning));

  async load(): Promise<void> {
    clearTimeout(this.timer);
    try {
      this.items = (await bulkRetry.jobs(SHOWN)).items;
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      if (!this.stopped)
        this.timer = setTimeout(() => this.load(), this.running ? BUSY_MS : IDLE_MS);
    }
  }

  async cancel(id: string): Promise<void> {
    this.busy = true;
    try {
      const job = await bulkRetry.cancel(id);
      this.items = this.items.map((j) => (j.id === id ? job : j));
      this.error = "";
    } catch (err) {
      this.error = messageOf(err);
    } finally {
      this.busy = false;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
